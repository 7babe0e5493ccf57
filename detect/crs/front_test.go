package crs

import (
	"math/rand"
	"strings"
	"testing"
)

// TestFront drives a front the way plainHeader does (look up; on a miss,
// store the value's verdict) with values built to collide: every value of
// a pool has the same length and the same bytes where frontIndex samples
// (its end, its middle, its 14th byte), differing in one byte elsewhere,
// next to values of other lengths and values too long to hold. A verdict
// is a function of the value, so any answer for the wrong value shows; a
// value just stored must be found, and one too long never is.
func TestFront(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	verdict := func(v string) bool {
		h := uint32(2166136261)
		for i := 0; i < len(v); i++ {
			h = (h ^ uint32(v[i])) * 16777619
		}
		return h&1 == 1
	}
	var pool []string
	base := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
	for i := 0; i < 40; i++ {
		b := []byte(base)
		b[30+i%20] = byte('a' + i/20 + i%7) // not a sampled byte
		b[4] = byte('A' + i)
		pool = append(pool, string(b))
	}
	for n := 0; n < 40; n++ {
		pool = append(pool, strings.Repeat("r", n), base[:n])
	}
	pool = append(pool, strings.Repeat("x", frontKey), strings.Repeat("x", frontKey+1), strings.Repeat("y", maxPlain))
	same := 0
	for i := 1; i < 40; i++ {
		if frontIndex(pool[i]) == frontIndex(pool[0]) {
			same++
		}
	}
	if same < 30 {
		t.Fatalf("only %d of the colliding values share a slot: the test would check little", same)
	}
	var f front
	for i := 0; i < 200000; i++ {
		v := pool[r.Intn(len(pool))]
		a, ok := f.get(v)
		if ok && a != verdict(v) {
			t.Fatalf("front answered %v for %q, its verdict is %v", a, v, !a)
		}
		if ok && len(v) > frontKey {
			t.Fatalf("front holds %d bytes, more than frontKey", len(v))
		}
		if !ok {
			f.put(v, verdict(v))
			if a, ok := f.get(v); len(v) <= frontKey && (!ok || a != verdict(v)) {
				t.Fatalf("%q not found (%v, %v) right after put", v, a, ok)
			}
		}
	}
}
