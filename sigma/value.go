package sigma

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// seg is one piece of a Sigma string value: a literal run, or a wildcard.
type seg struct {
	lit  string
	wild byte // 0 for a literal, '*' for any run of characters, '?' for exactly one
}

// pattern is a Sigma string value after escape processing.
type pattern []seg

// parsePattern reads a Sigma string: * and ? are wildcards; a backslash
// escapes *, ? and itself; a backslash before anything else is literal.
func parsePattern(s string) pattern {
	var p pattern
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p = append(p, seg{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				lit.WriteByte(s[i+1])
				i++
				continue
			}
			lit.WriteByte(c)
		case '*', '?':
			flush()
			p = append(p, seg{wild: c})
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	return p
}

func literal(s string) pattern {
	if s == "" {
		return nil
	}
	return pattern{{lit: s}}
}

func (p pattern) hasWildcards() bool {
	for _, s := range p {
		if s.wild != 0 {
			return true
		}
	}
	return false
}

// plain returns the literal text of a pattern without wildcards.
func (p pattern) plain() string {
	var b strings.Builder
	for _, s := range p {
		b.WriteString(s.lit)
	}
	return b.String()
}

func (p pattern) String() string {
	var b strings.Builder
	for _, s := range p {
		if s.wild != 0 {
			b.WriteByte(s.wild)
			continue
		}
		for i := 0; i < len(s.lit); i++ {
			if c := s.lit[i]; c == '*' || c == '?' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(s.lit[i])
		}
	}
	return b.String()
}

func (p pattern) withStar(front, back bool) pattern {
	out := make(pattern, 0, len(p)+2)
	if front && (len(p) == 0 || p[0].wild != '*') {
		out = append(out, seg{wild: '*'})
	}
	out = append(out, p...)
	if back && (len(out) == 0 || out[len(out)-1].wild != '*') {
		out = append(out, seg{wild: '*'})
	}
	return out
}

// mapLiterals applies f to every literal segment.
func (p pattern) mapLiterals(f func(string) string) pattern {
	out := make(pattern, len(p))
	for i, s := range p {
		if s.wild == 0 {
			s.lit = f(s.lit)
		}
		out[i] = s
	}
	return out
}

// longestLiteral is the longest literal run: what a prefilter can look for.
func (p pattern) longestLiteral() string {
	best := ""
	for _, s := range p {
		if len(s.lit) > len(best) {
			best = s.lit
		}
	}
	return best
}

// lower folds s for case-insensitive matching. ASCII without upper case is
// returned as is; invalid UTF-8 bytes are kept unchanged so hostile input
// folds deterministically. Rules and events are folded by the same function.
func lower(s string) string {
	if !needsLower(s) {
		return s
	}
	return string(appendLower(nil, s))
}

// upper8 has the high bit of each byte of x (eight ASCII bytes) set where
// the byte is an upper-case letter. Adding 0x3f to a byte below 0x80
// carries into its high bit exactly when it is >= 'A', adding 0x25 when it
// is > 'Z', and neither addition carries into the next byte.
func upper8(x uint64) uint64 {
	return (x + 0x3f3f3f3f3f3f3f3f) &^ (x + 0x2525252525252525) & 0x8080808080808080
}

const hibits = 0x8080808080808080

// needsLower and appendLower run on every folded field value a rule reads,
// so both take eight ASCII bytes at a time.
func needsLower(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if x&hibits != 0 || upper8(x) != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			return true
		}
	}
	return false
}

func appendLower(dst []byte, s string) []byte {
	// ASCII fast path: write in place, no per-byte append
	n := len(dst)
	dst = slices.Grow(dst, len(s))[:n+len(s)]
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64([]byte(s[i : i+8]))
		if x&hibits != 0 {
			break
		}
		binary.LittleEndian.PutUint64(dst[n+i:], x|upper8(x)>>2) // 0x80>>2 is 'a'-'A'
	}
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst[n+i] = c
	}
	if i == len(s) {
		return dst
	}
	dst = dst[:n+i]
	for i < len(s) {
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

// appendFoldKey appends s with every rune replaced by the folded form of the
// least member of its case-folding orbit (unicode.SimpleFold), and invalid
// bytes by U+FFFD, as the regexp package reads them. A case-insensitive
// regular expression matches runes by orbit: (?i)s matches 'ſ' (U+017F) and
// (?i)µ matches 'μ', which lower-casing the text does not bring together.
// The literals the compiler takes from such an expression are in this form
// already (the parser keeps the least rune of each orbit; the compiler
// lower-cases it), so this form of the text holds them wherever the
// expression can match.
func appendFoldKey(dst []byte, s string) []byte {
	for _, r := range s { // invalid bytes arrive as U+FFFD
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(m))
	}
	return dst
}

// isASCII reports whether s has no byte >= 0x80, eight bytes at a time.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64([]byte(s[i:i+8]))&hibits != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// strMatcher matches one pattern against a field value.
type strMatcher struct {
	op  uint8 // opExact, opPrefix, opSuffix, opContains, opAny, opGlob
	lit string
	p   pattern
}

const (
	opExact uint8 = iota
	opPrefix
	opSuffix
	opContains
	opAny
	opGlob
)

