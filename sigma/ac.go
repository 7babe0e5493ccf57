package sigma

// acMatcher is an Aho-Corasick automaton compiled to a dense DFA over byte
// classes. It is read-only after construction, so many goroutines can scan
// with it at once, and a scan never allocates: hits are reported by setting
// the bits of the rules that own the literal in a caller-owned bitset.
//
// (github.com/cloudflare/ahocorasick was measured first: its thread-safe
// Match allocates a result slice per hit and keeps a map per call.)
type acMatcher struct {
	class   [256]uint16
	nclass  int
	delta   []int32 // state*nclass + class -> next state
	out     [][]int32
	hasOut  []bool
	nstates int
}

// maxACTable bounds the transition table (entries of 4 bytes), so that a
// hostile rule file cannot make the automaton exhaust memory.
const maxACTable = 1 << 24

// newACMatcher builds the automaton; owners[i] lists the rule indexes whose
// prefilter is satisfied by literal i. It returns nil when the table would
// exceed maxACTable; callers then evaluate without a prefilter.
func newACMatcher(lits []string, owners [][]int32) *acMatcher {
	m := &acMatcher{}
	total := 1
	for _, l := range lits {
		total += len(l)
	}
	// byte classes: every byte used by a literal gets its own class, all
	// others share class 0
	for _, l := range lits {
		for i := 0; i < len(l); i++ {
			if m.class[l[i]] == 0 {
				m.nclass++
				m.class[l[i]] = uint16(m.nclass)
			}
		}
	}
	// Literals are folded; giving upper-case ASCII letters the class of
	// their lower-case twin lets the scan read ASCII values unfolded.
	for c := 'A'; c <= 'Z'; c++ {
		m.class[c] = m.class[c+'a'-'A']
	}
	m.nclass++
	nc := m.nclass
	if total*nc > maxACTable {
		return nil
	}
	// trie, built directly in the transition table (-1: no edge yet)
	m.delta = make([]int32, nc)
	for i := range m.delta {
		m.delta[i] = -1
	}
	var own [][]int32
	own = append(own, nil)
	for i, l := range lits {
		s := int32(0)
		for j := 0; j < len(l); j++ {
			c := int(m.class[l[j]])
			nx := m.delta[int(s)*nc+c]
			if nx < 0 {
				nx = int32(len(own))
				own = append(own, nil)
				for k := 0; k < nc; k++ {
					m.delta = append(m.delta, -1)
				}
				m.delta[int(s)*nc+c] = nx
			}
			s = nx
		}
		own[s] = append(own[s], owners[i]...)
	}
	n := len(own)
	m.nstates = n
	m.out = make([][]int32, n)
	m.hasOut = make([]bool, n)
	fail := make([]int32, n)
	// BFS: failure links, and missing edges become failure transitions
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if nx := m.delta[c]; nx > 0 {
			fail[nx] = 0
			queue = append(queue, nx)
		} else {
			m.delta[c] = 0
		}
	}
	m.out[0] = own[0]
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(append([]int32(nil), own[s]...), m.out[fail[s]]...)
		row := int(s) * nc
		frow := int(fail[s]) * nc
		for c := 0; c < nc; c++ {
			if nx := m.delta[row+c]; nx >= 0 {
				fail[nx] = m.delta[frow+c]
				queue = append(queue, nx)
			} else {
				m.delta[row+c] = m.delta[frow+c]
			}
		}
	}
	for i := range m.out {
		m.out[i] = dedup(m.out[i])
		m.hasOut[i] = len(m.out[i]) > 0
	}
	// Pre-multiply: each entry holds the next state's row offset shifted
	// left by one, with the low bit set when that state reports literals,
	// so the scan loop does one load and no multiplication per byte.
	for i, nx := range m.delta {
		v := nx * int32(nc) << 1
		if m.hasOut[nx] {
			v |= 1
		}
		m.delta[i] = v
	}
	return m
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

// scan marks in bits every rule owning a literal that occurs in s.
func (m *acMatcher) scan(s string, bits []uint64) {
	row := int32(0)
	for i := 0; i < len(s); i++ {
		x := m.delta[row+int32(m.class[s[i]])]
		row = x >> 1
		if x&1 != 0 {
			for _, r := range m.out[row/int32(m.nclass)] {
				bits[r>>6] |= 1 << (uint(r) & 63)
			}
		}
	}
}

// any reports whether any literal occurs in s.
func (m *acMatcher) any(s string) bool {
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
