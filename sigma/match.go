package sigma

import (
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/internal/ac"
)

// node is a compiled condition or field test.
type node interface {
	eval(ev *event.Event, sc *scratch) bool
}

type (
	andNode   []node
	orNode    []node
	notNode   struct{ x node }
	constNode bool
)

func (n andNode) eval(ev *event.Event, sc *scratch) bool {
	for _, x := range n {
		if !x.eval(ev, sc) {
			return false
		}
	}
	return true
}

func (n orNode) eval(ev *event.Event, sc *scratch) bool {
	for _, x := range n {
		if x.eval(ev, sc) {
			return true
		}
	}
	return false
}

func (n notNode) eval(ev *event.Event, sc *scratch) bool { return !n.x.eval(ev, sc) }
func (n constNode) eval(*event.Event, *scratch) bool     { return bool(n) }

// fieldRef is a field resolved at compile time: a typed Event field, or an
// extra read by name. slot indexes the per-match value cache.
type fieldRef struct {
	typed  event.Field
	name   string
	slot   int
	derive uint8 // for extras decoders may not set: how to derive it from url.original
}

const (
	deriveNone uint8 = iota
	derivePath
	deriveQuery
	deriveExtension
)

// derivedFields are extras computed from url.original when the decoder did
// not set them (substrings: no allocation).
var derivedFields = map[string]uint8{
	"url.path":      derivePath,
	"url.query":     deriveQuery,
	"url.extension": deriveExtension,
}

func derive(ev *event.Event, how uint8) (string, bool) {
	u := ev.URL
	path, query, hasQuery := strings.Cut(u, "?")
	switch how {
	case derivePath:
		return path, path != ""
	case deriveQuery:
		return query, hasQuery
	case deriveExtension:
		last := path[strings.LastIndexByte(path, '/')+1:]
		dot := strings.LastIndexByte(last, '.')
		if dot < 0 || dot == len(last)-1 {
			return "", false
		}
		return last[dot+1:], true
	}
	return "", false
}

// typedSlots is the number of cache slots reserved for typed fields; extras
// get slots after them.
const typedSlots = int(event.FieldRaw) + 1

// scratch is per-Match state: field values (and their folded copies)
// computed once per event, and the candidate bitset of the prefilter. One
// goroutine owns a scratch at a time: a Matcher's, or one borrowed from the
// RuleSet's pool.
type scratch struct {
	gen   uint32
	slots []slot // by fieldRef.slot
	key   []byte // the prefilter's regular-expression form of a value (appendFoldKey)
	cand  []uint64
	// memo remembers the prefilter scans of recent values, per scanned
	// field of each route (route.memo); allocated on first use, kept across
	// events (reset leaves it alone).
	memo []*valueMemo
}

// slot caches one field's value for the current event: valid when its
// stamp equals the scratch's gen, so that starting a new event is one
// increment, not a clear of every slot. A slot's parts share a cache line
// (64 bytes): reading a field touches one line, not one per part.
type slot struct {
	have  uint32 // stamp of val and ok
	lowed uint32 // stamp of low
	val   string
	low   string
	buf   []byte // backing store for the folded or formatted value
	ok    bool
}

func newScratch(slots, rules, memos int) *scratch {
	return &scratch{
		gen:   1,
		slots: make([]slot, slots),
		cand:  make([]uint64, (rules+63)/64+1),
		memo:  make([]*valueMemo, memos),
	}
}

// reset starts a new event: every slot's stamp becomes stale. After 2^32
// events the stamps wrap, and are cleared so that none can look current.
func (sc *scratch) reset() {
	if sc.gen++; sc.gen == 0 {
		for i := range sc.slots {
			sc.slots[i].have, sc.slots[i].lowed = 0, 0
		}
		sc.gen = 1
	}
}

// get returns a field's value and whether it is present.
func (sc *scratch) get(ev *event.Event, f *fieldRef) (string, bool) {
	s := &sc.slots[f.slot]
	if s.have == sc.gen {
		return s.val, s.ok
	}
	var v string
	var ok bool
	switch {
	case f.typed == event.FieldNone:
		v, ok = ev.Get(f.name)
		if !ok && f.derive != deriveNone {
			v, ok = derive(ev, f.derive)
		}
	case f.typed.Numeric():
		var n int64
		if n, ok = ev.Int(f.typed); ok {
			s.buf = strconv.AppendInt(s.buf[:0], n, 10)
			v = unsafe.String(unsafe.SliceData(s.buf), len(s.buf))
		}
	default:
		v, ok = ev.Value(f.typed)
	}
	s.have, s.val, s.ok = sc.gen, v, ok
	return v, ok
}