func newStrMatcher(p pattern) strMatcher {
	switch {
	case len(p) == 0:
		return strMatcher{op: opExact}
	case !p.hasWildcards():
		return strMatcher{op: opExact, lit: p.plain()}
	case len(p) == 1 && p[0].wild == '*':
		return strMatcher{op: opAny}
	case len(p) == 2 && p[0].wild == 0 && p[1].wild == '*':
		return strMatcher{op: opPrefix, lit: p[0].lit}
	case len(p) == 2 && p[0].wild == '*' && p[1].wild == 0:
		return strMatcher{op: opSuffix, lit: p[1].lit}
	case len(p) == 3 && p[0].wild == '*' && p[1].wild == 0 && p[2].wild == '*':
		return strMatcher{op: opContains, lit: p[1].lit}
	}
	return strMatcher{op: opGlob, p: p}
}

func (m *strMatcher) match(v string) bool {
	switch m.op {
	case opExact:
		return v == m.lit
	case opPrefix:
		return strings.HasPrefix(v, m.lit)
	case opSuffix:
		return strings.HasSuffix(v, m.lit)
	case opContains:
		return strings.Contains(v, m.lit)
	case opAny:
		return true
	}
	return globSegs(m.p, v)
}

// globSegs matches v against wildcard segments: greedy with backtracking to
// the last star only, so the cost stays O(len(p)·len(v)) on hostile input.
// '?' consumes one UTF-8 character (one byte when the input is not UTF-8).
func globSegs(p pattern, v string) bool {
	pi, vi := 0, 0
	starP, starV := -1, 0
	for {
		if pi < len(p) {
			s := p[pi]
			switch s.wild {
			case '*':
				starP, starV = pi, vi
				pi++
				continue
			case '?':
				if vi < len(v) {
					_, size := utf8.DecodeRuneInString(v[vi:])
					vi += size
					pi++
					continue
				}
			default:
				if strings.HasPrefix(v[vi:], s.lit) {
					vi += len(s.lit)
					pi++
					continue
				}
			}
		} else if vi == len(v) {
			return true
		}
		if starP < 0 || starV >= len(v) {
			return false
		}
		// let the last star absorb one more character and retry
		_, size := utf8.DecodeRuneInString(v[starV:])
		starV += size
		pi, vi = starP+1, starV
	}
}

// windashChars are the characters the windash modifier treats as equivalent.
var windashChars = []string{"-", "/", "–", "—", "―"}

const maxExpansion = 4096

// windash expands every dash-like character of the literal segments into all
// five variants.
func windash(p pattern) ([]pattern, error) {
	out := []pattern{nil}
	for _, s := range p {
		if s.wild != 0 {
			for i := range out {
				out[i] = append(out[i], s)
			}
			continue
		}
		// split the literal at dash-like characters
		parts := []string{""}
		var seps int
		for _, r := range s.lit {
			if isWindash(r) {
				parts = append(parts, "")
				seps++
				continue
			}
			parts[len(parts)-1] += string(r)
		}
		variants := []string{parts[0]}
		for _, part := range parts[1:] {
			next := make([]string, 0, len(variants)*len(windashChars))
			for _, v := range variants {
				for _, d := range windashChars {
					next = append(next, v+d+part)
				}
			}
			variants = next
			if len(variants)*len(out) > maxExpansion {
				return nil, fmt.Errorf("windash expands to more than %d values", maxExpansion)
			}
		}
		next := make([]pattern, 0, len(out)*len(variants))
		for _, o := range out {
			for _, v := range variants {
				np := append(append(pattern(nil), o...), seg{lit: v})
				next = append(next, np)
			}
		}
		out = next
	}
	return out, nil
}

func isWindash(r rune) bool {
	return r == '-' || r == '/' || r == '–' || r == '—' || r == '―'
}

func encodeUTF16(s string, bigEndian, bom bool) string {
	u := utf16.Encode([]rune(s))
	b := make([]byte, 0, 2*len(u)+2)
	if bom {
		if bigEndian {
			b = append(b, 0xFE, 0xFF)
		} else {
			b = append(b, 0xFF, 0xFE)
		}
	}
	for _, c := range u {
		if bigEndian {
			b = append(b, byte(c>>8), byte(c))
		} else {
			b = append(b, byte(c), byte(c>>8))
		}
	}
	return string(b)
}

// base64Offsets returns the three encodings of s that appear inside a longer
// base64 text whatever the alignment of s in it (pySigma's base64offset).
func base64Offsets(s string) []string {
	starts := [3]int{0, 2, 3}
	ends := [3]int{0, 3, 2} // chars to cut from the end, indexed by (len+i)%3
	out := make([]string, 0, 3)
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		end := len(enc) - ends[(len(s)+i)%3]
		if starts[i] >= end {
			continue
		}
		out = append(out, enc[starts[i]:end])
	}
	return out
}

// expandPlaceholders replaces %name% placeholders by each of their values;
// \% is a literal percent sign.
func expandPlaceholders(s string, values map[string][]string) ([]string, error) {
	out := []string{""}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) && s[i+1] == '%' {
			for j := range out {
				out[j] += "%"
			}
			i++
			continue
		}
		if c == '%' {
			end := strings.IndexByte(s[i+1:], '%')
			if end > 0 {
				name := s[i+1 : i+1+end]
				vals, ok := values[name]
				if !ok {
					return nil, fmt.Errorf("placeholder %%%s%% has no values in the pipeline", name)
				}
				next := make([]string, 0, len(out)*len(vals))
				for _, o := range out {
					for _, v := range vals {
						next = append(next, o+v)
					}
				}
				if len(next) > maxExpansion {
					return nil, fmt.Errorf("placeholders expand to more than %d values", maxExpansion)
				}
				out = next
				i += end + 1
				continue
			}
		}
		for j := range out {
			out[j] += s[i : i+1]
		}
	}
	return out, nil
}
