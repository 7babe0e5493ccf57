package sigma

import (
	"fmt"
	"hash/maphash"
	"slices"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// memoRules read a long field (the user agent), a number (the status) and a
// short one (the URL), so that every kind of memo lookup is exercised.
const memoRules = `title: tool
id: 11111111-1111-4111-8111-000000000001
logsource: {product: kizuki, category: web}
detection:
  selection:
    user_agent.original|contains: ['sqlmap/', 'Nikto', 'ünïcode', 'zz-tool-7']
  condition: selection
---
title: not found
id: 11111111-1111-4111-8111-000000000002
logsource: {product: kizuki, category: web}
detection:
  selection:
    http.response.status_code: 404
  condition: selection
---
title: teapot and tool
id: 11111111-1111-4111-8111-000000000003
logsource: {product: kizuki, category: web}
detection:
  status:
    http.response.status_code: 418
  ua:
    user_agent.original|contains: 'zz-tool-3'
  condition: status and ua
---
title: traversal
id: 11111111-1111-4111-8111-000000000004
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|contains: ['../', 'passwd']
  condition: selection
---
title: summer page
id: 11111111-1111-4111-8111-000000000005
logsource: {product: kizuki, category: web}
detection:
  selection:
    url.original|contains: 'été'
  condition: selection
`

func memoRuleSet(t *testing.T) *RuleSet {
	t.Helper()
	rules, err := ParseFile("memo.yml", []byte(memoRules))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	return rs
}

// memoEvent is a web event whose user agent is long enough to be
// remembered; i picks one of many distinct agents, some of them tools.
func memoEvent(i, status int) *event.Event {
	return with(func(e *event.Event) {
		e.UserAgent = fmt.Sprintf("Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/%d.0 zz-tool-%d", i, i%10)
		e.Status = status
		e.URL = fmt.Sprintf("/p/%d", i)
		switch i % 17 {
		case 3:
			e.UserAgent = fmt.Sprintf("sqlmap/1.%d#stable (https://sqlmap.org) padding padding", i)
		case 5:
			e.UserAgent = fmt.Sprintf("Mozilla/5.0 ÜNÏCODE browser, build %d, long enough to remember", i)
		case 7:
			e.URL = "/../../etc/passwd"
		}
	})
}

// fresh is what the prefilter finds for ev without any memo: every scanned
// field's automaton run over the value.
func fresh(rs *RuleSet, rt *route, ev *event.Event) []uint64 {
	sc := newScratch(rs.slots, rs.maxBits, rs.memos)
	bits := slices.Clone(rt.always)
	for i := range rt.scan {
		if rt.scan[i].f.typed.Numeric() {
			if _, ok := ev.Int(rt.scan[i].f.typed); !ok {
				continue
			}
		}
		v, ok := sc.get(ev, &rt.scan[i].f)
		if !ok {
			continue
		}
		sc.scanValue(ev, rt, i, v, bits)
	}
	return bits
}

// TestMemoSameCandidates drives one scratch (so one memo) through repeated
// values, more distinct values than the memo holds (evictions), a run of
// unique values long enough to switch it off, and repeats again once it is
// back on; after every event the candidates must be exactly those of a scan
// without memo, and Match must agree with evaluating every rule.
func TestMemoSameCandidates(t *testing.T) {
	rs := memoRuleSet(t)
	routes := rs.byKind[event.KindWeb]
	if len(routes) != 1 || len(routes[0].scan) != 3 {
		t.Fatalf("want one web route scanning 3 fields, got %d routes", len(routes))
	}
	rt := routes[0]
	sc := rs.getScratch()
	// below smallInts (remembered by value), above it and negative (by hash)
	statuses := []int{200, 404, 418, 304, 0, 500, 404 + smallInts, 99999, -404}
	var seq []*event.Event
	for i := 0; i < 3000; i++ { // a few hundred repeated values
		seq = append(seq, memoEvent(i%300, statuses[i%len(statuses)]))
	}
	for i := 0; i < 4*memoEntries; i++ { // distinct: evictions
		seq = append(seq, memoEvent(1000+i, statuses[i%len(statuses)]))
	}
	for i := 0; i < 2*memoWindow; i++ { // unique: switches the user-agent memo off
		seq = append(seq, memoEvent(100000+i, 200))
	}
	offAt := len(seq)
	for i := 0; i < memoOffFor+3000; i++ { // repeated again: on again after a while
		seq = append(seq, memoEvent(i%50, statuses[i%len(statuses)]))
	}
	uaMemo := -1
	for i := range rt.scan {
		if rt.scan[i].f.typed == event.FieldUserAgent {
			uaMemo = rt.memo + i
		}
	}
	for n, ev := range seq {
		sc.reset()
		cand := make([]uint64, len(rt.always))
		copy(cand, rt.always)
		for i := range rt.scan {
			sc.scan(ev, rt, i, cand)
		}
		if want := fresh(rs, rt, ev); !slices.Equal(cand, want) {
			t.Fatalf("event %d (%q, %d): candidates %b through the memo, %b without", n, ev.UserAgent, ev.Status, cand, want)
		}
		if n == offAt && sc.memo[uaMemo].off == 0 {
			t.Fatalf("user-agent memo still on after %d unique values", 2*memoWindow)
		}
		var want []*Compiled
		for _, c := range rs.Rules() {
			if c.Eval(ev) {
				want = append(want, c)
			}
		}
		if got := rs.Match(ev, nil); !slices.Equal(got, want) {
			t.Fatalf("event %d: Match %v, Eval %v", n, titles(got), titles(want))
		}
	}
	m := sc.memo[uaMemo]
	if m.off != 0 {
		t.Fatalf("user-agent memo still off at the end")
	}
	if _, hit := m.entry(seq[len(seq)-1].UserAgent); !hit {
		t.Errorf("the last user agent is not remembered")
	}
	rs.pool.Put(sc)
}

// TestMemoCollidingEntries plants, in the entry of a value b, another
// value's key and bits under b's own hash, as a full hash collision would:
// the key comparison, not the hash, must decide, and the entry must come
// back cleared for b. Numbers are keyed by value. With one word of
// candidate bits (kept in the entry) and with three (kept beside it), each
// entry's bits must stay its own.
func TestMemoCollidingEntries(t *testing.T) {
	for _, words := range []int{1, 3} {
		m := newValueMemo(words)
		a, b := "a value long enough to be remembered, first", "a value long enough to be remembered, other"
		e, hit := m.entry(a)
		if hit || len(e) != words {
			t.Fatalf("words %d: %d words, hit %v in an empty memo", words, len(e), hit)
		}
		e[words-1] = 1
		if e, hit = m.entry(a); !hit || e[words-1] != 1 {
			t.Fatalf("words %d: entry(a) = %v, %v after storing it", words, e, hit)
		}
		hb := maphash.String(m.seed, b)
		eb := hb & (memoEntries - 1)
		m.entries[eb] = memoEntry{full: true, hash: hb, key: []byte(a)}
		m.bitsOf(eb)[words-1] = 1
		if e, hit = m.entry(b); hit || e[words-1] != 0 {
			t.Fatalf("words %d: b in an entry holding a under b's hash: %v, %v, want a cleared miss", words, e, hit)
		}
		e[0] = 2
		if e, hit = m.entry(b); !hit || e[0] != 2 {
			t.Fatalf("words %d: b = %v, %v after being stored", words, e, hit)
		}
		if e, hit = m.entryInt(404); hit || len(e) != words {
			t.Fatalf("words %d: 404 hit in a memo that never saw it", words)
		}
		e[words-1] = 4
		if e, hit = m.entryInt(404); !hit || e[words-1] != 4 {
			t.Fatalf("words %d: 404 = %v, %v after being stored", words, e, hit)
		}
		if e, hit = m.entryInt(405); hit || e[words-1] != 0 {
			t.Fatalf("words %d: 405 hit 404's entry", words)
		}
	}
}

func titles(cs []*Compiled) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Rule.Title)
	}
	return out
}
