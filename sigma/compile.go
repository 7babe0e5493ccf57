package sigma

import (
	"encoding/base64"
	"fmt"
	"math/bits"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/internal/ac"
)

// Unsupported names a rule Compile could not turn into a matcher, and why.
type Unsupported struct {
	Path, ID, Title, Reason string
	Line                    int
}

func (u Unsupported) String() string {
	return fmt.Sprintf("%s:%d: %s (%s): %s", u.Path, u.Line, u.Title, u.ID, u.Reason)
}

// Compiled is a rule ready to run.
type Compiled struct {
	Rule *Rule
	// Standalone is false for rules that only feed a correlation rule
	// (generate: false, the default): they match, and Match returns them so
	// the caller can feed the Correlator, but they raise no alert of their own.
	Standalone bool

	index int
	root  node
	src   *sourceMap
	corr  *corrSpec
	set   *RuleSet
}

// Level is the rule's level as kizuki raises it: the rule's own, capped by
// the pipeline's max_level for its log source (rules written for another
// vantage point, such as forward-proxy rules run over server logs).
func (c *Compiled) Level() string {
	lvl := strings.ToLower(c.Rule.Level)
	if c.src == nil || c.src.maxLevel == "" {
		return lvl
	}
	if levelRank(lvl) > levelRank(c.src.maxLevel) {
		return c.src.maxLevel
	}
	return lvl
}

func levelRank(l string) int {
	switch l {
	case "informational":
		return 0
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	case "critical":
		return 4
	}
	return 2
}

// IsCorrelation reports whether c is a correlation rule.
func (c *Compiled) IsCorrelation() bool { return c.corr != nil }

// Eval evaluates a (non-correlation) rule against one event, ignoring the log
// source routing. Match is the fast path; Eval is for tests and tools.
func (c *Compiled) Eval(ev *event.Event) bool {
	if c.root == nil {
		return false
	}
	sc := c.set.getScratch()
	defer c.set.pool.Put(sc)
	return c.root.eval(ev, sc)
}

// RuleSet is a compiled set of rules. It is immutable and safe for
// concurrent use.
type RuleSet struct {
	rules   []*Compiled
	byKind  [int(event.KindSystem) + 1][]*route
	extras  map[string]int
	slots   int
	maxBits int
	memos   int // value memos per scratch: one per scanned field of a route
	pool    sync.Pool
	// users lists, for each rule, the correlation rules that read its matches.
	users map[*Compiled][]*Compiled
	// corrOrder lists correlations so that inputs come before their users.
	corrOrder []*Compiled
}

// route is the set of rules for the log sources that select the same
// events (same kinds and datasets): one prefilter scan serves them all.
type route struct {
	src    *sourceMap // the first of them; they share kinds and datasets
	rules  []*Compiled
	always []uint64  // rules without a literal prefilter: always evaluated
	scan   []scanned // the fields the prefilter scans, and for what
	memo   int       // scratch.memo[memo+i] remembers the scans of scan[i]
}

// scanned is a field the prefilter scans with the automaton of the literals
// of the route's rules that read it; the automaton's owners are rule
// indexes in the route.
type scanned struct {
	f  fieldRef
	ac *ac.Matcher
}

// Rules returns every compiled rule, in input order.
func (rs *RuleSet) Rules() []*Compiled { return rs.rules }

func (rs *RuleSet) newScratch() *scratch { return newScratch(rs.slots, rs.maxBits, rs.memos) }

func (rs *RuleSet) getScratch() *scratch {
	sc := rs.pool.Get().(*scratch)
	sc.reset()
	return sc
}

