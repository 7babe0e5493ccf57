package ac

import (
	"math/rand"
	"strings"
	"testing"
)

// TestAgainstContains compares the automaton with strings.Contains on
// random literal sets over a small alphabet (so overlaps are frequent), with
// upper-case letters in both literals and values; with tables of 2-byte
// entries (what automata this small get) and of 4-byte ones.
func TestAgainstContains(t *testing.T) {
	t.Run("narrow", testAgainstContains)
	t.Run("wide", func(t *testing.T) {
		defer func(n int64) { narrowMax = n }(narrowMax)
		narrowMax = 0
		testAgainstContains(t)
	})
}

func testAgainstContains(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func(min, max int) string {
		b := make([]byte, min+r.Intn(max-min+1))
		for i := range b {
			b[i] = "abcAB\x00\xff"[r.Intn(7)]
		}
		return string(b)
	}
	for iter := 0; iter < 500; iter++ {
		n := 1 + r.Intn(20)
		lits := make([]string, n)
		owners := make([][]int32, n)
		for i := range lits {
			lits[i] = word(0, 5)
			owners[i] = []int32{int32(i)}
		}
		m := New(lits, owners)
		set := New(lits, nil)
		if wantNarrow := narrowMax > 0; (m.narrow != nil) != wantNarrow || (m.delta != nil) == wantNarrow {
			t.Fatalf("narrowMax %d: a %d-byte table stored narrow=%v", narrowMax, m.Size(), m.narrow != nil)
		}
		for k := 0; k < 20; k++ {
			s := word(0, 40)
			bits := make([]uint64, 1)
			m.Scan(s, bits)
			anyWant := false
			for i, l := range lits {
				want := strings.Contains(strings.ToLower(s), strings.ToLower(l))
				anyWant = anyWant || want
				if got := bits[0]&(1<<uint(i)) != 0; got != want {
					t.Fatalf("literal %q in %q: got %v want %v", l, s, got, want)
				}
			}
			ascii := true
			for i := 0; i < len(s); i++ {
				ascii = ascii && s[i] < 0x80
			}
			bits2 := make([]uint64, 1)
			if got := m.ScanASCII(s, bits2); got != ascii || bits2[0] != bits[0] {
				t.Fatalf("ScanASCII(%q) = %v, bits %b; want %v, bits %b (Scan)", s, got, bits2[0], ascii, bits[0])
			}
			if m.Contains(s) != anyWant || set.Contains(s) != anyWant || set.ContainsBytes([]byte(s)) != anyWant {
				t.Fatalf("Contains(%q) with %q: want %v", s, lits, anyWant)
			}
		}
	}
}

// TestNarrowLimit builds automata at the edge of the 2-byte table: one
// literal of n a's has n+1 states and 2 classes, so 4(n+1) table bytes. At
// 65,536 bytes the last row offset is 65,532 and the table is narrow; 4
// bytes more and a row offset would be 65,536, which 16 bits cannot hold,
// so it must be wide. Each must find the literal exactly when it occurs
// (a wrapped offset would send the scan back to the root).
func TestNarrowLimit(t *testing.T) {
	for _, c := range []struct {
		n      int
		narrow bool
	}{{16382, true}, {16383, true}, {16384, false}, {16385, false}} {
		lit := strings.Repeat("a", c.n)
		m := New([]string{lit}, nil)
		if (m.narrow != nil) != c.narrow {
			t.Fatalf("%d a's: %d-byte table, narrow=%v, want %v", c.n, m.Size(), m.narrow != nil, c.narrow)
		}
		for _, v := range []string{lit[1:], lit, "b" + strings.ToUpper(lit) + "b", strings.Repeat("a", c.n-2) + "ba"} {
			want := strings.Contains(strings.ToLower(v), lit)
			bits := make([]uint64, 1)
			m.Scan(v, bits)
			if got := m.Contains(v); got != want || (bits[0] == 1) != want || m.ContainsBytes([]byte(v)) != want {
				t.Fatalf("%d a's in a %d-byte value: Contains %v, Scan %b, want %v", c.n, len(v), got, bits[0], want)
			}
		}
	}
}

func TestTooLarge(t *testing.T) {
	long := strings.Repeat("x", MaxTable/2)
	if m := New([]string{long, "ab"}, nil); m != nil {
		t.Fatalf("New built a %d-byte table past MaxTable", m.Size())
	}
}

func BenchmarkContains(b *testing.B) {
	m := New([]string{"union", "select", "sleep(", "/etc/passwd", "<script"}, nil)
	s := `GET /api/v1/products?category=shoes&limit=24&offset=696 HTTP/1.1 Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36`
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if m.Contains(s) {
			b.Fatal("hit")
		}
	}
}

// webMatcher is an automaton over a hundred literals of the kind the Sigma
// web rules own, and a typical user agent holding none of them.
func webMatcher() (*Matcher, string) {
	var lits []string
	var owners [][]int32
	for i, l := range strings.Fields(`sqlmap/ nikto gobuster/ dirbuster (dirb) wfuzz/ nuclei hydra masscan/ zgrab/ wpscan whatweb/ acunetix netsparker commix/ feroxbuster/ openvas havij ;id %3bid |id %7cid $(id) uname%20-a uname+-a /bin/sh /bin/bash bash%20-i nc%20-e wget%20http curl%20http python%20-c base64%20-d cmd=whoami cmd=id cmd=ls exec=id login signin logon xmlrpc ../ ..%2f %2e%2e /etc/passwd /etc/shadow win.ini boot.ini union%20select union+select sleep( benchmark( waitfor%20delay information_schema or%201=1 '%20or%20' /uploads/ /images/ .php .jsp .aspx`) {
		lits = append(lits, l)
		owners = append(owners, []int32{int32(i % 64)})
	}
	return New(lits, owners), `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36`
}

// BenchmarkScan scans a typical user agent with webMatcher.
func BenchmarkScan(b *testing.B) {
	m, s := webMatcher()
	bits := make([]uint64, 1)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		m.Scan(s, bits)
	}
}

// BenchmarkScanASCII is BenchmarkScan also telling whether the value is
// ASCII: what the Sigma prefilter runs.
func BenchmarkScanASCII(b *testing.B) {
	m, s := webMatcher()
	bits := make([]uint64, 1)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		if !m.ScanASCII(s, bits) {
			b.Fatal("not ASCII")
		}
	}
}

// TestTrieStates: New allocates the trie for trieStates states; the count
// must be the trie's, which a map of distinct prefixes gives the slow way.
func TestTrieStates(t *testing.T) {
	sets := [][]string{nil, {""}, {"a"}, {"abc", "abd", "ab", "b", "abc", ""}, {"he", "she", "his", "hers"}}
	rng := rand.New(rand.NewSource(1))
	for k := 0; k < 200; k++ {
		var set []string
		for n := rng.Intn(40); n > 0; n-- {
			b := make([]byte, rng.Intn(8))
			for i := range b {
				b[i] = "abc"[rng.Intn(3)]
			}
			set = append(set, string(b))
		}
		sets = append(sets, set)
	}
	for _, set := range sets {
		prefixes := map[string]bool{"": true}
		for _, l := range set {
			for i := 1; i <= len(l); i++ {
				prefixes[l[:i]] = true
			}
		}
		if got := trieStates(set); got != len(prefixes) {
			t.Errorf("%q: %d states, want %d", set, got, len(prefixes))
		}
	}
}
