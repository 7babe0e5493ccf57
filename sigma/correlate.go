package sigma

import (
	"fmt"
	"math"
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
type Correlator struct {
	rs     *RuleSet
	mu     sync.Mutex
	buf    map[*Compiled][]corrEntry
	groups map[string]string // interned group values: a few addresses recur across millions of entries
}

type corrEntry struct {
	t     int64 // unix nanoseconds
	ref   event.Ref
	input int
	group string // group values joined with \x1f
	value string // value_count: the distinct value; value_sum/avg: the number
	refs  []event.Ref
}

// NewCorrelator starts an empty correlation state for this rule set.
func (rs *RuleSet) NewCorrelator() *Correlator {
	return &Correlator{rs: rs, buf: map[*Compiled][]corrEntry{}, groups: map[string]string{}}
}

// Add records that rule matched ev. Matches of rules no correlation uses,
// and events without a time or without a group-by value, are ignored.
func (c *Correlator) Add(rule *Compiled, ev *event.Event) {
	users := c.rs.users[rule]
	if len(users) == 0 || ev.Time.IsZero() {
		return
	}
	for _, u := range users {
		spec := u.corr
		in := inputIndex(spec, rule)
		if in < 0 {
			continue
		}
		var b strings.Builder
		ok := true
		for i := range spec.groupRefs[in] {
			v, present := fieldView(ev, &spec.groupRefs[in][i])
			if !present || v == "" {
				ok = false
				break
			}
			if i > 0 {
				b.WriteByte(0x1f)
			}
			b.WriteString(v)
		}
		if !ok {
			continue
		}
		e := corrEntry{t: ev.Time.UnixNano(), ref: ev.Ref, input: in, group: b.String()}
		if len(spec.valueRefs[in]) > 0 {
			var vb strings.Builder
			for i := range spec.valueRefs[in] {
				v, present := fieldView(ev, &spec.valueRefs[in][i])
				if !present || v == "" {
					ok = false
					break
				}
				if i > 0 {
					vb.WriteByte(0x1f)
				}
				vb.WriteString(v)
			}
			if !ok {
				continue
			}
			e.value = vb.String()
			if spec.typ == "value_count" {
				// Only distinctness matters: a 64-bit FNV-1a digest stands
				// for the value (a URL is ten times its size).
				e.value = digest64(e.value)
			}
		}
		c.mu.Lock()
		if g, ok := c.groups[e.group]; ok {
			e.group = g
		} else {
			c.groups[e.group] = e.group
		}
		c.buf[u] = append(c.buf[u], e)
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

// digest64 is the FNV-1a digest of s as an 8-byte string.
func digest64(s string) string {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	var b [8]byte
	for i := range b {
		b[i] = byte(h >> (8 * i))
	}
	return string(b[:])
}

// Finish evaluates every correlation rule and returns the matches of the
// standalone ones, sorted by first time, rule and group. It does not consume
// the buffered matches: more may be added and Finish called again.
func (c *Correlator) Finish() []CorrelationMatch {
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := make(map[*Compiled][]corrEntry, len(c.buf))
	for k, v := range c.buf {
		buf[k] = append([]corrEntry(nil), v...)
	}
	var out []CorrelationMatch
	for _, cr := range c.rs.corrOrder {
		entries := buf[cr]
		sort.SliceStable(entries, func(i, j int) bool { return entryLess(&entries[i], &entries[j]) })
		ms := evaluate(cr, entries)
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
				buf[u] = append(buf[u], corrEntry{t: m.Last.UnixNano(), ref: ref, input: in, group: strings.Join(parts, "\x1f"), refs: m.Refs})
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

func groupKey(g []event.KV) string {
	var b strings.Builder
	for _, kv := range g {
		b.WriteString(kv.Value)
		b.WriteByte(0x1f)
	}
	return b.String()
}

func entryLess(a, b *corrEntry) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.ref.Input != b.ref.Input {
		return a.ref.Input < b.ref.Input
	}
	if a.ref.Line != b.ref.Line {
		return a.ref.Line < b.ref.Line
	}
	if a.ref.Offset != b.ref.Offset {
		return a.ref.Offset < b.ref.Offset
	}
	if a.input != b.input {
		return a.input < b.input
	}
	if a.group != b.group {
		return a.group < b.group
	}
	return a.value < b.value
}

// evaluate runs one correlation over its sorted entries.
func evaluate(cr *Compiled, entries []corrEntry) []CorrelationMatch {
	spec := cr.corr
	groups := map[string][]corrEntry{}
	var keys []string
	for _, e := range entries {
		if _, ok := groups[e.group]; !ok {
			keys = append(keys, e.group)
		}
		groups[e.group] = append(groups[e.group], e)
	}
	sort.Strings(keys)
	var out []CorrelationMatch
	for _, k := range keys {
		es := groups[k]
		var group []event.KV
		if len(spec.group) > 0 {
			vals := strings.Split(k, "\x1f")
			for i, name := range spec.group {
				v := ""
				if i < len(vals) {
					v = vals[i]
				}
				group = append(group, event.KV{Key: name, Value: v})
			}
		}
		emit := func(win []corrEntry, last int64, value float64) {
			m := CorrelationMatch{Rule: cr, Group: group, First: time.Unix(0, win[0].t).UTC(), Last: time.Unix(0, last).UTC(), Count: len(win), Value: value}
			for _, e := range win {
				if len(e.refs) > 0 {
					for _, r := range e.refs {
						if len(m.Refs) < MaxRefs {
							m.Refs = append(m.Refs, r)
						}
					}
				} else if len(m.Refs) < MaxRefs {
					m.Refs = append(m.Refs, e.ref)
				}
			}
			out = append(out, m)
		}
		switch spec.typ {
		case "temporal_ordered":
			ordered(spec, es, emit)
		default:
			windows(spec, es, emit)
		}
	}
	return out
}

// windows slides a window of the timespan over a group's entries: for each
// starting entry it measures the window [t, t+timespan]; when the condition
// holds it reports the window and continues after it, so a burst yields one
// match.
func windows(spec *corrSpec, es []corrEntry, emit func([]corrEntry, int64, float64)) {
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
		if v, last, ok := measure(spec, win); ok {
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
func measure(spec *corrSpec, win []corrEntry) (float64, int64, bool) {
	distinct := map[string]bool{}
	inputs := map[int]bool{}
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
			if f, err := strconv.ParseFloat(strings.TrimSpace(e.value), 64); err == nil && !math.IsNaN(f) {
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
func ordered(spec *corrSpec, es []corrEntry, emit func([]corrEntry, int64, float64)) {
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
			if es[j].input == want {
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