// Match appends to dst the detection rules matching ev. Rules are first
// routed by the event's kind and dataset, then a literal prefilter
// (Aho-Corasick over the folded field values) picks the rules that can
// possibly match, and only those are evaluated; the scans of repeated
// values are remembered (memo.go). It does not allocate unless a rule
// matches and dst must grow, or a memo of the pooled scratch is new or
// grows a key (both bounded).
//
// Match borrows its state from a sync.Pool on every call; a goroutine that
// matches many events should keep a Matcher instead.
func (rs *RuleSet) Match(ev *event.Event, dst []*Compiled) []*Compiled {
	if !rs.routed(ev) {
		return dst
	}
	sc := rs.getScratch()
	dst = rs.match(ev, sc, dst)
	rs.pool.Put(sc)
	return dst
}

// Matcher is Match for one goroutine: it owns the per-event state (field
// values, candidate bits) and the memos of repeated values that Match
// borrows from a pool on every call. A pool get and put cost about a tenth
// of matching an access-log event, and a pooled scratch may come back with
// another goroutine's memos, cold for this one's values. A Matcher must not
// be used by two goroutines at once.
type Matcher struct {
	rs *RuleSet
	sc *scratch
}

// NewMatcher returns a Matcher for this rule set.
func (rs *RuleSet) NewMatcher() *Matcher {
	return &Matcher{rs: rs, sc: rs.newScratch()}
}

// Match is RuleSet.Match without the pool: the same rules, in the same
// order.
func (m *Matcher) Match(ev *event.Event, dst []*Compiled) []*Compiled {
	if !m.rs.routed(ev) {
		return dst
	}
	m.sc.reset()
	return m.rs.match(ev, m.sc, dst)
}

// routed reports whether any rule reads events of ev's kind.
func (rs *RuleSet) routed(ev *event.Event) bool {
	return int(ev.Kind) < len(rs.byKind) && len(rs.byKind[ev.Kind]) > 0
}

// match is Match with a scratch the caller owns and has reset.
func (rs *RuleSet) match(ev *event.Event, sc *scratch, dst []*Compiled) []*Compiled {
	for _, rt := range rs.byKind[ev.Kind] {
		if !rt.src.acceptsDataset(ev.Dataset) {
			continue
		}
		words := len(rt.always)
		cand := sc.cand[:words]
		copy(cand, rt.always)
		for i := range rt.scan {
			sc.scan(ev, rt, i, cand)
		}
		for w, word := range cand {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				word &^= 1 << uint(b)
				c := rt.rules[w*64+b]
				if c.root.eval(ev, sc) {
					dst = append(dst, c)
				}
			}
		}
	}
	return dst
}

// scan ORs into cand the prefilter's candidates for the route's i-th
// scanned field: the rules owning a literal that occurs in its value. The
// scan goes through the scratch's memo of that field when the value is
// worth remembering (see memo.go).
func (sc *scratch) scan(ev *event.Event, rt *route, i int, cand []uint64) {
	f := &rt.scan[i].f
	var e []uint64
	var hit bool
	var v string // the text, once known (numbers are formatted only to scan them)
	var ok bool
	if f.typed.Numeric() {
		var n int64
		if n, ok = ev.Int(f.typed); !ok {
			return
		}
		m := sc.memoOf(rt, i, len(cand))
		if uint64(n) < smallInts && len(rt.rules) < 64 {
			// small numbers (status codes) are remembered by value: one load
			if m.small == nil {
				m.small = make([]uint64, smallInts)
			}
			if b := m.small[n]; b != 0 {
				cand[0] |= b >> 1
				return
			}
			var b [1]uint64
			v, _ = sc.get(ev, f)
			sc.scanValue(ev, rt, i, v, b[:])
			m.small[n] = b[0]<<1 | 1
			cand[0] |= b[0]
			return
		}
		if e, hit = m.entryInt(n); !hit {
			v, _ = sc.get(ev, f)
		}
	} else if v, ok = sc.get(ev, f); !ok {
		return
	} else if len(v) >= memoMinLen && len(v) <= memoMaxLen {
		e, hit = sc.memoOf(rt, i, len(cand)).entry(v)
	}
	if e == nil { // not remembered: scan straight into cand
		sc.scanValue(ev, rt, i, v, cand)
		return
	}
	if !hit {
		sc.scanValue(ev, rt, i, v, e)
	}
	for w, b := range e {
		cand[w] |= b
	}
}

