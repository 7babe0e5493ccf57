package sigma

import (
	"math/rand"
	"strings"
	"testing"
)

// TestACMatcherAgainstContains compares the automaton with strings.Contains
// on random literal sets over a small alphabet (so overlaps are frequent).
func TestACMatcherAgainstContains(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func(max int) string {
		b := make([]byte, 1+r.Intn(max))
		for i := range b {
			b[i] = "abc\x00\xff"[r.Intn(5)]
		}
		return string(b)
	}
	for iter := 0; iter < 300; iter++ {
		n := 1 + r.Intn(20)
		lits := make([]string, n)
		owners := make([][]int32, n)
		for i := range lits {
			lits[i] = word(5)
			owners[i] = []int32{int32(i)}
		}
		m := newACMatcher(lits, owners)
		for k := 0; k < 20; k++ {
			s := word(40)
			bits := make([]uint64, 1)
			m.scan(s, bits)
			anyWant := false
			for i, l := range lits {
				want := strings.Contains(s, l)
				anyWant = anyWant || want
				if got := bits[0]&(1<<uint(i)) != 0; got != want {
					t.Fatalf("literal %q in %q: got %v want %v", l, s, got, want)
				}
			}
			if m.any(s) != anyWant {
				t.Fatalf("any(%q) = %v, want %v", s, !anyWant, anyWant)
			}
		}
	}
}
