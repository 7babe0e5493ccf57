package rangetest

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuki-dfir/kizuki/attack"
	"github.com/kizuki-dfir/kizuki/findings"
)

// Scenario is how kizuki's findings fared against one scenario of the truth.
type Scenario struct {
	Name          string
	Actor         string
	Incident      string        // id of the incident that covers the actor, "" if none
	Detected      bool          // an incident covers the actor's addresses
	EntryRight    bool          // the incident's entry vector is the true one (kind and address)
	EntryError    time.Duration // |kizuki's entry time − true entry time|
	FirstError    time.Duration // |first seen − start of the scenario's first phase|
	LastError     time.Duration // |last seen − end of the scenario's last phase|
	Destroyed     int64         // records kizuki says were destroyed
	TrueDestroyed int64
	Confirmed     int64 // people kizuki confirms affected
	TrueRead      int64 // the largest set of records the truth says the actor read
	// MissingTactics are the ATT&CK tactics of the scenario's phases that
	// the incident does not report.
	MissingTactics []string
}

// Comparison is the whole score.
type Comparison struct {
	Scenarios      []Scenario
	FalseIncidents []string // incidents naming a benign actor's address, or no attacker
}

// entryKinds maps the truth's scenarios to the entry kinds kizuki reports.
var entryKinds = map[string][]string{
	"web-intrusion": {"sql_injection"},
	"webshell":      {"web_shell"},
	"ssh":           {"password_guessing", "valid_account"},
}

// Compare scores findings against the truth of a range run.
func Compare(t *Truth, f *findings.Findings) Comparison {
	var c Comparison
	owner := map[string]string{} // address → attacker id
	for _, a := range t.Actors {
		for _, ip := range a.Addresses {
			owner[ip] = a.ID
		}
	}
	benign := map[string]bool{}
	for _, a := range t.BenignActors {
		for _, ip := range a.Addresses {
			benign[ip] = true
		}
	}
	for _, inc := range f.Incidents {
		attacker := false
		for _, a := range inc.Actors {
			if a.Kind != "ip" {
				continue
			}
			if benign[a.Value] {
				c.FalseIncidents = append(c.FalseIncidents, fmt.Sprintf("%s names benign address %s", inc.ID, a.Value))
			}
			if owner[a.Value] != "" {
				attacker = true
			}
		}
		if !attacker {
			c.FalseIncidents = append(c.FalseIncidents, fmt.Sprintf("%s (%s) names no attacker address", inc.ID, inc.Title))
		}
	}
	for _, ev := range t.EntryVectors {
		s := Scenario{Name: ev.Scenario, Actor: ev.Actor}
		var actor Actor
		for _, a := range t.Actors {
			if a.ID == ev.Actor {
				actor = a
			}
		}
		var inc *findings.Incident
		for i := range f.Incidents {
			for _, a := range f.Incidents[i].Actors {
				if a.Kind == "ip" && slices.Contains(actor.Addresses, a.Value) && inc == nil {
					inc = &f.Incidents[i]
				}
			}
		}
		var first, last time.Time
		for _, p := range t.Phases {
			if p.Scenario == ev.Scenario {
				if first.IsZero() || p.Start.Before(first) {
					first = p.Start
				}
				if p.End.After(last) {
					last = p.End
				}
			}
		}
		for _, d := range t.RecordsDestroyed {
			if d.Scenario == ev.Scenario {
				s.TrueDestroyed += int64(d.Rows)
			}
		}
		for _, r := range t.RecordsRead {
			if r.Scenario == ev.Scenario {
				s.TrueRead = max(s.TrueRead, int64(r.Count))
			}
		}
		if inc != nil {
			have := map[string]bool{}
			for _, ta := range inc.Tactics {
				have[ta.ID] = true
			}
			seen := map[string]bool{}
			for _, p := range t.Phases {
				for _, short := range p.Tactic {
					ta, ok := attack.ByShort(short)
					if p.Scenario == ev.Scenario && ok && !have[ta.ID] && !seen[ta.ID] {
						seen[ta.ID] = true
						s.MissingTactics = append(s.MissingTactics, ta.Name)
					}
				}
			}
			s.Incident, s.Detected = inc.ID, true
			s.Destroyed, s.Confirmed = inc.RecordsDestroyed, inc.AffectedConfirmed
			s.FirstError, s.LastError = absDiff(inc.FirstSeen, first), absDiff(inc.LastSeen, last)
			if e := inc.EntryVector; e != nil {
				s.EntryError = absDiff(e.Time, ev.Time)
				addr := ev.Address
				if addr == "" && len(actor.Addresses) > 0 {
					addr = actor.Addresses[0]
				}
				s.EntryRight = slices.Contains(entryKinds[ev.Scenario], inc.EntryKind) && strings.Contains(e.What, addr)
			}
		}
		c.Scenarios = append(c.Scenarios, s)
	}
	return c
}

func absDiff(a, b time.Time) time.Duration {
	if a.IsZero() || b.IsZero() {
		return -1
	}
	return max(a.Sub(b), b.Sub(a))
}

// Print writes the comparison as a table.
func (c Comparison) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tINCIDENT\tDETECTED\tENTRY RIGHT\tENTRY ERR\tFIRST ERR\tLAST ERR\tDESTROYED (TRUE)\tCONFIRMED (TRUE READ)\tTACTICS MISSED")
	for _, s := range c.Scenarios {
		missed := strings.Join(s.MissingTactics, ", ")
		if missed == "" {
			missed = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\t%v\t%v\t%v\t%v\t%v\t%d (%d)\t%d (%d)\t%s\n", s.Name, s.Incident, s.Detected, s.EntryRight,
			s.EntryError, s.FirstError, s.LastError, s.Destroyed, s.TrueDestroyed, s.Confirmed, s.TrueRead, missed)
	}
	tw.Flush()
	fmt.Fprintf(w, "false incidents on benign actors: %d\n", len(c.FalseIncidents))
	for _, f := range c.FalseIncidents {
		fmt.Fprintln(w, "  "+f)
	}
}

// Check returns what falls short of the bar the project holds kizuki to:
// every scenario detected with the right entry vector, entry, first and last
// seen within a minute, destruction counted, at least the truth's records
// confirmed, and no incident on a benign actor. Missed tactics are printed,
// not failed: some phases leave nothing in any log (commands POSTed to a web
// shell never reach the access log), and truth.json does not say which.
func (c Comparison) Check() []string {
	var bad []string
	for _, s := range c.Scenarios {
		switch {
		case !s.Detected:
			bad = append(bad, s.Name+": not detected")
			continue
		case !s.EntryRight:
			bad = append(bad, s.Name+": wrong entry vector")
		}
		for what, d := range map[string]time.Duration{"entry": s.EntryError, "first seen": s.FirstError, "last seen": s.LastError} {
			if d < 0 || d > time.Minute {
				bad = append(bad, fmt.Sprintf("%s: %s off by %v", s.Name, what, d))
			}
		}
		if s.Destroyed != s.TrueDestroyed {
			bad = append(bad, fmt.Sprintf("%s: %d records destroyed, truth %d", s.Name, s.Destroyed, s.TrueDestroyed))
		}
		if s.Confirmed < s.TrueRead {
			bad = append(bad, fmt.Sprintf("%s: %d people confirmed, truth read %d", s.Name, s.Confirmed, s.TrueRead))
		}
	}
	bad = append(bad, c.FalseIncidents...)
	slices.Sort(bad)
	return bad
}
