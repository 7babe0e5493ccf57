package crs

import "hash/maphash"

// memo remembers a yes/no answer per string for one Screen: the prefilter's
// verdicts on URLs, headers, query pairs and values. It is what the hot path
// does on nearly every line, so it is built for that: open addressing over
// slots that hold no pointers, and keys copied into one byte arena per
// generation, so a lookup touches a slot and the key's bytes, an insertion
// allocates nothing once the tables have grown, and the garbage collector
// has nothing to scan.
//
// It keeps two generations: when the current one is full
// (by entries or by key bytes) it becomes the old one, whose space the next
// generation reuses; a hit in the old one is copied forward. Memory stays
// within two tables of limit entries and budget key bytes. Not safe for
// concurrent use.
type memo struct {
	seed     maphash.Seed
	limit    int // entries per generation
	budget   int // key bytes per generation
	cur, old memoTable
}

type memoTable struct {
	slots []memoSlot // a power of two, at most half full
	arena []byte
	n     int
}

type memoSlot struct {
	tag  uint32 // the hash's high half, with the low bit set: 0 marks a free slot
	off  uint32 // key's offset in the arena
	size uint32 // key length << 1 | answer
}

// memoKeyBytes is the key space a generation gets per entry: most values
// (paths, pairs, headers) are far shorter, and a log of long values turns
// generations over sooner rather than growing the arena.
const memoKeyBytes = 96

func newMemo(limit int) memo {
	half := max(limit/2, 1)
	return memo{seed: maphash.MakeSeed(), limit: half, budget: half * memoKeyBytes}
}

// get looks key up; it does not keep key.
func (m *memo) get(key string) (answer, ok bool) {
	if m.cur.n == 0 && m.old.n == 0 {
		return false, false
	}
	h := maphash.String(m.seed, key)
	// Both tables' first slots are read before either is searched: in a
	// large table each read is a cache miss, and a key missing from cur (a
	// first sighting, or one only old holds) would otherwise pay the two one
	// after the other. An empty first slot ends a search where it starts,
	// so a table whose first slot is empty need not be searched at all.
	c0, o0 := m.cur.first(h), m.old.first(h)
	if c0 != 0 {
		if a, ok := m.cur.find(h, key); ok {
			return a, true
		}
	}
	if o0 != 0 {
		if a, ok := m.old.find(h, key); ok {
			m.insert(h, key, a)
			return a, true
		}
	}
	return false, false
}

// first returns the tag of the slot where a search for h starts, 0 if t is
// empty.
func (t *memoTable) first(h uint64) uint32 {
	if t.n == 0 {
		return 0
	}
	return t.slots[h&uint64(len(t.slots)-1)].tag
}

// put stores answer under key (copied).
func (m *memo) put(key string, answer bool) {
	m.insert(maphash.String(m.seed, key), key, answer)
}

func (m *memo) insert(h uint64, key string, answer bool) {
	if len(key) > m.budget {
		return // never fits; refusing keeps the bound
	}
	if m.cur.n >= m.limit || len(m.cur.arena)+len(key) > m.budget {
		m.cur, m.old = m.old, m.cur
		m.cur.reset()
	}
	m.cur.add(m.seed, h, key, answer)
}

func (m *memo) len() int { return m.cur.n + m.old.n }

func tagOf(h uint64) uint32 { return uint32(h>>32) | 1 }

func (t *memoTable) find(h uint64, key string) (answer, ok bool) {
	if t.n == 0 {
		return false, false
	}
	mask := uint64(len(t.slots) - 1)
	tag := tagOf(h)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.tag == 0 {
			return false, false
		}
		if s.tag == tag && int(s.size>>1) == len(key) && string(t.arena[s.off:s.off+s.size>>1]) == key {
			return s.size&1 != 0, true
		}
	}
}

// add inserts a key not in t, growing the slots to keep them at most half
// full.
func (t *memoTable) add(seed maphash.Seed, h uint64, key string, answer bool) {
	if 2*(t.n+1) > len(t.slots) {
		t.grow(seed, max(16, 2*len(t.slots)))
	}
	off := len(t.arena)
	t.arena = append(t.arena, key...)
	size := uint32(len(key)) << 1
	if answer {
		size |= 1
	}
	t.place(h, memoSlot{tag: tagOf(h), off: uint32(off), size: size})
	t.n++
}

func (t *memoTable) place(h uint64, s memoSlot) {
	mask := uint64(len(t.slots) - 1)
	i := h & mask
	for t.slots[i].tag != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = s
}

// grow rehashes into n slots. The hash is not stored, so keys are hashed
// again from the arena; that happens only while a generation is young.
func (t *memoTable) grow(seed maphash.Seed, n int) {
	old := t.slots
	t.slots = make([]memoSlot, n)
	for _, s := range old {
		if s.tag != 0 {
			t.place(maphash.Bytes(seed, t.arena[s.off:s.off+s.size>>1]), s)
		}
	}
}

func (t *memoTable) reset() {
	clear(t.slots)
	t.arena = t.arena[:0]
	t.n = 0
}