// scanValue runs the automaton of the route's i-th scanned field over the
// field's value v (sc.get's, passed in so that it is not fetched twice),
// setting the owners found in bits.
//
// The automaton folds ASCII itself, so ASCII text is scanned as it is, and
// a literal occurs in it however a rule's test folds it. Other text is
// scanned twice more: lower-cased, as rules' case-insensitive tests compare
// it (a literal 'é' occurs in 'É' only once folded), and in the form of
// case-insensitive regular expressions (appendFoldKey: (?i)session matches
// 'ſession'). The owners found in all scans are a superset of those of
// each, so no rule that can match is left out; and the first scan tells
// whether the text is ASCII, which would otherwise cost a pass of its own
// over every value.
func (sc *scratch) scanValue(ev *event.Event, rt *route, i int, v string, bits []uint64) {
	f := &rt.scan[i].f
	m := rt.scan[i].ac
	if m.ScanASCII(v, bits) {
		return
	}
	sc.key = appendFoldKey(sc.key[:0], v)
	m.Scan(unsafe.String(unsafe.SliceData(sc.key), len(sc.key)), bits)
	v, _ = sc.lowered(ev, f)
	m.Scan(v, bits)
}

func (sc *scratch) memoOf(rt *route, i, words int) *valueMemo {
	m := sc.memo[rt.memo+i]
	if m == nil {
		m = newValueMemo(words)
		sc.memo[rt.memo+i] = m
	}
	return m
}

// Compile turns parsed rules into a RuleSet. Every rule that cannot run is
// returned in Unsupported with the reason; none is dropped silently.
func Compile(rules []*Rule, p *Pipeline) (*RuleSet, []Unsupported) {
	if p == nil {
		p = DefaultPipeline()
	}
	rs := &RuleSet{extras: map[string]int{}, slots: typedSlots, users: map[*Compiled][]*Compiled{}}
	var unsup []Unsupported
	reject := func(r *Rule, format string, args ...any) {
		unsup = append(unsup, Unsupported{Path: r.Path, ID: r.ID, Title: r.Title, Line: r.Line, Reason: fmt.Sprintf(format, args...)})
	}
	// global filters, by the id or name of the rules they apply to
	filters := map[string][]*Rule{}
	for _, r := range rules {
		if r.Filter != nil {
			for _, ref := range r.Filter.Rules {
				filters[ref] = append(filters[ref], r)
			}
		}
	}
	byRef := map[string]*Compiled{}
	var correlations []*Rule
	for _, r := range rules {
		switch {
		case r.Filter != nil:
			continue
		case r.Correlation != nil:
			correlations = append(correlations, r)
			continue
		case r.Detection == nil:
			reject(r, "no detection section")
			continue
		}
		src := p.source(r.LogSource)
		if src == nil {
			reject(r, "log source %s is not mapped by pipeline %q", r.LogSource, p.Name)
			continue
		}
		if src.unsupported != "" {
			reject(r, "log source %s: %s", r.LogSource, src.unsupported)
			continue
		}
		cc := &compiler{rs: rs, p: p, src: src}
		root, err := cc.detection(r.Detection)
		if err == nil {
			root, err = cc.applyFilters(root, r, filters)
		}
		if err != nil {
			reject(r, "%v", err)
			continue
		}
		c := &Compiled{Rule: r, Standalone: true, root: root, src: src, set: rs, index: len(rs.rules)}
		rs.rules = append(rs.rules, c)
		if r.ID != "" {
			byRef[r.ID] = c
		}
		if r.Name != "" {
			byRef[r.Name] = c
		}
	}
	unsup = append(unsup, rs.compileCorrelations(correlations, byRef)...)
	rs.buildRoutes()
	rs.pool.New = func() any { return rs.newScratch() }
	sort.SliceStable(unsup, func(i, j int) bool {
		if unsup[i].Path != unsup[j].Path {
			return unsup[i].Path < unsup[j].Path
		}
		return unsup[i].Line < unsup[j].Line
	})
	return rs, unsup
}

