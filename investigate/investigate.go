// Package investigate turns alerts and the events around them into
// incidents, and answers for each the questions an investigation must: how
// the attacker got in (entry vector), how long they were inside (first and
// last seen, dwell time, time to detect), what they took or destroyed (bytes,
// records, people affected — confirmed and possible), and what they did
// (ATT&CK phases). Every statement cites its evidence.
//
// It works in two steps. New reads the alerts and names the suspects (the
// addresses and web shells alerts are about). A second pass over the inputs
// with a Collector gathers the facts about them; Incidents links actors across
// sources (address → account logged into from it → privileged commands run
// as it; web requests → database statements in the same window; web shell →
// the commands run through it), scores each group by how many independent
// signals agree, and writes the answers.
package investigate

import (
	"cmp"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/format"
)

// Investigation holds the alerts of a scan and what is learned about them.
type Investigation struct {
	f      *findings.Findings
	inv    *Inventory
	opts   format.Options
	inputs map[string]findings.Input // by path
	// decoded evidence lines, by path and line
	decoded map[findings.Evidence]*event.Event
}

// New starts an investigation of f's alerts. inv may be nil; opts are the
// decoder options of the scan (for re-reading evidence lines).
func New(f *findings.Findings, inv *Inventory, opts format.Options) *Investigation {
	x := &Investigation{f: f, inv: inv, opts: opts, inputs: map[string]findings.Input{}, decoded: map[findings.Evidence]*event.Event{}}
	for _, in := range f.Inputs {
		x.inputs[in.Path] = in
	}
	return x
}

// maxSuspects bounds the second pass's watch list: the most severe actors
// first. Internet background noise can name thousands of addresses.
const maxSuspects = 10000

// Suspects returns the addresses and web-shell paths the second pass must
// gather facts about.
func (x *Investigation) Suspects() (ips, shells []string) {
	type cand struct {
		ip   string
		rank int
		n    int
	}
	best := map[string]*cand{}
	shellSet := map[string]bool{}
	for _, a := range x.f.Alerts {
		if isIP(a.Actor) {
			c := best[a.Actor]
			if c == nil {
				c = &cand{ip: a.Actor}
				best[a.Actor] = c
			}
			c.rank = max(c.rank, detect.SeverityRank(a.Severity))
			c.n += a.Count
		}
		if isWebShellAlert(a) {
			for _, e := range a.Evidence {
				if ev := x.decode(e); ev != nil && ev.URL != "" {
					shellSet[urlPath(ev.URL)] = true
				}
			}
		}
	}
	cands := make([]*cand, 0, len(best))
	for _, c := range best {
		cands = append(cands, c)
	}
	slices.SortFunc(cands, func(a, b *cand) int {
		return cmp.Or(cmp.Compare(b.rank, a.rank), cmp.Compare(b.n, a.n), cmp.Compare(a.ip, b.ip))
	})
	for i, c := range cands {
		if i == maxSuspects {
			break
		}
		ips = append(ips, c.ip)
	}
	for s := range shellSet {
		shells = append(shells, s)
	}
	sort.Strings(ips)
	sort.Strings(shells)
	return ips, shells
}

// decode re-reads an evidence line with its input's decoder, to learn what
// the alert does not carry (status, URL, parameters). Only stateless formats
// can be decoded from one line; others return nil.
func (x *Investigation) decode(e findings.Evidence) *event.Event {
	k := findings.Evidence{Path: e.Path, Line: e.Line}
	if ev, ok := x.decoded[k]; ok {
		return ev
	}
	var out *event.Event
	in, ok := x.inputs[e.Path]
	if ok && e.Text != "" {
		if ft, err := format.Lookup(in.Format); err == nil && ft.Stateless {
			if dec, err := ft.New(x.opts); err == nil {
				dec.Decode(e.Text, event.Ref{Line: e.Line, Offset: e.Offset}, func(ev *event.Event) {
					if ev.Kind != event.KindRaw {
						c := *ev
						c.Extra = slices.Clone(ev.Extra)
						out = &c
					}
				})
			}
		}
	}
	x.decoded[k] = out
	return out
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}

func isLoopback(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.IsLoopback() || s == "localhost"
}

func hasTechnique(a findings.Alert, prefix string) bool {
	for _, t := range a.Attack {
		if strings.HasPrefix(t, prefix) {
			return true
		}
	}
	return false
}

func hasTactic(a findings.Alert, id string) bool { return slices.Contains(a.Tactics, id) }

func isWebShellAlert(a findings.Alert) bool {
	return hasTechnique(a, "T1505.003") || strings.Contains(strings.ToLower(a.Title), "web shell") || strings.Contains(strings.ToLower(a.Title), "webshell")
}

// Entry kinds (findings.Incident.EntryKind) and their English names.
var entryNames = map[string]string{
	"sql_injection":         "SQL injection",
	"command_injection":     "Command injection",
	"path_traversal":        "Path traversal",
	"remote_file_inclusion": "Remote file inclusion",
	"php_injection":         "PHP injection",
	"web_shell":             "Web shell",
	"web_exploit":           "Web exploitation",
	"password_guessing":     "Password guessing and login",
	"valid_account":         "Login with a valid account",
}

// exploitKind names the web exploitation an alert is about, or "".
func exploitKind(a findings.Alert) string {
	id, t := strings.ToLower(a.RuleID), strings.ToLower(a.Title)
	switch {
	case strings.Contains(id, "sqli") || strings.Contains(t, "sql injection") || strings.Contains(t, "union select"):
		return "sql_injection"
	case strings.Contains(id, "rce") || strings.Contains(t, "command injection") || strings.Contains(t, "command execution") || strings.Contains(t, "os command"):
		return "command_injection"
	case strings.Contains(id, "lfi") || strings.Contains(t, "traversal") || strings.Contains(t, "local file"):
		return "path_traversal"
	case strings.Contains(id, "rfi") || strings.Contains(t, "remote file inclusion"):
		return "remote_file_inclusion"
	case strings.Contains(id, "php-injection") || strings.Contains(t, "php injection"):
		return "php_injection"
	case isWebShellAlert(a):
		return "web_shell"
	case hasTechnique(a, "T1190") && !hasTactic(a, "TA0043"):
		return "web_exploit"
	}
	return ""
}
