package sigma

// The Correlator's evaluation as it was at efd0f64, before Finish stopped
// sorting the groups up front, reused its sets and sorted entries unstably
// where it can (verbatim but for names and the buffer's type): the reference TestFinishSameAsReference compares
// Finish with.

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"math/rand"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// Finish evaluates every correlation rule and returns the matches of the
// standalone ones, sorted by first time, rule and group. It does not consume
// the buffered matches: more may be added and Finish called again.
func refFinish(c *Correlator) []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := make(map[*Compiled][]corrEntry, len(c.buf))
	for i, v := range c.buf {
		buf[c.rs.corrOrder[i]] = append([]corrEntry(nil), v...)
	}
	st := &finishing{c: c}
	var out []CorrelationMatch
	for _, cr := range c.rs.corrOrder {
		entries := buf[cr]
		slices.SortStableFunc(entries, func(a, b corrEntry) int { return st.refEntryCompare(cr.corr, &a, &b) })
		ms := st.refEvaluate(cr, entries)
		// feed chained correlations
		for _, u := range c.rs.users[cr] {
			in := inputIndex(u.corr, cr)
			for _, m := range ms {
				parts := make([]string, len(u.corr.groupIdx[in]))
				for i, gi := range u.corr.groupIdx[in] {
					if gi < len(m.Group) {
						parts[i] = m.Group[gi].Value
					}
				}
				ref := event.Ref{}
				if len(m.Refs) > 0 {
					ref = m.Refs[len(m.Refs)-1]
				}
				e := corrEntry{t: m.Last.UnixNano(), ref: ref, input: int32(in), group: c.intern([]byte(strings.Join(parts, "\x1f")))}
				if m.Refs != nil {
					st.refs = append(st.refs, m.Refs)
					e.refs = int32(len(st.refs))
				}
				buf[u] = append(buf[u], e)
			}
		}
		if cr.Standalone {
			out = append(out, ms...)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.First.Equal(b.First) {
			return a.First.Before(b.First)
		}
		if a.Rule.index != b.Rule.index {
			return a.Rule.index < b.Rule.index
		}
		return groupKey(a.Group) < groupKey(b.Group)
	})
	return out
}

// entryCompare orders the entries of one correlation: by time, position,
// input, group value, then value (the digest as its little-endian bytes
// compare, or the number's text).
func (st *finishing) refEntryCompare(spec *corrSpec, a, b *corrEntry) int {
	if c := cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.ref.Input, b.ref.Input), cmp.Compare(a.ref.Line, b.ref.Line),
		cmp.Compare(a.ref.Offset, b.ref.Offset), cmp.Compare(a.input, b.input)); c != 0 {
		return c
	}
	if a.group != b.group {
		return strings.Compare(st.c.groupVals[a.group], st.c.groupVals[b.group])
	}
	switch spec.typ {
	case "value_count":
		return cmp.Compare(bits.ReverseBytes64(a.value), bits.ReverseBytes64(b.value))
	case "value_sum", "value_avg":
		return strings.Compare(st.text(a), st.text(b))
	}
	return 0
}