func (rs *RuleSet) ref(name string) fieldRef {
	if f, ok := event.LookupField(name); ok {
		return fieldRef{typed: f, name: name, slot: int(f)}
	}
	slot, ok := rs.extras[name]
	if !ok {
		slot = rs.slots
		rs.slots++
		rs.extras[name] = slot
	}
	return fieldRef{name: name, slot: slot, derive: derivedFields[name]}
}

func (rs *RuleSet) buildRoutes() {
	bySig := map[string]*route{}
	var order []*route
	for _, c := range rs.rules {
		if c.root == nil {
			continue
		}
		sig := fmt.Sprint(c.src.routeKinds(), c.src.datasets)
		rt := bySig[sig]
		if rt == nil {
			rt = &route{src: c.src}
			bySig[sig] = rt
			order = append(order, rt)
		}
		rt.rules = append(rt.rules, c)
	}
	for _, rt := range order {
		n := len(rt.rules)
		if n > rs.maxBits {
			rs.maxBits = n
		}
		rt.always = make([]uint64, (n+63)/64)
		// One automaton per scanned field, holding the literals of the
		// rules that read that field: a value is scanned only for what can
		// matter in it, and small automata stay in cache.
		type fieldLits struct {
			f      fieldRef
			index  map[string]int
			lits   []string
			owners [][]int32
		}
		bySlot := map[int]*fieldLits{}
		var fields []*fieldLits
		for i, c := range rt.rules {
			pf := prefilter(c.root)
			if !pf.ok {
				rt.always[i/64] |= 1 << uint(i%64)
				continue
			}
			for _, f := range pf.fields {
				fl := bySlot[f.slot]
				if fl == nil {
					fl = &fieldLits{f: f, index: map[string]int{}}
					bySlot[f.slot] = fl
					fields = append(fields, fl)
				}
				for _, l := range pf.lits {
					j, ok := fl.index[l]
					if !ok {
						j = len(fl.lits)
						fl.index[l] = j
						fl.lits = append(fl.lits, l)
						fl.owners = append(fl.owners, nil)
					}
					// a rule reading the field twice owns its literals once
					if o := fl.owners[j]; len(o) == 0 || o[len(o)-1] != int32(i) {
						fl.owners[j] = append(o, int32(i))
					}
				}
			}
		}
		for _, fl := range fields {
			m := ac.New(fl.lits, fl.owners)
			if m == nil { // too many literals: evaluate every rule
				for i := range rt.rules {
					rt.always[i/64] |= 1 << uint(i%64)
				}
				rt.scan = nil
				break
			}
			rt.scan = append(rt.scan, scanned{f: fl.f, ac: m})
		}
		sort.Slice(rt.scan, func(i, j int) bool { return rt.scan[i].f.slot < rt.scan[j].f.slot })
		rt.memo = rs.memos
		rs.memos += len(rt.scan)
		for _, k := range rt.src.routeKinds() {
			rs.byKind[k] = append(rs.byKind[k], rt)
		}
	}
}

// prefilterResult: if ok, the rule can only match when one of lits occurs
// in the folded value of one of fields.
type prefilterResult struct {
	ok     bool
	lits   []string
	fields []fieldRef
}

func (p prefilterResult) score() int {
	m := -1
	for _, l := range p.lits {
		if m < 0 || len(l) < m {
			m = len(l)
		}
	}
	return m
}

