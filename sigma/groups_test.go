package sigma

import (
	"fmt"
	"hash/maphash"
	"math/rand"
	"strings"
	"testing"
)

// TestGroupIndexAgainstMap numbers random values with a groupIndex and with
// a map, as Correlator.intern does, and requires the same numbers: values
// at and around the inline limit, long ones compared through vals, values
// that share a prefix or differ only in their last byte, non-ASCII, and
// enough of them to make the table grow several times.
func TestGroupIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	var pool []string
	for i := 0; i < 3000; i++ {
		switch i % 6 {
		case 0:
			pool = append(pool, fmt.Sprintf("10.%d.%d.%d", r.Intn(4), r.Intn(256), r.Intn(256)))
		case 1:
			n := groupInline - 2 + r.Intn(5) // 21..25 bytes
			pool = append(pool, strings.Repeat("x", n-1)+string(rune('a'+r.Intn(3))))
		case 2:
			pool = append(pool, fmt.Sprintf("2001:db8::%x:%x\x1fuser-%d", r.Intn(65536), r.Intn(65536), r.Intn(50)))
		case 3:
			pool = append(pool, strings.Repeat("ä", r.Intn(20))+fmt.Sprint(r.Intn(10)))
		case 4:
			pool = append(pool, strings.Repeat("long value ", 1+r.Intn(8))+fmt.Sprint(r.Intn(100)))
		case 5:
			pool = append(pool, string(rune('a'+r.Intn(26)))) // one byte, and ""
			if r.Intn(50) == 0 {
				pool = append(pool, "")
			}
		}
	}
	x := groupIndex{seed: maphash.MakeSeed()}
	var vals []string
	want := map[string]int32{}
	for i := 0; i < 20000; i++ {
		v := pool[r.Intn(len(pool))]
		id, ok := x.find([]byte(v), vals)
		wid, wok := want[v]
		if ok != wok || id != wid {
			t.Fatalf("lookup %d of %q: (%d, %v), want (%d, %v)", i, v, id, ok, wid, wok)
		}
		if !ok {
			id = int32(len(vals))
			vals = append(vals, v)
			x.add(vals, id)
			want[v] = id
		}
	}
	if x.n != len(want) || len(x.slots) < 2*x.n {
		t.Fatalf("%d values in %d slots, want %d at most half full", x.n, len(x.slots), len(want))
	}
}

// TestGroupIndexSameTag plants, under the tag of a value b, a slot for
// another value a, as a full collision of the tag would: the comparison of
// the values, inline or through vals, must decide.
func TestGroupIndexSameTag(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"192.0.2.1", "192.0.2.2"},
		{strings.Repeat("u", groupInline), strings.Repeat("u", groupInline-1)},
		{strings.Repeat("v", 40) + "1", strings.Repeat("v", 40) + "2"},
		{strings.Repeat("w", groupInline), strings.Repeat("w", groupInline+1)},
	} {
		x := groupIndex{seed: maphash.MakeSeed()}
		vals := []string{c.a}
		x.add(vals, 0)
		// move a's slot to where b's lookup starts, under b's tag
		hb := maphash.String(x.seed, c.b)
		var s groupSlot
		for i := range x.slots {
			if x.slots[i].tag != 0 {
				s = x.slots[i]
				x.slots[i] = groupSlot{}
			}
		}
		s.tag = tagOf(hb)
		x.slots[hb&uint64(len(x.slots)-1)] = s
		if id, ok := x.find([]byte(c.b), vals); ok {
			t.Fatalf("%q found as %d in a slot holding %q", c.b, id, c.a)
		}
	}
}
