package investigate

import (
	"math/bits"

	"github.com/kizuki-dfir/kizuki/scan"
)

// wordSet is an exact set of a few hundred short strings (suspect
// addresses), asked once for every line of the second pass whether it holds
// the line's first field. A word of up to 16 bytes is kept as two machine
// words and its length, so a lookup compares integers (no string data is
// fetched) in a table a quarter full that stays in the first-level cache;
// a Go map would hash every byte with a seeded hash and compare strings.
//
// The hash is not keyed: lines can be crafted to land on one slot, but a
// lookup probes only the run of occupied slots at its position, and those
// hold the set's own words (at most all of them), whatever the lines hold.
type wordSet struct {
	slots []wordSlot
	shift uint // 64 minus log2(len(slots))
	empty bool // "" is in the set
	// seen has, for each word, the bit its hash's top bits choose (those
	// that choose its slot and 4 more): nearly every line's first field
	// finds its bit clear, and the probe's branches are left to the few
	// that do.
	seen      []uint64
	seenShift uint
}

// wordSlot is one word: its first 16 bytes as two little-endian words
// (zero past its end), its length (0: the slot is empty), and the word
// itself, compared only when it is longer than 16 bytes.
type wordSlot struct {
	lo, hi uint64
	n      int
	s      string
}

func newWordSet(words []string) *wordSet {
	size := 8
	for size < 4*len(words) {
		size *= 2
	}
	s := &wordSet{slots: make([]wordSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	seen := 16 * size // bits: a clear one for all but about 1 in 64 other words
	s.seen, s.seenShift = make([]uint64, seen/64), uint(64-bits.TrailingZeros(uint(seen)))
	for _, w := range words {
		if w == "" {
			s.empty = true
			continue
		}
		if !s.has(w) {
			lo, hi := words16(w)
			h := hash16(lo, hi, len(w))
			s.seen[h>>s.seenShift/64] |= 1 << (h >> s.seenShift % 64)
			i := int(h >> s.shift)
			for s.slots[i].n != 0 {
				i = (i + 1) & (len(s.slots) - 1)
			}
			s.slots[i] = wordSlot{lo: lo, hi: hi, n: len(w), s: w}
		}
	}
	return s
}

// has reports whether w is in the set.
func (s *wordSet) has(w string) bool {
	if w == "" {
		return s.empty
	}
	lo, hi := words16(w)
	return s.find(lo, hi, w)
}

// hasFirstField is has(scan.FirstField(line)). When the line's first space
// is among its first 16 bytes (an IPv4 address and most IPv6 ones), it is
// found in the two words loaded for the lookup, with no byte search.
func (s *wordSet) hasFirstField(line string) bool {
	if len(line) < 16 {
		return s.has(scan.FirstField(line))
	}
	a, b := load64(line), load64(line[8:])
	if k := spaceIn(a); k < 8 {
		if k == 0 {
			return s.empty
		}
		return s.find(a&(1<<(8*k)-1), 0, line[:k])
	}
	if k := spaceIn(b); k < 8 {
		return s.find(a, b&(1<<(8*k)-1), line[:8+k])
	}
	return s.has(scan.FirstField(line))
}

// find reports whether w (not ""), whose first 16 bytes are lo and hi, is
// in the set.
func (s *wordSet) find(lo, hi uint64, w string) bool {
	h := hash16(lo, hi, len(w))
	if s.seen[h>>s.seenShift/64]&(1<<(h>>s.seenShift%64)) == 0 {
		return false
	}
	for i := int(h >> s.shift); ; i = (i + 1) & (len(s.slots) - 1) {
		e := &s.slots[i]
		if e.n == 0 {
			return false
		}
		if e.lo == lo && e.hi == hi && e.n == len(w) && (len(w) <= 16 || e.s == w) {
			return true
		}
	}
}

// hash16 is the hash of a word of n bytes whose first 16 are lo and hi.
func hash16(lo, hi uint64, n int) uint64 {
	return (lo*0x9e3779b97f4a7c15 ^ hi ^ uint64(n)) * 0xff51afd7ed558ccd
}

// words16 is the first 16 bytes of w as two little-endian words, zero past
// its end.
func words16(w string) (lo, hi uint64) {
	var b [16]byte
	copy(b[:], w)
	return load64(string(b[:8])), load64(string(b[8:]))
}

// spaceIn is the index of the first ' ' among the 8 bytes of x (little-
// endian), 8 if there is none. Of the bytes the test flags, the lowest is
// always a space; those above it may not be.
func spaceIn(x uint64) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	y := x ^ (' ' * ones) // a space becomes a zero byte
	return bits.TrailingZeros64((y-ones)&^y&highs) / 8
}

// load64 is the first 8 bytes of s (len(s) >= 8), little-endian.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
