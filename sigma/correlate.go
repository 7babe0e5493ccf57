package sigma

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// corrSpec is a compiled correlation rule.
type corrSpec struct {
	typ    string
	inputs []*Compiled // referenced rules (detections or correlations), in rule order
	group  []string    // group-by names, as written
	span   time.Duration
	cond   []CountCondition
	// per input: how to read each group-by value (and the value field) from
	// an event of a detection input...
	groupRefs [][]fieldRef
	valueRefs [][]fieldRef
	// ...or from a match of a correlation input: index into its group.
	groupIdx [][]int
}

func (rs *RuleSet) compileCorrelations(rules []*Rule, byRef map[string]*Compiled) []Unsupported {
	var unsup []Unsupported
	pending := map[*Rule]*Compiled{}
	for _, r := range rules {
		c := &Compiled{Rule: r, Standalone: true, set: rs}
		pending[r] = c
		if r.ID != "" {
			byRef[r.ID] = c
		}
		if r.Name != "" {
			byRef[r.Name] = c
		}
	}
	failed := map[*Compiled]string{}
	// resolve in passes so that chains compile inner-first; a cycle or a
	// missing input leaves a rule unresolved with its reason
	done := map[*Compiled]bool{}
	for progress := true; progress; {
		progress = false
		for _, r := range rules {
			c := pending[r]
			if done[c] || failed[c] != "" {
				continue
			}
			ready := true
			for _, ref := range r.Correlation.Rules {
				in, ok := byRef[ref]
				if !ok {
					failed[c] = fmt.Sprintf("correlation refers to rule %q, which is not loaded or not supported", ref)
					break
				}
				if in.Rule.Correlation != nil && !done[in] {
					if failed[in] != "" {
						failed[c] = fmt.Sprintf("correlation refers to %q, which is unsupported", ref)
						break
					}
					ready = false
				}
			}
			if failed[c] != "" || !ready {
				continue
			}
			spec, err := rs.compileCorr(r, byRef)
			if err != nil {
				failed[c] = err.Error()
				continue
			}
			c.corr = spec
			c.index = len(rs.rules)
			rs.rules = append(rs.rules, c)
			rs.corrOrder = append(rs.corrOrder, c)
			for _, in := range spec.inputs {
				rs.users[in] = append(rs.users[in], c)
				if !r.Correlation.Generate {
					in.Standalone = false
				}
			}
			done[c] = true
			progress = true
		}
	}
	for _, r := range rules {
		c := pending[r]
		if done[c] {
			continue
		}
		reason := failed[c]
		if reason == "" {
			reason = "correlation chain has a cycle"
		}
		unsup = append(unsup, Unsupported{Path: r.Path, ID: r.ID, Title: r.Title, Line: r.Line, Reason: reason})
		if r.ID != "" && byRef[r.ID] == c {
			delete(byRef, r.ID)
		}
		if r.Name != "" && byRef[r.Name] == c {
			delete(byRef, r.Name)
		}
	}
	return unsup
}

func (rs *RuleSet) compileCorr(r *Rule, byRef map[string]*Compiled) (*corrSpec, error) {
	co := r.Correlation
	if co.Type == "value_percentile" {
		return nil, fmt.Errorf("value_percentile correlations are not supported: a percentile over a sliding window needs a population model kizuki does not keep")
	}
	spec := &corrSpec{typ: co.Type, group: co.GroupBy, span: co.Timespan, cond: co.Condition}
	seen := map[*Compiled]bool{}
	for _, ref := range co.Rules {
		in := byRef[ref]
		if seen[in] {
			return nil, fmt.Errorf("rule %q is listed twice", ref)
		}
		seen[in] = true
		spec.inputs = append(spec.inputs, in)
		// the name of this input for aliases
		var gr []fieldRef
		var gi []int
		for _, g := range co.GroupBy {
			name := g
			if a, ok := co.Aliases[g]; ok {
				f, ok := a[in.Rule.Name]
				if !ok {
					f, ok = a[in.Rule.ID]
				}
				if !ok {
					f, ok = a[ref]
				}
				if !ok {
					return nil, fmt.Errorf("alias %q has no field for rule %q", g, ref)
				}
				name = f
			}
			if in.corr != nil {
				idx := -1
				for i, ig := range in.corr.group {
					if ig == name || ig == g {
						idx = i
					}
				}
				if idx < 0 {
					return nil, fmt.Errorf("group-by %q is not a group-by field of the chained correlation %q", g, ref)
				}
				gi = append(gi, idx)
				continue
			}
			target, err := in.src.field(name)
			if err != nil {
				return nil, fmt.Errorf("group-by: %w", err)
			}
			gr = append(gr, rs.ref(target))
		}
		spec.groupRefs = append(spec.groupRefs, gr)
		spec.groupIdx = append(spec.groupIdx, gi)
		var vr []fieldRef
		if co.Type == "value_count" || co.Type == "value_sum" || co.Type == "value_avg" {
			if in.corr != nil {
				return nil, fmt.Errorf("%s over the matches of correlation %q is undefined", co.Type, ref)
			}
			for _, f := range co.Field {
				target, err := in.src.field(f)
				if err != nil {
					return nil, fmt.Errorf("condition field: %w", err)
				}
				vr = append(vr, rs.ref(target))
			}
		}
		spec.valueRefs = append(spec.valueRefs, vr)
	}
	if (co.Type == "temporal" || co.Type == "temporal_ordered") && len(spec.inputs) < 2 {
		// one input is legal, if odd: it then means "the rule matched"
		if len(spec.inputs) == 0 {
			return nil, fmt.Errorf("%s needs rules", co.Type)
		}
	}
	return spec, nil
}

