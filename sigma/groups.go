package sigma

import "hash/maphash"

// groupIndex finds the number of a group-by value of a Correlator
// (Correlator.intern gives a value not seen before the next number and adds
// it, so numbers follow first appearance, as with the map it replaced).
// Correlator.Add looks one
// up for every match of a correlated rule, among tens of thousands of
// client addresses on a long access log, so the lookup is built to touch
// one cache line: open addressing over 32-byte slots that hold the hash's
// tag, the number and, for values of up to groupInline bytes (every IPv4
// address, most user names), the value itself. A Go map touches its
// control word and slot, then the key's bytes elsewhere on the heap.
// Longer values are compared with the Correlator's copy (vals).
type groupIndex struct {
	seed  maphash.Seed
	slots []groupSlot // a power of two, at most half full
	n     int
}

const groupInline = 23

type groupSlot struct {
	tag uint32 // the hash's high half with the low bit set; 0: free
	id  int32
	n   uint8 // the value's length when inline, else groupLong
	key [groupInline]byte
}

const groupLong = 0xff

func tagOf(h uint64) uint32 { return uint32(h>>32) | 1 }

// find returns the number of g, which vals (by number) must hold for every
// value added.
func (x *groupIndex) find(g []byte, vals []string) (int32, bool) {
	if x.n == 0 {
		return 0, false
	}
	h := maphash.Bytes(x.seed, g)
	tag := tagOf(h)
	mask := uint64(len(x.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &x.slots[i]
		if s.tag == 0 {
			return 0, false
		}
		if s.tag != tag {
			continue
		}
		if len(g) <= groupInline {
			if int(s.n) == len(g) && string(s.key[:s.n]) == string(g) {
				return s.id, true
			}
		} else if s.n == groupLong && vals[s.id] == string(g) {
			return s.id, true
		}
	}
}

// add records that vals[id], not in x yet, has number id; vals holds
// every value added before (growing rehashes them from there).
func (x *groupIndex) add(vals []string, id int32) {
	if 2*(x.n+1) > len(x.slots) {
		old := x.slots
		x.slots = make([]groupSlot, max(64, 2*len(old)))
		for i := range old {
			if old[i].tag != 0 {
				x.place(maphash.String(x.seed, vals[old[i].id]), old[i])
			}
		}
	}
	v := vals[id]
	h := maphash.String(x.seed, v)
	s := groupSlot{tag: tagOf(h), id: id, n: groupLong}
	if len(v) <= groupInline {
		s.n = uint8(copy(s.key[:], v))
	}
	x.place(h, s)
	x.n++
}

func (x *groupIndex) place(h uint64, s groupSlot) {
	mask := uint64(len(x.slots) - 1)
	i := h & mask
	for x.slots[i].tag != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = s
}