func prefilter(n node) prefilterResult {
	switch x := n.(type) {
	case *strTest:
		if x.neq || x.emptyOK {
			return prefilterResult{}
		}
		groupLits := func(g []valueMatcher) ([]string, bool) {
			var out []string
			for _, m := range g {
				var l string
				switch x := m.(type) {
				case *strMatcher:
					l = x.longest()
				case reMatcher:
					l = x.lit
				}
				if l == "" {
					return nil, false
				}
				out = append(out, lower(l))
			}
			return out, len(out) > 0
		}
		res := prefilterResult{ok: true, fields: x.fields}
		if x.all {
			best := -1
			for _, g := range x.groups {
				ls, ok := groupLits(g)
				if !ok {
					continue
				}
				cand := prefilterResult{ok: true, lits: ls}
				if s := cand.score(); s > best {
					best = s
					res.lits = ls
				}
			}
			res.ok = best > 0
			return res
		}
		for _, g := range x.groups {
			ls, ok := groupLits(g)
			if !ok {
				return prefilterResult{}
			}
			res.lits = append(res.lits, ls...)
		}
		res.ok = len(res.lits) > 0
		return res
	case andNode:
		var best prefilterResult
		for _, c := range x {
			r := prefilter(c)
			if r.ok && (!best.ok || r.score() > best.score()) {
				best = r
			}
		}
		return best
	case orNode:
		var res prefilterResult
		for _, c := range x {
			r := prefilter(c)
			if !r.ok {
				return prefilterResult{}
			}
			res.lits = append(res.lits, r.lits...)
			res.fields = append(res.fields, r.fields...)
		}
		res.ok = len(res.lits) > 0
		return res
	}
	return prefilterResult{}
}

func (m *strMatcher) longest() string {
	if m.op == opGlob {
		return m.p.longestLiteral()
	}
	return m.lit
}

// compiler compiles one rule's detection for one log source.
type compiler struct {
	rs       *RuleSet
	p        *Pipeline
	src      *sourceMap
	det      *Detection
	searches map[string]node
}