// evaluate runs one correlation over its sorted entries.
func (st *finishing) refEvaluate(cr *Compiled, entries []corrEntry) []CorrelationMatch {
	spec := cr.corr
	vals := st.c.groupVals
	if len(entries) == 0 {
		return nil
	}
	// Group the entries, in order of group value, each group's in the
	// order they came (time): a counting sort by group, which is stable.
	// st.at counts a group's entries, then holds where its next one goes;
	// it is left zero for the next correlation.
	if len(st.at) < len(vals) {
		st.at = make([]int, len(vals))
	}
	at := st.at
	var keys []int32 // the groups present, by value
	for i := range entries {
		g := entries[i].group
		if at[g] == 0 {
			keys = append(keys, g)
		}
		at[g]++
	}
	slices.SortFunc(keys, func(a, b int32) int { return strings.Compare(vals[a], vals[b]) })
	bounds := make([]int, len(keys)+1) // group i is grouped[bounds[i]:bounds[i+1]]
	for i, g := range keys {
		bounds[i+1] = bounds[i] + at[g]
		at[g] = bounds[i]
	}
	grouped := make([]corrEntry, len(entries))
	for i := range entries {
		g := entries[i].group
		grouped[at[g]] = entries[i]
		at[g]++
	}
	for _, g := range keys {
		at[g] = 0
	}
	var out []CorrelationMatch
	for i, k := range keys {
		es := grouped[bounds[i]:bounds[i+1]]
		var group []event.KV
		if len(spec.group) > 0 {
			parts := strings.Split(vals[k], "\x1f")
			for i, name := range spec.group {
				v := ""
				if i < len(parts) {
					v = parts[i]
				}
				group = append(group, event.KV{Key: name, Value: v})
			}
		}
		emit := func(win []corrEntry, last int64, value float64) {
			m := CorrelationMatch{Rule: cr, Group: group, First: time.Unix(0, win[0].t).UTC(), Last: time.Unix(0, last).UTC(), Count: len(win), Value: value}
			for i := range win {
				if refs := st.entryRefs(&win[i]); len(refs) > 0 {
					for _, r := range refs {
						if len(m.Refs) < MaxRefs {
							m.Refs = append(m.Refs, r)
						}
					}
				} else if len(m.Refs) < MaxRefs {
					m.Refs = append(m.Refs, win[i].ref)
				}
			}
			out = append(out, m)
		}
		switch spec.typ {
		case "temporal_ordered":
			refOrdered(spec, es, emit)
		default:
			st.refWindows(spec, es, emit)
		}
	}
	return out
}

// windows slides a window of the timespan over a group's entries: for each
// starting entry it measures the window [t, t+timespan]; when the condition
// holds it reports the window and continues after it, so a burst yields one
// match.
func (st *finishing) refWindows(spec *corrSpec, es []corrEntry, emit func([]corrEntry, int64, float64)) {
	span := int64(spec.span)
	for i := 0; i < len(es); {
		end := i
		for end < len(es) && es[end].t-es[i].t <= span {
			end++
		}
		win := es[i:end]
		// For growing measures (counts, distinct values, sums) the first
		// prefix of the window that satisfies a lower bound is where the
		// match happened; report the whole window as evidence but the time
		// of the completing event as Last.
		if v, last, ok := st.refMeasure(spec, win); ok {
			emit(win, last, v)
			i = end
			continue
		}
		i++
	}
}

// measure computes the window's measure and checks the condition. It scans
// prefixes so that "gte 10" fires at the 10th event, and checks the whole
// window for upper bounds (lt, lte, eq, neq).
func (st *finishing) refMeasure(spec *corrSpec, win []corrEntry) (float64, int64, bool) {
	distinct := map[uint64]bool{}
	inputs := map[int32]bool{}
	var sum float64
	var nums int
	v := 0.0
	for i, e := range win {
		switch spec.typ {
		case "event_count":
			v = float64(i + 1)
		case "value_count":
			distinct[e.value] = true
			v = float64(len(distinct))
		case "temporal":
			inputs[e.input] = true
			v = float64(len(inputs))
		case "value_sum", "value_avg":
			if f, err := strconv.ParseFloat(strings.TrimSpace(st.text(&win[i])), 64); err == nil && !math.IsNaN(f) {
				sum += f
				nums++
			}
			v = sum
			if spec.typ == "value_avg" {
				if nums == 0 {
					continue
				}
				v = sum / float64(nums)
			}
		}
		if onlyLowerBounds(spec, len(spec.inputs)) && condHolds(spec, v, len(spec.inputs)) {
			return v, e.t, true
		}
	}
	if condHolds(spec, v, len(spec.inputs)) && len(win) > 0 {
		return v, win[len(win)-1].t, true
	}
	return v, 0, false
}

// ordered finds, from each entry of the first input, the earliest sequence
// of entries of the inputs in rule order within the timespan.
func refOrdered(spec *corrSpec, es []corrEntry, emit func([]corrEntry, int64, float64)) {
	span := int64(spec.span)
	n := len(spec.inputs)
	for i := 0; i < len(es); i++ {
		if es[i].input != 0 {
			continue
		}
		want := 1
		j := i + 1
		last := es[i].t
		for ; j < len(es) && want < n && es[j].t-es[i].t <= span; j++ {
			if int(es[j].input) == want {
				want++
				last = es[j].t
			}
		}
		if want == n && condHolds(spec, float64(n), n) {
			emit(es[i:j], last, float64(n))
			i = j - 1
		}
	}
}

