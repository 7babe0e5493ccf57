package detect

import (
	"cmp"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/attack"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// correlationAlerts folds correlation matches into one alert per rule and
// group: a password-guessing burst that fires in ten overlapping windows is
// one alert with the union of its windows.
func correlationAlerts(ms []sigma.CorrelationMatch, resolve func(int32) (string, string)) []findings.Alert {
	type agg struct {
		m     sigma.CorrelationMatch
		count int
		fired time.Time
		first time.Time
		last  time.Time
		refs  []hit
		seen  map[event.Ref]bool
	}
	byKey := map[string]*agg{}
	var order []string
	for _, m := range ms {
		k := m.Rule.Rule.ID + "\x00" + groupString(m.Group)
		a := byKey[k]
		if a == nil {
			a = &agg{m: m, first: m.First, last: m.Last, fired: m.Last, seen: map[event.Ref]bool{}}
			byKey[k] = a
			order = append(order, k)
		}
		if m.First.Before(a.first) {
			a.first = m.First
		}
		if m.Last.After(a.last) {
			a.last = m.Last
		}
		if m.Last.Before(a.fired) {
			a.fired = m.Last
		}
		for _, r := range m.Refs {
			if !a.seen[r] {
				a.seen[r] = true
				a.count++
				a.refs = append(a.refs, hit{ref: r})
			}
		}
	}
	out := make([]findings.Alert, 0, len(order))
	for _, k := range order {
		a := byKey[k]
		r := a.m.Rule.Rule
		tactics, techniques := attack.FromTags(r.Tags)
		actor, user := groupActor(a.m.Group)
		out = append(out, findings.Alert{
			RuleID:   r.ID,
			Title:    r.Title,
			Severity: severity(a.m.Rule.Level()),
			Source:   "correlation",
			Time:     a.first.UTC(),
			Detected: a.fired.UTC(),
			LastTime: a.last.UTC(),
			Actor:    actor,
			User:     user,
			Count:    max(a.count, a.m.Count),
			Attack:   nonNil(techniques),
			Tactics:  nonNil(tactics),
			Detail:   groupString(a.m.Group),
			Evidence: citeHits(a.refs, resolve),
		})
	}
	return out
}

func groupString(kv []event.KV) string {
	parts := make([]string, len(kv))
	for i, p := range kv {
		parts[i] = p.Key + "=" + p.Value
	}
	return strings.Join(parts, " ")
}

// groupActor picks the actor of a correlation from its group-by values: an
// address if there is one, else a user.
func groupActor(kv []event.KV) (actor, user string) {
	for _, p := range kv {
		k := strings.ToLower(p.Key)
		switch {
		case strings.Contains(k, "ip") || strings.Contains(k, "addr") || strings.Contains(k, "host"):
			actor = cmp.Or(actor, p.Value)
		case strings.Contains(k, "user"):
			user = cmp.Or(user, p.Value)
		}
	}
	return cmp.Or(actor, user), user
}