// CorrelationMatch is one firing of a correlation rule.
type CorrelationMatch struct {
	Rule  *Compiled
	Group []event.KV // group-by field values, in group-by order
	First time.Time  // time of the first event in the window
	Last  time.Time  // time of the event that completed the match
	Count int        // events in the window
	// Value is the measure the condition tested: the event count, the
	// number of distinct values, the number of distinct rules, the sum or
	// the average.
	Value float64
	Refs  []event.Ref // the window's events, in time order, at most MaxRefs
}

// MaxRefs caps the evidence kept per correlation match.
const MaxRefs = 50

// Correlator evaluates correlation rules over the matches of their input
// rules. Add may be called from many goroutines, in any order: entries are
// buffered (only what the rules need) and evaluated at Finish after sorting,
// so results do not depend on arrival order.
//
// The buffer holds an entry for every match of an input rule (one in twenty
// events of an access log) for the whole scan, so entries hold no pointers:
// the garbage collector never scans them, Add allocates nothing but the
// buffer's growth and the first sight of a group, and an entry is 56 bytes.
// Group values are interned (a few addresses recur across millions of
// entries) and referred to by number.
type Correlator struct {
	rs *RuleSet
	// uses lists, by rule index, the correlations that read the rule's
	// matches (RuleSet.users as slices: Add looks them up for every match).
	uses [][]corrUse
	mu   sync.Mutex
	// buf holds the entries of each correlation, by its place in
	// RuleSet.corrOrder.
	buf       [][]corrEntry
	groupIDs  groupIndex
	groupVals []string // by group number
	// texts holds the values of value_sum and value_avg entries (the
	// number as written), by entry value; texts[0] is "".
	texts []string
}

type corrEntry struct {
	t     int64 // unix nanoseconds
	ref   event.Ref
	input int32
	group int32 // Correlator.groupVals: group values joined with \x1f
	// value_count: the 64-bit FNV-1a digest of the value (only
	// distinctness matters, and a URL is ten times its size); value_sum and
	// value_avg: the index of the number's text in Correlator.texts.
	value uint64
	refs  int32 // Finish only: 1 + the index of a chained match's evidence; 0: none
}

// corrUse is one correlation reading a rule's matches: the correlation,
// the rule's input number in it, and the correlation's place in
// RuleSet.corrOrder.
type corrUse struct {
	u        *Compiled
	in, slot int
}

// NewCorrelator starts an empty correlation state for this rule set.
func (rs *RuleSet) NewCorrelator() *Correlator {
	c := &Correlator{rs: rs, uses: make([][]corrUse, len(rs.rules)), buf: make([][]corrEntry, len(rs.corrOrder)),
		groupIDs: groupIndex{seed: maphash.MakeSeed()}, texts: []string{""}}
	// corrOrder is the order RuleSet.users lists a rule's users in.
	for slot, u := range rs.corrOrder {
		for in, rule := range u.corr.inputs {
			if rule.index < len(rs.rules) && rs.rules[rule.index] == rule {
				c.uses[rule.index] = append(c.uses[rule.index], corrUse{u: u, in: in, slot: slot})
			}
		}
	}
	return c
}