// finishRules are correlations of every type Finish evaluates, over the
// sshd base rules: with and without groups, lower and upper bounds, and
// chains (a correlation's matches feeding another).
const finishRules = sshBase + `---
title: count
name: count
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 3}
---
title: few per user
correlation:
  type: event_count
  rules: [failed_login, successful_login]
  group-by: [source.ip, user.name]
  timespan: 30s
  condition: {lt: 2}
---
title: users
name: users
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 2m
  condition: {field: user.name, gte: 3}
---
title: both
correlation:
  type: temporal
  rules: [failed_login, successful_login]
  group-by: [source.ip]
  timespan: 1m
---
title: count then success
correlation:
  type: temporal_ordered
  rules: [count, successful_login]
  group-by: [source.ip]
  timespan: 5m
---
title: sessions
correlation:
  type: event_count
  rules: [session_opened]
  timespan: 1m
  condition: {gte: 2}
---
title: ports
correlation:
  type: value_sum
  rules: [failed_login]
  group-by: [user.name]
  timespan: 2m
  condition: {field: source.port, gt: 150000}
---
title: mean port
correlation:
  type: value_avg
  rules: [successful_login]
  group-by: [source.ip]
  timespan: 3m
  condition: {field: source.port, lte: 30000}
---
title: spraying sources
correlation:
  type: event_count
  rules: [users]
  group-by: [source.ip]
  timespan: 10m
  condition: {gte: 1}
`

// TestFinishSameAsReference: Finish, which groups entries in order of
// first appearance and sorts only the matches by group, searches window
// ends from the previous one and reuses its sets, returns exactly what the
// reference evaluation returns (matches, groups, times, counts, values,
// evidence, order), on random sshd events: few addresses and users (so
// groups collide and windows overlap), equal times, any arrival order, and
// values holding the byte that joins group values.
func TestFinishSameAsReference(t *testing.T) {
	rules, err := ParseFile("corr.yml", []byte(finishRules))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatalf("unsupported: %v", unsup)
	}
	rng := rand.New(rand.NewSource(7))
	kinds := []string{"failed", "failed", "failed", "accepted", "opened"}
	matched := 0
	for round := 0; round < 300; round++ {
		n := 1 + rng.Intn(400)
		ips := 1 + rng.Intn(12)
		users := 1 + rng.Intn(6)
		spread := 1 + rng.Intn(1200) // seconds
		var evs []*event.Event
		for i := 0; i < n; i++ {
			user := fmt.Sprintf("u%d", rng.Intn(users))
			if rng.Intn(4) == 0 {
				// Group values are joined with \x1f: "u1\x1fb" and "u1"
				// are distinct groups whose matches name the same user,
				// so only their order within Finish tells them apart.
				user += "\x1f" + string(rune('a'+rng.Intn(3)))
			}
			ev := sshEv(rng.Intn(spread), kinds[rng.Intn(len(kinds))], fmt.Sprintf("10.0.0.%d", rng.Intn(ips)),
				user, int64(i+1))
			ev.SourcePort = rng.Intn(65536)
			evs = append(evs, ev)
		}
		c := rs.NewCorrelator()
		// Finish twice, with events added after the first: Finish sorts
		// the buffers in place and must leave them whole.
		perm := rng.Perm(len(evs))
		split := rng.Intn(len(perm) + 1)
		for k, part := range [][]int{perm[:split], perm[split:]} {
			for _, i := range part {
				for _, m := range rs.Match(evs[i], nil) {
					c.Add(m, evs[i])
				}
			}
			got := c.Finish()
			want := refFinish(c)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d (%d events), Finish %d: differs from the reference:\n got %q\nwant %q", round, n, k+1, summary(got), summary(want))
			}
			if again := c.Finish(); !reflect.DeepEqual(again, got) {
				t.Fatalf("round %d, Finish %d: a second call differs", round, k+1)
			}
			matched += len(got)
		}
	}
	if matched < 1000 {
		t.Errorf("only %d matches over all rounds: the test compares too little", matched)
	}
	t.Logf("%d matches compared", matched)
}