func (c *compiler) detection(d *Detection) (node, error) {
	c.det = d
	c.searches = map[string]node{}
	var alts orNode
	for _, s := range d.Conditions {
		cd, err := parseCondition(s)
		if err != nil {
			return nil, fmt.Errorf("condition %q: %w", s, err)
		}
		n, err := c.cond(cd)
		if err != nil {
			return nil, err
		}
		alts = append(alts, n)
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return alts, nil
}

func (c *compiler) applyFilters(root node, r *Rule, filters map[string][]*Rule) (node, error) {
	var fs []*Rule
	if r.ID != "" {
		fs = append(fs, filters[r.ID]...)
	}
	if r.Name != "" {
		fs = append(fs, filters[r.Name]...)
	}
	and := andNode{root}
	for _, f := range fs {
		fc := &compiler{rs: c.rs, p: c.p, src: c.src}
		n, err := fc.detection(f.Filter.Detection)
		if err != nil {
			return nil, fmt.Errorf("filter %s (%s:%d): %w", f.Title, f.Path, f.Line, err)
		}
		and = append(and, n)
	}
	if len(and) == 1 {
		return root, nil
	}
	return and, nil
}

func (c *compiler) cond(cd cond) (node, error) {
	switch x := cd.(type) {
	case condAnd:
		l, err := c.cond(x.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(x.r)
		if err != nil {
			return nil, err
		}
		return flatten(andNode{l, r}), nil
	case condOr:
		l, err := c.cond(x.l)
		if err != nil {
			return nil, err
		}
		r, err := c.cond(x.r)
		if err != nil {
			return nil, err
		}
		return flatten(orNode{l, r}), nil
	case condNot:
		n, err := c.cond(x.x)
		if err != nil {
			return nil, err
		}
		return notNode{n}, nil
	case condRef:
		return c.search(x.name)
	case condOf:
		var names []string
		for _, s := range c.det.Searches {
			if x.pattern == "them" {
				if !strings.HasPrefix(s.Name, "_") {
					names = append(names, s.Name)
				}
			} else if globMatch(x.pattern, s.Name) {
				names = append(names, s.Name)
			}
		}
		if len(names) == 0 {
			return nil, fmt.Errorf("%q matches no search identifier", x.String())
		}
		var out []node
		for _, n := range names {
			s, err := c.search(n)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		if len(out) == 1 {
			return out[0], nil
		}
		if x.all {
			return flatten(andNode(out)), nil
		}
		return flatten(orNode(out)), nil
	}
	return nil, fmt.Errorf("unknown condition node %T", cd)
}

// flatten merges nested and/or nodes of the same kind.
func flatten(n node) node {
	switch x := n.(type) {
	case andNode:
		var out andNode
		for _, c := range x {
			if y, ok := c.(andNode); ok {
				out = append(out, y...)
			} else {
				out = append(out, c)
			}
		}
		return out
	case orNode:
		var out orNode
		for _, c := range x {
			if y, ok := c.(orNode); ok {
				out = append(out, y...)
			} else {
				out = append(out, c)
			}
		}
		return out
	}
	return n
}

func (c *compiler) search(name string) (node, error) {
	if n, ok := c.searches[name]; ok {
		return n, nil
	}
	var s *Search
	for _, x := range c.det.Searches {
		if x.Name == name {
			s = x
		}
	}
	if s == nil {
		return nil, fmt.Errorf("condition references %q, which the detection does not define", name)
	}
	var alts orNode
	for _, b := range s.Branches {
		var and andNode
		for _, it := range b {
			n, err := c.item(it)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s: %w", it.Line, itemName(it), err)
			}
			and = append(and, n)
		}
		switch len(and) {
		case 0:
			alts = append(alts, constNode(true)) // an empty map matches everything
		case 1:
			alts = append(alts, and[0])
		default:
			alts = append(alts, and)
		}
	}
	var n node = alts
	switch len(alts) {
	case 0:
		n = constNode(false)
	case 1:
		n = alts[0]
	}
	c.searches[name] = n
	return n, nil
}

func itemName(it Item) string {
	name := it.Field
	if name == "" {
		name = "keywords"
	}
	if len(it.Modifiers) > 0 {
		name += "|" + strings.Join(it.Modifiers, "|")
	}
	return name
}

func (c *compiler) field(name string) (fieldRef, error) {
	target, err := c.src.field(name)
	if err != nil {
		return fieldRef{}, err
	}
	return c.rs.ref(target), nil
}

// item compiles one field test.
func (c *compiler) item(it Item) (node, error) {
	var (
		all, cased, neq, exists, cidr, fieldref, expand, isRe bool
		reFlags                                               string
		cmp, part                                             string
		transforms                                            []string
	)
	for i, m := range it.Modifiers {
		switch m {
		case "all":
			all = true
		case "cased":
			cased = true
		case "neq":
			neq = true
		case "exists":
			exists = true
		case "cidr":
			cidr = true
		case "fieldref":
			fieldref = true
		case "expand":
			expand = true
		case "re":
			isRe = true
		case "i", "m", "s":
			if i == 0 || !isRe {
				return nil, fmt.Errorf("modifier %q is only valid after re", m)
			}
			reFlags += m
		case "gt", "gte", "lt", "lte":
			cmp = m
		case "minute", "hour", "day", "week", "month", "year":
			part = m
		case "contains", "startswith", "endswith", "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash":
			transforms = append(transforms, m)
		case "":
			return nil, fmt.Errorf("empty modifier")
		default:
			return nil, fmt.Errorf("unknown modifier %q", m)
		}
	}
	if all && len(it.Values) < 2 {
		// the spec forbids |all on a single value; it means the same as without
		all = false
	}
	// field(s)
	var fields []fieldRef
	keywords := it.Field == ""
	if keywords {
		if exists || cidr || fieldref || cmp != "" || part != "" {
			return nil, fmt.Errorf("keyword searches take string modifiers only")
		}
		for _, k := range c.src.keywords {
			fields = append(fields, c.rs.ref(k))
		}
		if len(fields) == 0 {
			return nil, fmt.Errorf("log source %s has no keyword fields in the pipeline", c.src.ls)
		}
	} else {
		f, err := c.field(it.Field)
		if err != nil {
			return nil, err
		}
		fields = []fieldRef{f}
	}
	var nulls, vals []Value
	for _, v := range it.Values {
		if v.Kind == ValueNull {
			nulls = append(nulls, v)
		} else {
			vals = append(vals, v)
		}
	}
	if len(nulls) > 0 && (keywords || exists || cidr || fieldref || cmp != "" || part != "" || isRe || len(transforms) > 0) {
		return nil, fmt.Errorf("null cannot be combined with modifiers")
	}
	var n node
	var err error
	switch {
	case exists:
		if len(vals) != 1 || vals[0].Kind != ValueBool {
			return nil, fmt.Errorf("exists takes a single true or false")
		}
		return &existsTest{field: fields[0], want: vals[0].S == "true"}, nil
	case cidr:
		n, err = c.cidrTest(fields[0], vals, transforms, neq)
	case cmp != "" || part != "":
		n, err = c.numTest(fields[0], vals, cmp, part, transforms, neq)
	case fieldref:
		n, err = c.fieldrefTest(fields[0], vals, transforms, cased, all, neq)
	case isRe:
		n, err = c.reTest(fields, vals, reFlags, transforms, all, neq, keywords)
	default:
		if len(vals) == 0 {
			n = nil
			break
		}
		n, err = c.strTest(fields, vals, transforms, cased, all, neq, expand, keywords)
	}
	if err != nil {
		return nil, err
	}
	if len(nulls) > 0 {
		var nt node = &nullTest{field: fields[0]}
		if neq {
			nt = notNode{nt}
		}
		if n == nil {
			return nt, nil
		}
		if neq {
			return andNode{n, nt}, nil
		}
		return orNode{n, nt}, nil
	}
	if n == nil {
		return nil, fmt.Errorf("no values")
	}
	return n, nil
}

func (c *compiler) strTest(fields []fieldRef, vals []Value, transforms []string, cased, all, neq, expand, keywords bool) (node, error) {
	t := &strTest{fields: fields, fold: !cased, all: all, neq: neq, keywords: keywords}
	for _, v := range vals {
		texts := []string{v.S}
		if expand {
			var err error
			if texts, err = expandPlaceholders(v.S, c.p.placeholders); err != nil {
				return nil, err
			}
		}
		var variants []pattern
		for _, s := range texts {
			if v.Kind == ValueString {
				variants = append(variants, parsePattern(s))
			} else {
				variants = append(variants, literal(s))
			}
		}
		variants, err := applyTransforms(variants, transforms)
		if err != nil {
			return nil, err
		}
		var g []valueMatcher
		for _, p := range variants {
			if keywords {
				p = p.withStar(true, true)
			}
			if !cased {
				p = p.mapLiterals(lower)
			}
			m := newStrMatcher(p)
			if m.op == opExact && m.lit == "" {
				t.emptyOK = true
			}
			g = append(g, &m)
		}
		t.groups = append(t.groups, g)
	}
	if !all {
		n := 0
		for _, g := range t.groups {
			n += len(g)
		}
		if n >= minSetValues {
			t.set = newValueSet(t.groups, t.fold)
		}
	}
	return t, nil
}

// applyTransforms applies the value-transforming modifiers, in rule order.
func applyTransforms(ps []pattern, transforms []string) ([]pattern, error) {
	for _, tr := range transforms {
		var out []pattern
		for _, p := range ps {
			switch tr {
			case "contains":
				out = append(out, p.withStar(true, true))
			case "startswith":
				out = append(out, p.withStar(false, true))
			case "endswith":
				out = append(out, p.withStar(true, false))
			case "base64", "base64offset":
				if p.hasWildcards() {
					return nil, fmt.Errorf("%s of a value with wildcards is undefined", tr)
				}
				if tr == "base64" {
					out = append(out, literal(base64.StdEncoding.EncodeToString([]byte(p.plain()))))
				} else {
					for _, s := range base64Offsets(p.plain()) {
						out = append(out, literal(s))
					}
				}
			case "utf16le", "wide":
				out = append(out, p.mapLiterals(func(s string) string { return encodeUTF16(s, false, false) }))
			case "utf16be":
				out = append(out, p.mapLiterals(func(s string) string { return encodeUTF16(s, true, false) }))
			case "utf16":
				if len(p) > 0 && p[0].wild != 0 {
					return nil, fmt.Errorf("utf16 (with byte order mark) of a value starting with a wildcard is undefined")
				}
				q := p.mapLiterals(func(s string) string { return encodeUTF16(s, false, false) })
				if len(q) > 0 {
					q[0].lit = "\xff\xfe" + q[0].lit
				}
				out = append(out, q)
			case "windash":
				w, err := windash(p)
				if err != nil {
					return nil, err
				}
				out = append(out, w...)
			}
			if len(out) > maxExpansion {
				return nil, fmt.Errorf("modifiers expand to more than %d values", maxExpansion)
			}
		}
		ps = out
	}
	return ps, nil
}

func (c *compiler) reTest(fields []fieldRef, vals []Value, flags string, transforms []string, all, neq, keywords bool) (node, error) {
	if len(transforms) > 0 {
		return nil, fmt.Errorf("re cannot be combined with %s", strings.Join(transforms, ", "))
	}
	t := &strTest{fields: fields, all: all, neq: neq, keywords: keywords}
	for _, v := range vals {
		expr := v.S
		if flags != "" {
			expr = "(?" + flags + ")" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("regular expression %q is not supported by Go's RE2 engine: %v", v.S, err)
		}
		m := reMatcher{re: re, lit: regexLiteral(expr)}
		if set, ok := regexLiteralSet(expr); ok {
			// nil (too large): no gate; no literals at all: the
			// expression matches no ASCII value, and the empty gate
			// passes none
			m.gate = ac.New(set, nil)
		}
		t.groups = append(t.groups, []valueMatcher{m})
	}
	return t, nil
}

func (c *compiler) cidrTest(f fieldRef, vals []Value, transforms []string, neq bool) (node, error) {
	if len(transforms) > 0 {
		return nil, fmt.Errorf("cidr cannot be combined with %s", strings.Join(transforms, ", "))
	}
	t := &cidrTest{field: f, neq: neq}
	for _, v := range vals {
		p, err := netip.ParsePrefix(strings.TrimSpace(v.S))
		if err != nil {
			return nil, fmt.Errorf("cidr: %v", err)
		}
		t.prefixes = append(t.prefixes, p.Masked())
	}
	return t, nil
}

func (c *compiler) numTest(f fieldRef, vals []Value, cmp, part string, transforms []string, neq bool) (node, error) {
	if len(transforms) > 0 {
		return nil, fmt.Errorf("numeric comparison cannot be combined with %s", strings.Join(transforms, ", "))
	}
	if cmp == "" {
		cmp = "eq"
	}
	t := &numTest{field: f, op: cmp, part: part, neq: neq}
	for _, v := range vals {
		x, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %q is not a number", cmp, v.S)
		}
		t.values = append(t.values, x)
	}
	return t, nil
}

func (c *compiler) fieldrefTest(f fieldRef, vals []Value, transforms []string, cased, all, neq bool) (node, error) {
	op := opExact
	for _, tr := range transforms {
		switch tr {
		case "contains":
			op = opContains
		case "startswith":
			op = opPrefix
		case "endswith":
			op = opSuffix
		default:
			return nil, fmt.Errorf("fieldref cannot be combined with %s", tr)
		}
	}
	var out []node
	for _, v := range vals {
		other, err := c.field(v.S)
		if err != nil {
			return nil, fmt.Errorf("fieldref: %w", err)
		}
		out = append(out, &fieldrefTest{field: f, other: other, op: op, fold: !cased, neq: neq})
	}
	if len(out) == 1 {
		return out[0], nil
	}
	if all || neq {
		return andNode(out), nil
	}
	return orNode(out), nil
}
