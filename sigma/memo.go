package sigma

import (
	"hash/maphash"
	"unsafe"
)

// The prefilter's Aho-Corasick scan costs a load per byte of every scanned
// value, and most of those bytes are values seen before: an access log has a
// few hundred distinct user agents in millions of lines, and status codes are
// a handful. The scan's result (the candidate bits of the value's route) is a
// function of the value alone, so it can be remembered: hashing and
// comparing a value costs a fraction of scanning it, and a number need not
// even be formatted. Numbers below smallInts (status codes) are remembered
// by value in a table of their own (valueMemo.small): one load, no hash, no
// key to compare, nothing evicted.
//
// A valueMemo lives in a scratch, which one goroutine owns while it matches,
// so it needs no lock. It is bounded whatever the input (a fixed number of
// entries, each key at most memoMaxLen bytes; a newer value evicts the one
// in its entry), and it switches itself off for a while when values do not
// repeat, so that a log of unique values pays little for it.
const (
	// smallInts bounds the numbers remembered by value (HTTP status codes
	// and the like): a table of 8 KB per numeric field.
	smallInts   = 1024
	memoBits    = 8
	memoEntries = 1 << memoBits
	// memoMinLen is the shortest text worth remembering: below it, the
	// hash and comparison cost about what the scan saves (measured on the
	// URLs of generated access logs). Remembering URLs from 8 or 16 bytes
	// on (89% of that log's are shorter than 32, and half of the lookups
	// would hit) was measured slower by 20-40 ns per event, with keys
	// inline in one 64-byte entry and a cheap hash as well as with this
	// memo: scanning ~23 bytes costs about what a lookup that leaves the
	// nearest caches does.
	memoMinLen = 32
	// memoMaxLen bounds a key, so a memo holds at most memoEntries ×
	// memoMaxLen bytes of keys.
	memoMaxLen = 512
	// Every memoWindow lookups, a memo with fewer than one hit in
	// memoMinHitRate is switched off for memoOffFor values.
	memoWindow     = 256
	memoMinHitRate = 4
	memoOffFor     = 8192
)

// valueMemo remembers the scans of one field of one route: text values by
// hash and key, numbers by value alone.
type valueMemo struct {
	seed    maphash.Seed
	words   int // candidate words per entry (the route's)
	entries [memoEntries]memoEntry
	// small holds, for a numeric field of a route of at most 63 rules, the
	// candidate bits of each number below smallInts met so far, as
	// bits<<1 | 1 (0: not met yet); nil until the first such number.
	small []uint64
	bits  []uint64 // memoEntries × words, unless words is 1 (memoEntry.one)
	// lookups and hits count the current window; off counts down the
	// values to pass by while switched off.
	lookups, hits, off int
}

// memoEntry is one remembered value; its parts share a cache line. For a
// route of at most 64 rules (every route of the rule pack) the entry holds
// the candidate bits itself, so that a hit reads the entry and the key,
// not a third line in a separate bits array: on a scan's hot path, where
// the other stages have pushed the memo out of the nearest caches, each
// line is a wait.
type memoEntry struct {
	hash uint64
	key  []byte
	one  uint64 // the candidate bits when the route has one word of them
	full bool
}

func newValueMemo(words int) *valueMemo {
	m := &valueMemo{seed: maphash.MakeSeed(), words: words}
	if words != 1 {
		m.bits = make([]uint64, memoEntries*words)
	}
	return m
}

// bitsOf returns entry e's candidate bits.
func (m *valueMemo) bitsOf(e uint64) []uint64 {
	if m.bits == nil {
		return unsafe.Slice(&m.entries[e].one, 1)
	}
	return m.bits[e*uint64(m.words) : (e+1)*uint64(m.words)]
}

// entry returns v's entry and whether it holds v's candidate bits. On a
// miss the entry is cleared and now belongs to v: the caller scans v into
// it. It returns nil while the memo is switched off.
func (m *valueMemo) entry(v string) (bits []uint64, hit bool) {
	if m.off > 0 {
		m.off--
		return nil, false
	}
	h := maphash.String(m.seed, v)
	e := h & (memoEntries - 1)
	en := &m.entries[e]
	if en.full && en.hash == h && string(en.key) == v {
		return m.found(e)
	}
	en.key = append(en.key[:0], v...)
	return m.claim(e, h)
}

// entryInt is entry for a number. Multiplying by an odd constant is a
// bijection of 64-bit integers, so equal hashes are equal numbers.
func (m *valueMemo) entryInt(n int64) (bits []uint64, hit bool) {
	if m.off > 0 {
		m.off--
		return nil, false
	}
	h := uint64(n) * 0x9e3779b97f4a7c15
	e := h >> (64 - memoBits)
	if en := &m.entries[e]; en.full && en.hash == h {
		return m.found(e)
	}
	return m.claim(e, h)
}

func (m *valueMemo) found(e uint64) ([]uint64, bool) {
	m.hits++
	m.count()
	return m.bitsOf(e), true
}

func (m *valueMemo) claim(e, h uint64) ([]uint64, bool) {
	m.entries[e].full, m.entries[e].hash = true, h
	bits := m.bitsOf(e)
	clear(bits)
	m.count()
	return bits, false
}

// count ends a window every memoWindow lookups, switching the memo off when
// it did not pay.
func (m *valueMemo) count() {
	if m.lookups++; m.lookups < memoWindow {
		return
	}
	if m.hits*memoMinHitRate < m.lookups {
		m.off = memoOffFor
	}
	m.lookups, m.hits = 0, 0
}
