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

// Matcher is a compiled literal set. The zero value is not usable; New
// returns nil rather than an oversized automaton.
type Matcher struct {
	class  [256]uint16
	nclass int32
	// delta[row+class] holds the next state's row (state × nclass) shifted
	// left by one, with the low bit set when that state ends a literal, so
	// the scan does one load and no multiplication per byte.
	delta []int32
	out   [][]int32 // per state: owners of the literals ending there
}

// MaxTable bounds the transition table (entries of 4 bytes, 64 MiB), so
// that a hostile rule file cannot make an automaton exhaust memory.
const MaxTable = 1 << 24

// New compiles lits. owners[i] lists the owners (bit numbers for Scan) of
// literal i; with owners nil every literal is owned by 0, which suits
// Contains. Literals are matched ignoring ASCII case; an empty literal
// matches everywhere. New returns nil when the table would exceed MaxTable.
func New(lits []string, owners [][]int32) *Matcher {
	m := &Matcher{}
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
			if m.class[l[i]] == 0 {
				nc++
				m.class[l[i]] = uint16(nc)
			}
		}
	}
	// Upper-case ASCII letters take the class of their lower-case twin, so
	// values are scanned as they are, unfolded.
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	nc++
	m.nclass = nc
	if int64(total)*int64(nc) > MaxTable {
		return nil
	}
	// The trie, built directly in the transition table (-1: no edge yet).
	delta := make([]int32, nc)
	for i := range delta {
		delta[i] = -1
	}
	own := [][]int32{nil}
	ended := []bool{false}
	for i, l := range folded {
		s := int32(0)
		for j := 0; j < len(l); j++ {
			c := int32(m.class[l[j]])
			nx := delta[s*nc+c]
			if nx < 0 {
				nx = int32(len(own))
				own = append(own, nil)
				ended = append(ended, false)
				for k := int32(0); k < nc; k++ {
					delta = append(delta, -1)
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
	m.out = make([][]int32, n)
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
	m.out[0] = own[0]
	hasOut[0] = ended[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = dedup(append(append([]int32(nil), own[s]...), m.out[fail[s]]...))
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
	for i, nx := range delta {
		v := nx * nc << 1
		if hasOut[nx] {
			v |= 1
		}
		delta[i] = v
	}
	m.delta = delta
	return m
}

// Scan sets in bits the owners of every literal that occurs in s. bits must
// hold the largest owner.
func (m *Matcher) Scan(s string, bits []uint64) {
	if len(m.out[0]) > 0 { // an empty literal
		mark(bits, m.out[0])
	}
	row := int32(0)
	for i := 0; i < len(s); i++ {
		x := m.delta[row+int32(m.class[s[i]])]
		row = x >> 1
		if x&1 != 0 {
			mark(bits, m.out[row/m.nclass])
		}
	}
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
	row := int32(0)
	for i := 0; i < len(s); i++ {
		x := m.delta[row+int32(m.class[s[i]])]
		if x&1 != 0 {
			return true
		}
		row = x >> 1
	}
	return false
}

// ContainsBytes is Contains for a byte slice.
func (m *Matcher) ContainsBytes(b []byte) bool {
	if len(m.out[0]) > 0 {
		return true
	}
	row := int32(0)
	for _, c := range b {
		x := m.delta[row+int32(m.class[c])]
		if x&1 != 0 {
			return true
		}
		row = x >> 1
	}
	return false
}

// Size is the transition table's size in bytes.
func (m *Matcher) Size() int { return 4 * len(m.delta) }

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
