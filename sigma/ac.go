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

// newACMatcher builds the automaton; owners[i] lists the rule indexes whose
// prefilter is satisfied by literal i.
func newACMatcher(lits []string, owners [][]int32) *acMatcher {
	m := &acMatcher{}
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
	m.nclass++
	nc := m.nclass
	// trie
	type tnode struct {
		next map[uint16]int32
		out  []int32
	}
	trie := []tnode{{next: map[uint16]int32{}}}
	for i, l := range lits {
		s := int32(0)
		for j := 0; j < len(l); j++ {
			c := m.class[l[j]]
			nx, ok := trie[s].next[c]
			if !ok {
				nx = int32(len(trie))
				trie = append(trie, tnode{next: map[uint16]int32{}})
				trie[s].next[c] = nx
			}
			s = nx
		}
		trie[s].out = append(trie[s].out, owners[i]...)
	}
	n := len(trie)
	m.nstates = n
	m.delta = make([]int32, n*nc)
	m.out = make([][]int32, n)
	m.hasOut = make([]bool, n)
	fail := make([]int32, n)
	// BFS to fill failure links and the full transition table
	queue := make([]int32, 0, n)
	for c := 0; c < nc; c++ {
		if nx, ok := trie[0].next[uint16(c)]; ok {
			m.delta[c] = nx
			fail[nx] = 0
			queue = append(queue, nx)
		}
	}
	m.out[0] = trie[0].out
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		m.out[s] = append(append([]int32(nil), trie[s].out...), m.out[fail[s]]...)
		for c := 0; c < nc; c++ {
			if nx, ok := trie[s].next[uint16(c)]; ok {
				fail[nx] = m.delta[int(fail[s])*nc+c]
				m.delta[int(s)*nc+c] = nx
				queue = append(queue, nx)
			} else {
				m.delta[int(s)*nc+c] = m.delta[int(fail[s])*nc+c]
			}
		}
	}
	for i := range m.out {
		m.out[i] = dedup(m.out[i])
		m.hasOut[i] = len(m.out[i]) > 0
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
	nc := int32(m.nclass)
	st := int32(0)
	for i := 0; i < len(s); i++ {
		st = m.delta[st*nc+int32(m.class[s[i]])]
		if m.hasOut[st] {
			for _, r := range m.out[st] {
				bits[r>>6] |= 1 << (uint(r) & 63)
			}
		}
	}
}
