// Package ac finds many literals in a string at once, ignoring ASCII case:
// an Aho-Corasick automaton compiled to a dense DFA over byte classes.
//
// A Matcher is read-only after New, so any number of goroutines can scan
// with it, and a scan never allocates. Hits are reported either as a yes/no
// (Contains) or by setting, in a caller-owned bitset, the bits of the
// owners of every literal found (Scan): the Sigma compiler owns literals by
// rule, so one scan of a value tells which rules can still match it.
//
// Dense tables are fast (one load per byte) but cost nstates × nclasses
// entries. Byte classes keep that small: only bytes used by some literal get
// a class of their own. github.com/cloudflare/ahocorasick (256 columns, a
// result slice per hit) took 311 MB for CRS's word lists and allocates per
// call; petar-dambovaliev/aho-corasick is compact but walks an NFA.
package ac

import (
	"slices"
	"unsafe"
)

// Matcher is a compiled literal set. The zero value is not usable; New
// returns nil rather than an oversized automaton.
//
// The scan loop is a chain of dependent loads, one per byte, so its speed is
// the latency of that chain: the table holds byte offsets (not state
// numbers) and class holds column offsets, so that the next entry's address
// is the entry just loaded plus the table's address plus the byte's column
// offset, the last two added beside the chain (scan): each step waits on one
// load and nothing else (5-10 % faster per byte than adding the loaded
// offset first, BenchmarkScanASCII, best of 12); and states that end a
// literal are numbered last, so "was that a hit" is a comparison beside the
// chain rather than a bit to strip off in it.
//
// A table whose byte offsets all fit in 16 bits is stored with 2-byte
// entries (narrow): half the cache lines for the same rows. Sigma's URL
// automaton (610 states × 51 classes) is 62 KB so, not 124 KB; when the
// scan shares the core's caches with decoding and the rest of detection,
// fewer lines to fetch again is what makes it faster.
type Matcher struct {
	class [256]uint32 // the byte's column offset in a row: its class × the entry size
	// The table at byte offset row+class holds the next state's row offset
	// (state × nclass × entry size): narrow (2-byte entries) when every
	// offset fits, else delta (4-byte entries); the other is nil.
	delta    []uint32
	narrow   []uint16
	rowBytes uint32 // nclass × the entry size
	// hitRow is the row offset of the first state that ends a literal: every
	// state from there on does (root excepted when the root ends the empty
	// literal; out[0] is then reported up front).
	hitRow uint32
	out    [][]int32 // per state: owners of the literals ending there
}

// MaxTable bounds the transition table (entries of 4 bytes, 64 MiB), so
// that a hostile rule file cannot make an automaton exhaust memory.
const MaxTable = 1 << 24

// New compiles lits. owners[i] lists the owners (bit numbers for Scan) of
// literal i; with owners nil every literal is owned by 0, which suits
// Contains. Literals are matched ignoring ASCII case; an empty literal
// matches everywhere. New returns nil when the table would exceed MaxTable.
func New(lits []string, owners [][]int32) *Matcher {
	var class [256]uint16
	folded := make([]string, len(lits))
	total := 1
	for i, l := range lits {
		folded[i] = lowerASCII(l)
		total += len(l)
	}
	// Every byte a literal uses gets its own class; all others share 0.
	var nc int32
	for _, l := range folded {
		for i := 0; i < len(l); i++ {
			if class[l[i]] == 0 {
				nc++
				class[l[i]] = uint16(nc)
			}
		}
	}
	// Upper-case ASCII letters take the class of their lower-case twin, so
	// values are scanned as they are, unfolded.
	for c := 'A'; c <= 'Z'; c++ {
		class[c] = class[c+'a'-'A']
	}
	nc++
	if int64(total)*int64(nc) > MaxTable {
		return nil
	}
	// The trie, built directly in the transition table (-1: no edge yet),
	// allocated once for its exact number of states: a state per distinct
	// prefix, counted over the sorted literals.
	states := trieStates(folded)
	delta := make([]int32, nc, int64(states)*int64(nc))
	for i := range delta {
		delta[i] = -1
	}
	own := make([][]int32, 1, states)
	ended := make([]bool, 1, states)
	for i, l := range folded {
		s := int32(0)
		for j := 0; j < len(l); j++ {
			c := int32(class[l[j]])
			nx := delta[s*nc+c]
			if nx < 0 {
				nx = int32(len(own))
				own = append(own, nil)
				ended = append(ended, false)
				row := len(delta)
				delta = delta[:row+int(nc)]
				for k := row; k < len(delta); k++ {
					delta[k] = -1
				}
				delta[s*nc+c] = nx
			}
			s = nx
		}
		ended[s] = true
		if owners == nil {
			own[s] = append(own[s], 0)
		} else {
			own[s] = append(own[s], owners[i]...)
		}
	}
	n := len(own)
	out := make([][]int32, n)
	hasOut := make([]bool, n)
	fail := make([]int32, n)
	// Breadth first: failure links, and missing edges become the failure
	// state's transitions.
	queue := make([]int32, 0, n)
	for c := int32(0); c < nc; c++ {
		if nx := delta[c]; nx > 0 {
			queue = append(queue, nx)
		} else {
			delta[c] = 0
		}
	}
	out[0] = own[0]
	hasOut[0] = ended[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		out[s] = dedup(append(append([]int32(nil), own[s]...), out[fail[s]]...))
		hasOut[s] = ended[s] || hasOut[fail[s]]
		row, frow := s*nc, fail[s]*nc
		for c := int32(0); c < nc; c++ {
			if nx := delta[row+c]; nx >= 0 {
				fail[nx] = delta[frow+c]
				queue = append(queue, nx)
			} else {
				delta[row+c] = delta[frow+c]
			}
		}
	}
	// Renumber: the root stays first, states without a hit follow, states
	// with one come last.
	num := make([]int32, n)
	next := int32(1)
	for s := 1; s < n; s++ {
		if !hasOut[s] {
			num[s] = next
			next++
		}
	}
	hit := next
	for s := 1; s < n; s++ {
		if hasOut[s] {
			num[s] = next
			next++
		}
	}
	esize := int64(4)
	if int64(n)*int64(nc)*2 <= narrowMax {
		esize = 2
	}
	m := &Matcher{rowBytes: uint32(int64(nc) * esize), hitRow: uint32(int64(hit) * int64(nc) * esize)}
	for b, c := range class {
		m.class[b] = uint32(int64(c) * esize)
	}
	if esize == 2 {
		m.narrow = make([]uint16, len(delta))
	} else {
		m.delta = make([]uint32, len(delta))
	}
	m.out = make([][]int32, n)
	for s := int32(0); s < int32(n); s++ {
		m.out[num[s]] = out[s]
		row := delta[s*nc : (s+1)*nc]
		for c, nx := range row {
			off := uint32(num[nx]) * m.rowBytes
			if m.narrow != nil {
				m.narrow[num[s]*nc+int32(c)] = uint16(off)
			} else {
				m.delta[num[s]*nc+int32(c)] = off
			}
		}
	}
	return m
}

