package sigma

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestMatcherAgreesWithEval runs one Matcher, as a detect worker does,
// through the memo test's events (repeats, evictions, a memo switched off
// and on again) and through short non-ASCII values that the prefilter only
// finds case-folded ('ÉTÉ' holds the literal 'été' only once folded; a
// prefilter scanning the raw text alone would drop the rule). Every result
// must be what evaluating every rule gives, and what RuleSet.Match gives.
func TestMatcherAgreesWithEval(t *testing.T) {
	rs := memoRuleSet(t)
	m := rs.NewMatcher()
	var seq []*event.Event
	for i := 0; i < 3000; i++ {
		seq = append(seq, memoEvent(i%300, []int{200, 404, 418}[i%3]))
	}
	for i := 0; i < 2*memoWindow; i++ {
		seq = append(seq, memoEvent(100000+i, 200))
	}
	for i, u := range []string{"/SAISON/ÉTÉ", "/saison/été", "/Été", "/ÉTÉ?x=1", "/ete", "/ÜBER/../x", "/\xc3", "/É\xffTÉ"} {
		seq = append(seq, with(func(e *event.Event) { e.URL, e.Status = u, 200+i }))
	}
	summer := 0
	var got []*Compiled
	for n, ev := range seq {
		var want []*Compiled
		for _, c := range rs.Rules() {
			if c.Eval(ev) {
				want = append(want, c)
			}
		}
		got = m.Match(ev, got[:0])
		if !slices.Equal(got, want) {
			t.Fatalf("event %d (%q, %q): Matcher %v, Eval %v", n, ev.URL, ev.UserAgent, titles(got), titles(want))
		}
		if pooled := rs.Match(ev, nil); !slices.Equal(pooled, want) {
			t.Fatalf("event %d: Match %v, Eval %v", n, titles(pooled), titles(want))
		}
		if slices.ContainsFunc(got, func(c *Compiled) bool { return c.Rule.Title == "summer page" }) {
			summer++
		}
	}
	if summer != 4 {
		t.Errorf("summer page matched %d events, want 4 (the folded-only literal)", summer)
	}
}

// TestMatcherGeneratedAccess compares a Matcher with RuleSet.Match over the
// rule pack and the generated access log (skipped when it is absent).
func TestMatcherGeneratedAccess(t *testing.T) {
	rs := packRuleSet(t)
	evs := generatedAccess(t, 50000)
	m := rs.NewMatcher()
	var got, want []*Compiled
	matched := 0
	for i := range evs {
		got = m.Match(&evs[i], got[:0])
		want = rs.Match(&evs[i], want[:0])
		if !slices.Equal(got, want) {
			t.Fatalf("line %d: Matcher %v, Match %v", evs[i].Ref.Line, titles(got), titles(want))
		}
		matched += len(got)
	}
	if matched == 0 {
		t.Fatal("no event matched: the comparison proves nothing")
	}
	t.Log(fmt.Sprintf("%d matches over %d events", matched, len(evs)))
}
