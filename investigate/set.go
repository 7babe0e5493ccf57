package investigate

import "math/bits"

// wordSet is an exact set of a few hundred short strings (suspect
// addresses), asked once for every line of the second pass: open addressing
// over a table a quarter full, keyed by a hash of at most 16 of a string's
// bytes and its length, and an exact comparison. For address-sized keys it
// answers in a few nanoseconds from a table that stays in the first-level
// cache, where a Go map hashes every byte with a seeded hash first.
//
// The hash is not keyed: lines can be crafted to land on one slot, but a
// lookup probes only the run of occupied slots at its position, and those
// hold the set's own words (at most all of them), whatever the lines hold.
type wordSet struct {
	slots []string // "" marks an empty slot
	shift uint     // 64 minus log2(len(slots))
	empty bool     // "" is in the set
}

func newWordSet(words []string) *wordSet {
	size := 8
	for size < 4*len(words) {
		size *= 2
	}
	s := &wordSet{slots: make([]string, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for _, w := range words {
		if w == "" {
			s.empty = true
			continue
		}
		i := s.slot(w)
		for s.slots[i] != "" && s.slots[i] != w {
			i = (i + 1) & (len(s.slots) - 1)
		}
		s.slots[i] = w
	}
	return s
}

// has reports whether w is in the set.
func (s *wordSet) has(w string) bool {
	if w == "" {
		return s.empty
	}
	for i := s.slot(w); ; i = (i + 1) & (len(s.slots) - 1) {
		switch s.slots[i] {
		case w:
			return true
		case "":
			return false
		}
	}
}

// slot is where the probe for w (not "") starts.
func (s *wordSet) slot(w string) int {
	var a, b uint64
	if n := len(w); n >= 8 {
		a, b = load64(w), load64(w[n-8:])
	} else {
		for i := 0; i < n; i++ {
			a = a<<8 | uint64(w[i])
		}
	}
	h := (a*0x9e3779b97f4a7c15 ^ b ^ uint64(len(w))) * 0xff51afd7ed558ccd
	return int(h >> s.shift)
}

// load64 is the first 8 bytes of s (len(s) >= 8), little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