// Add records that rule matched ev. Matches of rules no correlation uses,
// and events without a time or without a group-by value, are ignored.
func (c *Correlator) Add(rule *Compiled, ev *event.Event) {
	if rule.index >= len(c.uses) || c.rs.rules[rule.index] != rule {
		return // not a rule of this set: no correlation reads it
	}
	uses := c.uses[rule.index]
	if len(uses) == 0 || ev.Time.IsZero() {
		return
	}
	var keyBuf [128]byte
	for _, use := range uses {
		spec, in := use.u.corr, use.in
		key, ok := keyBuf[:0], true
		for i := range spec.groupRefs[in] {
			v, present := fieldView(ev, &spec.groupRefs[in][i])
			if !present || v == "" {
				ok = false
				break
			}
			if i > 0 {
				key = append(key, 0x1f)
			}
			key = append(key, v...)
		}
		if !ok {
			continue
		}
		e := corrEntry{t: ev.Time.UnixNano(), ref: ev.Ref, input: int32(in)}
		var text string // value_sum, value_avg
		if refs := spec.valueRefs[in]; len(refs) > 0 {
			h := uint64(fnvOffset)
			var tb strings.Builder
			for i := range refs {
				v, present := fieldView(ev, &refs[i])
				if !present || v == "" {
					ok = false
					break
				}
				if spec.typ == "value_count" {
					if i > 0 {
						h = fnv(h, "\x1f")
					}
					h = fnv(h, v)
					continue
				}
				if i > 0 {
					tb.WriteByte(0x1f)
				}
				tb.WriteString(v)
			}
			if !ok {
				continue
			}
			if spec.typ == "value_count" {
				e.value = h
			} else {
				text = tb.String()
			}
		}
		c.mu.Lock()
		e.group = c.intern(key)
		if text != "" {
			e.value = uint64(len(c.texts))
			c.texts = append(c.texts, text)
		}
		c.buf[use.slot] = append(c.buf[use.slot], e)
		c.mu.Unlock()
	}
}

func inputIndex(spec *corrSpec, rule *Compiled) int {
	for i, in := range spec.inputs {
		if in == rule {
			return i
		}
	}
	return -1
}

// fieldView reads a field as text without copying it: for callers that copy
// what they keep (a strings.Builder does).
func fieldView(ev *event.Event, f *fieldRef) (string, bool) {
	if f.typed != event.FieldNone {
		return ev.Value(f.typed)
	}
	v, ok := ev.Get(f.name)
	if !ok && f.derive != deriveNone {
		v, ok = derive(ev, f.derive)
	}
	return v, ok
}

const fnvOffset = 14695981039346656037