// lowered returns the case-folded value of a field.
func (sc *scratch) lowered(ev *event.Event, f *fieldRef) (string, bool) {
	v, ok := sc.get(ev, f)
	if !ok {
		return "", false
	}
	s := &sc.slots[f.slot]
	if s.lowed == sc.gen {
		return s.low, true
	}
	if needsLower(v) {
		// numeric fields never need folding, so buf is free for the folded copy
		s.buf = appendLower(s.buf[:0], v)
		v = unsafe.String(unsafe.SliceData(s.buf), len(s.buf))
	}
	s.lowed, s.low = sc.gen, v
	return v, true
}

// strTest is a field (or keyword) test with string, wildcard or regular
// expression values.
type strTest struct {
	fields []fieldRef // one field, or the keyword fields of the log source
	fold   bool       // compare the folded value (default, case-insensitive)
	all    bool       // every value group must match (|all)
	neq    bool       // the field must match none of the values (|neq)
	// groups holds one entry per value in the rule; a value that expanded
	// into variants (windash, base64offset) matches if any variant does.
	groups   [][]valueMatcher
	emptyOK  bool // an absent field matches (the value list holds '')
	keywords bool
	set      *valueSet // for long OR-lists (not all, not neq)
}

type valueMatcher interface{ match(v string) bool }

type reMatcher struct {
	re  *regexp.Regexp
	lit string // folded literal every match contains, or ""
	// gate holds literals one of which every match contains
	// (regexLiteralSet), or is nil.
	gate *ac.Matcher
}

// match runs the expression, unless the gate shows it cannot match. The
// gate folds ASCII case only, so it decides alone for ASCII values: the
// members of a case-folding orbit that a (?i) expression also accepts for an
// ASCII letter ('ſ' for 's', the Kelvin sign for 'k') are not ASCII.
func (m reMatcher) match(v string) bool {
	if m.gate != nil && !m.gate.Contains(v) && isASCII(v) {
		return false
	}
	return m.re.MatchString(v)
}

func (t *strTest) eval(ev *event.Event, sc *scratch) bool {
	r := t.match(ev, sc)
	if t.neq {
		return !r
	}
	return r
}

func (t *strTest) match(ev *event.Event, sc *scratch) bool {
	if t.all {
		for _, g := range t.groups {
			if !t.groupMatches(g, ev, sc) {
				return false
			}
		}
		return len(t.groups) > 0
	}
	if t.set != nil {
		present := false
		for i := range t.fields {
			var v string
			var ok bool
			if t.fold {
				v, ok = sc.lowered(ev, &t.fields[i])
			} else {
				v, ok = sc.get(ev, &t.fields[i])
			}
			if !ok || v == "" {
				continue
			}
			present = true
			if t.set.match(v) {
				return true
			}
		}
		return !present && t.emptyOK
	}
	for _, g := range t.groups {
		if t.groupMatches(g, ev, sc) {
			return true
		}
	}
	return false
}

func (t *strTest) groupMatches(g []valueMatcher, ev *event.Event, sc *scratch) bool {
	any := false
	for i := range t.fields {
		var v string
		var ok bool
		if t.fold {
			v, ok = sc.lowered(ev, &t.fields[i])
		} else {
			v, ok = sc.get(ev, &t.fields[i])
		}
		if !ok || v == "" {
			continue
		}
		any = true
		for _, m := range g {
			if m.match(v) {
				return true
			}
		}
	}
	return !any && t.emptyOK
}

// nullTest matches when the field is absent or empty (value null).
type nullTest struct{ field fieldRef }

func (t *nullTest) eval(ev *event.Event, sc *scratch) bool {
	v, ok := sc.get(ev, &t.field)
	return !ok || v == ""
}

// existsTest is the exists modifier.
type existsTest struct {
	field fieldRef
	want  bool
}

func (t *existsTest) eval(ev *event.Event, sc *scratch) bool {
	_, ok := sc.get(ev, &t.field)
	return ok == t.want
}

// cidrTest matches addresses inside any of the prefixes.
type cidrTest struct {
	field    fieldRef
	prefixes []netip.Prefix
	neq      bool
}

func (t *cidrTest) eval(ev *event.Event, sc *scratch) bool {
	v, ok := sc.get(ev, &t.field)
	r := false
	if ok {
		v = strings.TrimSuffix(strings.TrimPrefix(v, "["), "]")
		if a, err := netip.ParseAddr(v); err == nil {
			a = a.Unmap().WithZone("")
			for _, p := range t.prefixes {
				if p.Contains(a) {
					r = true
					break
				}
			}
		}
	}
	return r != t.neq
}

