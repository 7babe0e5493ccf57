package sigma

import (
	"math/rand"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refAppendLower is appendLower as it was before the eight-byte fast path:
// byte by byte, the reference the fast path must reproduce.
func refAppendLower(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = append(dst, c)
			i++
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += size
	}
	return dst
}

// TestFoldingFastPaths compares appendLower and needsLower with
// byte-by-byte references on random strings made of the bytes around the
// boundaries the eight-byte tricks rely on ('@' 'A' 'Z' '[' '`' 'a' 'z' '{',
// 0x7f, 0x80, 0xff, multi-byte letters, invalid UTF-8), at every alignment.
func TestFoldingFastPaths(t *testing.T) {
	pieces := []string{"@", "A", "Z", "[", "`", "a", "z", "{", "\x00", "\x7f", "\x80", "\xff", "M", "q", "5", " ", "Ä", "İ", "Σ", "é", "\xc3"}
	r := rand.New(rand.NewSource(1))
	for iter := 0; iter < 20000; iter++ {
		var b []byte
		for n := r.Intn(40); n > 0; n-- {
			b = append(b, pieces[r.Intn(len(pieces))]...)
		}
		s := string(b)
		prefix := []byte("pre")[:r.Intn(4)]
		want := string(refAppendLower(append([]byte(nil), prefix...), s))
		if got := string(appendLower(append([]byte(nil), prefix...), s)); got != want {
			t.Fatalf("appendLower(%q, %q) = %q, want %q", prefix, s, got, want)
		}
		wantNeeds := false
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf || 'A' <= s[i] && s[i] <= 'Z' {
				wantNeeds = true
			}
		}
		if needsLower(s) != wantNeeds {
			t.Fatalf("needsLower(%q) = %v", s, !wantNeeds)
		}
	}
	// every byte value in every position of an eight-byte word
	for c := 0; c < 256; c++ {
		for pos := 0; pos < 8; pos++ {
			b := []byte("xxxxxxxxx")
			b[pos] = byte(c)
			s := string(b)
			if got, want := string(appendLower(nil, s)), string(refAppendLower(nil, s)); got != want {
				t.Fatalf("appendLower(%q) = %q, want %q", s, got, want)
			}
		}
	}
}