// fnv continues the 64-bit FNV-1a digest h over s.
func fnv(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// intern returns the number of a group value, copying it the first time.
// The caller holds c.mu.
func (c *Correlator) intern(g []byte) int32 {
	if id, ok := c.groupIDs.find(g, c.groupVals); ok {
		return id
	}
	id := int32(len(c.groupVals))
	c.groupVals = append(c.groupVals, string(g))
	c.groupIDs.add(c.groupVals, id)
	return id
}

// Finish evaluates every correlation rule and returns the matches of the
// standalone ones, sorted by first time, rule and group. It does not consume
// the buffered matches: more may be added and Finish called again.
func (c *Correlator) Finish() []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The buffers are sorted where they are: the order of a buffer is no
	// part of the state, and copying them cost time and doubled their
	// memory at the end of the scan. A correlation another one feeds gets a
	// copy, which the chained entries are appended to and sorted with.
	buf := slices.Clone(c.buf)
	for i, cr := range c.rs.corrOrder {
		for _, in := range cr.corr.inputs {
			if in.corr != nil {
				buf[i] = slices.Clone(buf[i])
				break
			}
		}
	}
	slot := make(map[*Compiled]int, len(c.rs.corrOrder))
	for i, cr := range c.rs.corrOrder {
		slot[cr] = i
	}
	st := &finishing{c: c}
	var out []CorrelationMatch
	for i, cr := range c.rs.corrOrder {
		entries := buf[i]
		st.sort(cr.corr, entries)
		ms := st.evaluate(cr, entries)
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
				buf[slot[u]] = append(buf[slot[u]], e)
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

// finishing is the state of one Finish: the correlator's interned values,
// and the evidence of chained matches fed to the correlations that use them.
type finishing struct {
	c    *Correlator
	refs [][]event.Ref // by corrEntry.refs - 1
	at   []int         // evaluate's counting sort, by group number; zero between calls
	// measure's sets, reused from window to window.
	distinct map[uint64]struct{}
	inputs   []bool
}

func (st *finishing) entryRefs(e *corrEntry) []event.Ref {
	if e.refs == 0 {
		return nil
	}
	return st.refs[e.refs-1]
}

// text is the value of a value_sum or value_avg entry as written.
func (st *finishing) text(e *corrEntry) string { return st.c.texts[e.value] }

func groupKey(g []event.KV) string {
	var b strings.Builder
	for _, kv := range g {
		b.WriteString(kv.Value)
		b.WriteByte(0x1f)
	}
	return b.String()
}

// entryCompare orders the entries of one correlation: by time, position,
// input, group value, then value (the digest as its little-endian bytes
// compare, or the number's text).
func (st *finishing) entryCompare(spec *corrSpec, a, b *corrEntry) int {
	switch {
	case a.t != b.t:
		return cmp.Compare(a.t, b.t)
	case a.ref.Input != b.ref.Input:
		return cmp.Compare(a.ref.Input, b.ref.Input)
	case a.ref.Line != b.ref.Line:
		return cmp.Compare(a.ref.Line, b.ref.Line)
	case a.ref.Offset != b.ref.Offset:
		return cmp.Compare(a.ref.Offset, b.ref.Offset)
	case a.input != b.input:
		return cmp.Compare(a.input, b.input)
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

// sort orders one correlation's entries by entryCompare. Entries that
// compare equal differ at most in what nothing reads (a value_sum text's
// number, which holds the same text), unless a correlation feeds the
// correlation: its matches' entries differ in their evidence, and keep
// the order they were fed in (a stable sort). Otherwise the faster
// unstable sort gives the same result.
func (st *finishing) sort(spec *corrSpec, entries []corrEntry) {
	compare := func(a, b corrEntry) int { return st.entryCompare(spec, &a, &b) }
	for _, in := range spec.inputs {
		if in.corr != nil {
			slices.SortStableFunc(entries, compare)
			return
		}
	}
	slices.SortFunc(entries, compare)
}

// evaluate runs one correlation over its sorted entries. Its matches come
// in order of group value, each group's in the order found.
func (st *finishing) evaluate(cr *Compiled, entries []corrEntry) []CorrelationMatch {
	spec := cr.corr
	vals := st.c.groupVals
	if len(entries) == 0 {
		return nil
	}
	// Group the entries, each group's in the order they came (time): a
	// counting sort by group, which is stable. Groups are taken in order of
	// first entry; sorting them by value (thousands of addresses, for a
	// few matches) is left to the matches. st.at counts a group's entries,
	// then holds where its next one goes; it is left zero for the next
	// correlation.
	if len(st.at) < len(vals) {
		st.at = make([]int, len(vals))
	}
	at := st.at
	var keys []int32 // the groups present
	for i := range entries {
		g := entries[i].group
		if at[g] == 0 {
			keys = append(keys, g)
		}
		at[g]++
	}
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
	em := &emitter{st: st, cr: cr}
	for i, k := range keys {
		em.key, em.group = k, nil
		es := grouped[bounds[i]:bounds[i+1]]
		switch spec.typ {
		case "temporal_ordered":
			ordered(spec, es, em)
		default:
			st.windows(spec, es, em)
		}
	}
	out, of := em.out, em.of
	if len(out) < 2 {
		return out
	}
	// By group value; a group's matches keep their order (stable), as if
	// the groups had been evaluated in order of value.
	perm := make([]int, len(out))
	for i := range perm {
		perm[i] = i
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		if of[a] == of[b] {
			return 0
		}
		return strings.Compare(vals[of[a]], vals[of[b]])
	})
	sorted := make([]CorrelationMatch, len(out))
	for i, j := range perm {
		sorted[i] = out[j]
	}
	return sorted
}

// emitter collects one correlation's matches, group by group.
type emitter struct {
	st    *finishing
	cr    *Compiled
	key   int32      // the group being evaluated
	group []event.KV // its values by group-by name, made at its first match
	out   []CorrelationMatch
	of    []int32 // out[i]'s group
}

func (em *emitter) emit(win []corrEntry, last int64, value float64) {
	spec := em.cr.corr
	if em.group == nil && len(spec.group) > 0 {
		parts := strings.Split(em.st.c.groupVals[em.key], "\x1f")
		for i, name := range spec.group {
			v := ""
			if i < len(parts) {
				v = parts[i]
			}
			em.group = append(em.group, event.KV{Key: name, Value: v})
		}
	}
	m := CorrelationMatch{Rule: em.cr, Group: em.group, First: time.Unix(0, win[0].t).UTC(), Last: time.Unix(0, last).UTC(), Count: len(win), Value: value}
	for i := range win {
		if refs := em.st.entryRefs(&win[i]); len(refs) > 0 {
			for _, r := range refs {
				if len(m.Refs) < MaxRefs {
					m.Refs = append(m.Refs, r)
				}
			}
		} else if len(m.Refs) < MaxRefs {
			m.Refs = append(m.Refs, win[i].ref)
		}
	}
	em.out = append(em.out, m)
	em.of = append(em.of, em.key)
}

// windows slides a window of the timespan over a group's entries (in time
// order): for each starting entry it measures the window [t, t+timespan];
// when the condition holds it reports the window and continues after it,
// so a burst yields one match. A later start's window ends no earlier, so
// its end is searched from the previous one.
func (st *finishing) windows(spec *corrSpec, es []corrEntry, em *emitter) {
	span := int64(spec.span)
	end := 0
	for i := 0; i < len(es); {
		end = max(end, i)
		for end < len(es) && es[end].t-es[i].t <= span {
			end++
		}
		win := es[i:end]
		// For growing measures (counts, distinct values, sums) the first
		// prefix of the window that satisfies a lower bound is where the
		// match happened; report the whole window as evidence but the time
		// of the completing event as Last.
		if v, last, ok := st.measure(spec, win); ok {
			em.emit(win, last, v)
			i = end
			continue
		}
		i++
	}
}

// measure computes the window's measure and checks the condition. It scans
// prefixes so that "gte 10" fires at the 10th event, and checks the whole
// window for upper bounds (lt, lte, eq, neq).
func (st *finishing) measure(spec *corrSpec, win []corrEntry) (float64, int64, bool) {
	// Sets of values (value_count) and of inputs (temporal), reused from
	// window to window; a large one is dropped rather than cleared at every
	// later window.
	switch spec.typ {
	case "value_count":
		if st.distinct == nil || len(st.distinct) > 1024 {
			st.distinct = map[uint64]struct{}{}
		} else {
			clear(st.distinct)
		}
	case "temporal":
		if len(st.inputs) < len(spec.inputs) {
			st.inputs = make([]bool, len(spec.inputs))
		} else {
			clear(st.inputs)
		}
	}
	lower := onlyLowerBounds(spec, len(spec.inputs))
	var sum float64
	var nums, inputs int
	v := 0.0
	for i, e := range win {
		switch spec.typ {
		case "event_count":
			v = float64(i + 1)
		case "value_count":
			st.distinct[e.value] = struct{}{}
			v = float64(len(st.distinct))
		case "temporal":
			if !st.inputs[e.input] {
				st.inputs[e.input] = true
				inputs++
			}
			v = float64(inputs)
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
		if lower && condHolds(spec, v, len(spec.inputs)) {
			return v, e.t, true
		}
	}
	if condHolds(spec, v, len(spec.inputs)) && len(win) > 0 {
		return v, win[len(win)-1].t, true
	}
	return v, 0, false
}

func onlyLowerBounds(spec *corrSpec, n int) bool {
	if spec.typ == "value_avg" {
		return false // an average is not monotonic
	}
	for _, c := range effectiveCond(spec, n) {
		if c.Op != "gt" && c.Op != "gte" {
			return false
		}
	}
	return true
}

func effectiveCond(spec *corrSpec, n int) []CountCondition {
	if len(spec.cond) == 0 && (spec.typ == "temporal" || spec.typ == "temporal_ordered") {
		return []CountCondition{{Op: "gte", Value: float64(n)}}
	}
	return spec.cond
}

func condHolds(spec *corrSpec, v float64, n int) bool {
	for _, c := range effectiveCond(spec, n) {
		if !c.holds(v) {
			return false
		}
	}
	return true
}

// ordered finds, from each entry of the first input, the earliest sequence
// of entries of the inputs in rule order within the timespan.
func ordered(spec *corrSpec, es []corrEntry, em *emitter) {
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
			em.emit(es[i:j], last, float64(n))
			i = j - 1
		}
	}
}
