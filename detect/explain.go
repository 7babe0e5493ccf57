package detect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// Explanation says why a rule did or did not fire on an event: the verdict
// of the whole rule, of its log source, of each search and of each field test.
type Explanation struct {
	Rule      *sigma.Rule
	Matched   bool   // the rule, log source routing included, matched
	Condition bool   // the detection condition alone matched (routing ignored)
	Routed    bool   // the rule's log source applies to this event
	Reason    string // set when the rule cannot be explained (unsupported, correlation)
	Searches  []SearchExplanation
}

// SearchExplanation is one search identifier of a rule's detection.
type SearchExplanation struct {
	Name    string
	Matched bool
	Tests   []TestExplanation // every field test, in rule order
}

// TestExplanation is one field test ("url.original|contains: [...]").
type TestExplanation struct {
	Branch  int // which OR-ed map of the search it belongs to
	Test    string
	Matched bool
}

// Explain evaluates rule against ev part by part. Each search and each field
// test is compiled on its own, with the rule's log source, so the verdicts
// are exactly those of the real matcher.
func Explain(rule *sigma.Rule, ev *event.Event, p *sigma.Pipeline) Explanation {
	x := Explanation{Rule: rule}
	if rule.Detection == nil {
		x.Reason = "a correlation rule fires on groups of events, not on one; explain its base rules: " + strings.Join(rule.Correlation.Rules, ", ")
		return x
	}
	whole, ok := compileOne(rule, p)
	if !ok {
		x.Reason = "the rule does not compile: see kizuki rules check"
		return x
	}
	x.Condition = whole.Eval(ev)
	for _, m := range whole.set.Match(ev, nil) {
		if m.Rule.ID == rule.ID {
			x.Matched = true
		}
	}
	x.Routed = x.Matched || routed(rule, ev, p)
	for _, s := range rule.Detection.Searches {
		se := SearchExplanation{Name: s.Name}
		if c, ok := compileOne(subRule(rule, s.Name, s.Branches), p); ok {
			se.Matched = c.Eval(ev)
		}
		for bi, branch := range s.Branches {
			for _, item := range branch {
				te := TestExplanation{Branch: bi + 1, Test: describe(item)}
				if c, ok := compileOne(subRule(rule, s.Name, [][]sigma.Item{{item}}), p); ok {
					te.Matched = c.Eval(ev)
				}
				se.Tests = append(se.Tests, te)
			}
		}
		x.Searches = append(x.Searches, se)
	}
	return x
}

// compiled pairs a compiled rule with its one-rule set.
type compiled struct {
	*sigma.Compiled
	set *sigma.RuleSet
}

func compileOne(r *sigma.Rule, p *sigma.Pipeline) (compiled, bool) {
	rs, bad := sigma.Compile([]*sigma.Rule{r}, p)
	if len(bad) > 0 || len(rs.Rules()) == 0 {
		return compiled{}, false
	}
	return compiled{rs.Rules()[0], rs}, true
}

// routed reports whether the rule's log source covers the event, by asking
// the matcher with an always-true condition.
func routed(rule *sigma.Rule, ev *event.Event, p *sigma.Pipeline) bool {
	probe := *rule
	probe.Detection = &sigma.Detection{Searches: []*sigma.Search{{Name: "any", Branches: [][]sigma.Item{}}}, Conditions: []string{"not any"}}
	c, ok := compileOne(&probe, p)
	if !ok {
		return false
	}
	return len(c.set.Match(ev, nil)) > 0
}

func subRule(rule *sigma.Rule, name string, branches [][]sigma.Item) *sigma.Rule {
	r := *rule
	r.Detection = &sigma.Detection{Searches: []*sigma.Search{{Name: name, Branches: branches}}, Conditions: []string{name}}
	r.Correlation = nil
	return &r
}

func describe(it sigma.Item) string {
	field := it.Field
	if field == "" {
		field = "(keywords)"
	}
	if len(it.Modifiers) > 0 {
		field += "|" + strings.Join(it.Modifiers, "|")
	}
	vals := make([]string, len(it.Values))
	for i, v := range it.Values {
		if v.Kind == sigma.ValueNull {
			vals[i] = "null"
		} else {
			vals[i] = fmt.Sprintf("%q", v.S)
		}
	}
	if len(vals) > 6 {
		vals = append(vals[:6], fmt.Sprintf("… %d more", len(it.Values)-6))
	}
	return field + ": " + strings.Join(vals, ", ")
}

// Fields lists an event's non-empty fields by ECS name, sorted: what the
// rule's tests looked at.
func Fields(ev *event.Event) []event.KV {
	var out []event.KV
	for _, name := range event.FieldNames() {
		f, _ := event.LookupField(name)
		if f == event.FieldRaw {
			continue
		}
		if v, ok := ev.Value(f); ok {
			out = append(out, event.KV{Key: name, Value: v})
		}
	}
	out = append(out, ev.Extra...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