// trieStates is the number of states of the trie of lits: the root and
// one per distinct non-empty prefix.
func trieStates(lits []string) int {
	sorted := slices.Clone(lits)
	slices.Sort(sorted)
	n, prev := 1, ""
	for _, l := range sorted {
		common := 0
		for common < len(l) && common < len(prev) && l[common] == prev[common] {
			common++
		}
		n += len(l) - common
		prev = l
	}
	return n
}

// narrowMax is the largest table, in bytes of 2-byte entries, stored
// narrow: every row offset and class offset then fits in 16 bits. A
// variable so that tests can build wide tables of small automata too.
var narrowMax int64 = 1 << 16

// entry is the type of a transition table's entries.
type entry interface{ uint16 | uint32 }

// table is the transition table's address. Every entry is a row offset New
// wrote and every class offset is inside a row, so a step's address is
// always inside the table: the loops need no bounds check, which would
// double their instructions.
func (m *Matcher) table() unsafe.Pointer {
	if m.narrow != nil {
		return unsafe.Pointer(unsafe.SliceData(m.narrow))
	}
	return unsafe.Pointer(unsafe.SliceData(m.delta))
}

// scan is Scan and ScanASCII over a table of E entries at t.
func scan[E entry](m *Matcher, t unsafe.Pointer, s string, bits []uint64) bool {
	row, hit := uint32(0), m.hitRow
	var or byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		or |= c
		// t+class first: it does not wait on the previous step, so the
		// chain is one load (base+index addressing), not an add and a load
		col := unsafe.Add(t, uintptr(m.class[c]))
		row = uint32(*(*E)(unsafe.Add(col, uintptr(row))))
		if row >= hit {
			mark(bits, m.out[row/m.rowBytes])
		}
	}
	return or < 0x80
}

// contains is Contains over a table of E entries at t.
func contains[E entry](m *Matcher, t unsafe.Pointer, s string) bool {
	row, hit := uint32(0), m.hitRow
	for i := 0; i < len(s); i++ {
		col := unsafe.Add(t, uintptr(m.class[s[i]]))
		if row = uint32(*(*E)(unsafe.Add(col, uintptr(row)))); row >= hit {
			return true
		}
	}
	return false
}

// Scan sets in bits the owners of every literal that occurs in s. bits must
// hold the largest owner.
func (m *Matcher) Scan(s string, bits []uint64) { m.ScanASCII(s, bits) }

// ScanASCII is Scan that also reports whether s is all ASCII. The scan
// waits on one load per byte; OR-ing the bytes beside that chain is free,
// and spares a caller that must treat other text differently (the Sigma
// prefilter rescans it case-folded) a pass over s of its own.
func (m *Matcher) ScanASCII(s string, bits []uint64) bool {
	if len(m.out[0]) > 0 { // an empty literal
		mark(bits, m.out[0])
	}
	if m.narrow != nil {
		return scan[uint16](m, m.table(), s, bits)
	}
	return scan[uint32](m, m.table(), s, bits)
}

func mark(bits []uint64, owners []int32) {
	for _, r := range owners {
		bits[r>>6] |= 1 << (uint(r) & 63)
	}
}

// Contains reports whether any literal occurs in s.
func (m *Matcher) Contains(s string) bool {
	if len(m.out[0]) > 0 {
		return true
	}
	if m.narrow != nil {
		return contains[uint16](m, m.table(), s)
	}
	return contains[uint32](m, m.table(), s)
}

// ContainsBytes is Contains for a byte slice.
func (m *Matcher) ContainsBytes(b []byte) bool {
	return m.Contains(unsafe.String(unsafe.SliceData(b), len(b)))
}

// Size is the transition table's size in bytes.
func (m *Matcher) Size() int { return 4*len(m.delta) + 2*len(m.narrow) }

func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

func dedup(xs []int32) []int32 {
	if len(xs) < 2 {
		return xs
	}
	seen := make(map[int32]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
