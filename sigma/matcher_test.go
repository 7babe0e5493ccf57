package sigma

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
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

// foldRules test values with literals whose letters have case partners
// outside ASCII ('s' and 'ſ', 'k' and the Kelvin sign, 'µ' and 'μ', the
// three sigmas), through case-insensitive regular expressions (which
// match by case-folding orbit), Sigma's case-insensitive contains (which
// lower-cases) and a cased regular expression.
const foldRules = `title: re session
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|re: '(?i)/session'
  condition: selection
---
title: re kit
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|re: '(?i)kit[0-9]'
  condition: selection
---
title: re micro
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|re: '(?i)µσx'
  condition: selection
---
title: re cased
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|re: 'Éte'
  condition: selection
---
title: contains
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|contains: ['ſk', 'ΜΣ', 'straße', 'İx']
  condition: selection
`

// TestPrefilterFoldOrbits builds values from letters and their case
// partners at random and checks that Match (prefilter, then evaluation)
// agrees with evaluating every rule. Lower-casing alone does not bring
// 'ſession' to the literal 'session' of (?i)/session, nor 'µ' to 'μ': a
// prefilter scanning only the raw and the lower-cased text drops rules
// that match.
func TestPrefilterFoldOrbits(t *testing.T) {
	rules, err := ParseFile("fold.yml", []byte(foldRules))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	m := rs.NewMatcher()
	pieces := []string{"/", "s", "S", "ſ", "e", "É", "é", "i", "I", "İ", "ı", "o", "n", "k", "K", "\u212a", "t", "1", "µ", "μ", "Μ", "σ", "ς", "Σ", "x", "ß", "ẞ", "tra", "\xff", "/session", "kit", "µσ"}
	r := rand.New(rand.NewSource(1))
	hits := map[string]int{}
	for iter := 0; iter < 20000; iter++ {
		var b strings.Builder
		for n := 1 + r.Intn(12); n > 0; n-- {
			b.WriteString(pieces[r.Intn(len(pieces))])
		}
		ev := with(func(e *event.Event) { e.URL = b.String() })
		var want []*Compiled
		for _, c := range rs.Rules() {
			if c.Eval(ev) {
				want = append(want, c)
				hits[c.Rule.Title]++
			}
		}
		if got := m.Match(ev, nil); !slices.Equal(got, want) {
			t.Fatalf("%q: Match %v, Eval %v", ev.URL, titles(got), titles(want))
		}
	}
	for _, c := range rs.Rules() {
		if hits[c.Rule.Title] == 0 {
			t.Errorf("rule %q never matched: the test does not exercise it", c.Rule.Title)
		}
	}
}

// TestScratchStampWrap: a slot filled at the first event and not read for
// 2^32 events must not look current when the event stamps wrap around to
// its stamp again.
func TestScratchStampWrap(t *testing.T) {
	sc := newScratch(typedSlots, 1, 0)
	url := fieldRef{typed: event.FieldURL, slot: int(event.FieldURL)}
	first := sc.gen
	if v, _ := sc.get(with(func(e *event.Event) { e.URL = "/old" }), &url); v != "/old" {
		t.Fatalf("get = %q", v)
	}
	sc.gen = ^uint32(0) // 2^32 - 1 events later
	sc.reset()
	if sc.gen != first {
		t.Fatalf("after the wrap gen = %d, want %d (the test needs the old stamp to come back)", sc.gen, first)
	}
	if v, _ := sc.get(with(func(e *event.Event) { e.URL = "/new" }), &url); v != "/new" {
		t.Errorf("after the stamps wrapped, get returned the stale %q", v)
	}
}
