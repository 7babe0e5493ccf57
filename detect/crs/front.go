package crs

// front remembers the verdicts on a few recent values of one header, with
// their bytes inline, in front of the header's memo. A log's User-Agents
// and Referers are few and long (~110 bytes): the memo hashes every byte
// of one and then compares every byte, where front picks its slot from the
// length and three 8-byte samples and compares once. A value front does not
// hold (a collision, a long value, a new one) goes to the memo as before;
// front never answers for a value it does not hold byte for byte, so its
// slot choice can cost time, never a wrong verdict.
//
// An earlier front cache in front of every memo (3f97f62, reverted) hashed
// the key with maphash first, so a hit saved only the table read; this one
// saves the hash too, and stays on the headers, whose values repeat the
// most (26 User-Agents and 10 Referers in the generated 1 GB log, whose
// plainHeader went from 0.37-0.43 to 0.22-0.28 CPU-s). Values that collide
// on purpose cost a compare and a copy each, no more. 16 KB per header
// per worker.
type front struct {
	slots [frontSlots]frontSlot
}

const (
	frontSlots = 64  // a power of two
	frontKey   = 254 // the longest value a slot holds
)

type frontSlot struct {
	n      uint8 // value length + 1; 0 marks a free slot
	answer bool
	key    [frontKey]byte
}

// get returns the verdict front holds for v: each value has two slots,
// the one frontIndex names and its neighbour.
func (f *front) get(v string) (answer, ok bool) {
	if len(v) > frontKey {
		return false, false
	}
	i := frontIndex(v)
	for _, s := range [2]*frontSlot{&f.slots[i], &f.slots[i^1]} {
		if int(s.n) == len(v)+1 && string(s.key[:len(v)]) == v {
			return s.answer, true
		}
	}
	return false, false
}

// put stores v's verdict in its first slot, moving what was there to the
// second (whose value is forgotten).
func (f *front) put(v string, answer bool) {
	if len(v) > frontKey {
		return
	}
	i := frontIndex(v)
	s := &f.slots[i]
	if s.n != 0 {
		f.slots[i^1] = *s
	}
	s.n, s.answer = uint8(len(v)+1), answer
	copy(s.key[:], v)
}

// frontIndex picks v's slot from its length and the 8 bytes at its end,
// its middle and its 14th byte (after "Mozilla/5.0 (", which most
// User-Agents share): where values of one length differ, a version number
// or an operating system name, one of those usually is.
func frontIndex(v string) uint {
	n := len(v)
	x := uint64(n) * 0x9e3779b97f4a7c15
	if n >= 8 {
		x ^= load64(v, n-8)
		x = (x ^ x>>29) * 0xbf58476d1ce4e5b9
		x ^= load64(v, n/2-4)
		x = (x ^ x>>32) * 0x94d049bb133111eb
		if n >= 21 {
			x ^= load64(v, 13)
			x = (x ^ x>>29) * 0xbf58476d1ce4e5b9
		}
	} else {
		for i := 0; i < n; i++ {
			x = (x ^ uint64(v[i])) * 0x100000001b3
		}
	}
	return uint(x>>40) & (frontSlots - 1)
}

// load64 reads the 8 bytes of s at i, little-endian.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