// numTest compares a numeric field (gt, gte, lt, lte, or equality for time
// parts); part is non-empty for the time modifiers.
type numTest struct {
	field  fieldRef
	op     string // gt gte lt lte eq
	values []float64
	part   string // minute hour day week month year, or ""
	neq    bool
}

func (t *numTest) eval(ev *event.Event, sc *scratch) bool {
	n, ok := t.number(ev, sc)
	r := false
	if ok {
		for _, v := range t.values {
			if compare(n, t.op, v) {
				r = true
				break
			}
		}
	}
	return r != t.neq
}

func compare(n float64, op string, v float64) bool {
	switch op {
	case "gt":
		return n > v
	case "gte":
		return n >= v
	case "lt":
		return n < v
	case "lte":
		return n <= v
	}
	return n == v
}

func (t *numTest) number(ev *event.Event, sc *scratch) (float64, bool) {
	if t.part == "" {
		if t.field.typed != event.FieldNone && t.field.typed.Numeric() {
			n, ok := ev.Int(t.field.typed)
			return float64(n), ok
		}
		v, ok := sc.get(ev, &t.field)
		if !ok {
			return 0, false
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f, err == nil
	}
	var tm time.Time
	if t.field.typed == event.FieldTimestamp {
		if ev.Time.IsZero() {
			return 0, false
		}
		tm = ev.Time.UTC()
	} else {
		v, ok := sc.get(ev, &t.field)
		if !ok {
			return 0, false
		}
		var err error
		if tm, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return 0, false
		}
	}
	switch t.part {
	case "minute":
		return float64(tm.Minute()), true
	case "hour":
		return float64(tm.Hour()), true
	case "day":
		return float64(tm.Day()), true
	case "week":
		_, w := tm.ISOWeek()
		return float64(w), true
	case "month":
		return float64(tm.Month()), true
	case "year":
		return float64(tm.Year()), true
	}
	return 0, false
}

// fieldrefTest compares a field with another field of the same event.
type fieldrefTest struct {
	field, other fieldRef
	op           uint8 // opExact opPrefix opSuffix opContains
	fold, neq    bool
}

func (t *fieldrefTest) eval(ev *event.Event, sc *scratch) bool {
	var a, b string
	var ok1, ok2 bool
	if t.fold {
		a, ok1 = sc.lowered(ev, &t.field)
		b, ok2 = sc.lowered(ev, &t.other)
	} else {
		a, ok1 = sc.get(ev, &t.field)
		b, ok2 = sc.get(ev, &t.other)
	}
	r := false
	if ok1 && ok2 {
		switch t.op {
		case opExact:
			r = a == b
		case opPrefix:
			r = strings.HasPrefix(a, b)
		case opSuffix:
			r = strings.HasSuffix(a, b)
		case opContains:
			r = strings.Contains(a, b)
		}
	}
	return r != t.neq
}

// valueSet matches a long OR-list of values in one pass: exact values by
// map lookup, contains values with one Aho-Corasick scan, the rest one by
// one. Rules like "Malware User Agent" list hundreds of values.
type valueSet struct {
	exact    map[string]struct{}
	contains *ac.Matcher
	rest     []valueMatcher
}

// minSetValues is the list length from which a valueSet pays off.
const minSetValues = 8

// fold says values arrive folded; the automaton folds ASCII, so contains
// values of a cased test are matched one by one instead.
func newValueSet(groups [][]valueMatcher, fold bool) *valueSet {
	vs := &valueSet{exact: map[string]struct{}{}}
	var lits []string
	var containsM []valueMatcher
	for _, g := range groups {
		for _, m := range g {
			sm, ok := m.(*strMatcher)
			switch {
			case ok && sm.op == opExact:
				vs.exact[sm.lit] = struct{}{}
			case ok && sm.op == opContains && sm.lit != "" && fold:
				lits = append(lits, sm.lit)
				containsM = append(containsM, m)
			default:
				vs.rest = append(vs.rest, m)
			}
		}
	}
	if len(lits) > 0 {
		owners := make([][]int32, len(lits))
		for i := range owners {
			owners[i] = []int32{0}
		}
		if vs.contains = ac.New(lits, owners); vs.contains == nil {
			vs.rest = append(vs.rest, containsM...)
		}
	}
	return vs
}

func (vs *valueSet) match(v string) bool {
	if _, ok := vs.exact[v]; ok {
		return true
	}
	if vs.contains != nil && vs.contains.Contains(v) {
		return true
	}
	for _, m := range vs.rest {
		if m.match(v) {
			return true
		}
	}
	return false
}
