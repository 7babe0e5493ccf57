package crs

import (
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// maxReferer bounds the Referers plainReferer reads: longer than a plain
// User-Agent (maxPlain), as search engines' result and redirect URLs on
// real traffic run to 600-800 bytes; no Referer rule reads a length.
const maxReferer = 1024

// refPatterns are the @rx patterns of the rules that read the Referer,
// compiled whole, for a Referer whose URL-decoded form holds bytes outside
// ASCII (escaped UTF-8: "%E5%A4%A7", "%D0%BB"): refRx is cut to refBytes,
// so it cannot answer for such a value, and these can. Each is compiled as
// Coraza compiles an @rx ((?s), and (?m) as its default build adds), made
// case-insensitive (which only widens it and covers t:lowercase), and run
// by the same engine on the same bytes (Go's regexp, invalid UTF-8 read as
// U+FFFD). They are compiled the first time a Referer needs them: the
// generated logs never do.
type refPatterns struct {
	src  []string
	once sync.Once
	re   []*regexp.Regexp
	// unknown is set when a pattern did not compile or reads arbitrary
	// bytes (Coraza then matches bytes, not runes): every value may match.
	unknown bool
}

func newRefPatterns(rules []headerRule) *refPatterns {
	p := &refPatterns{}
	for _, r := range rules {
		if pat, ok := strings.CutPrefix(r.operator, "@rx "); ok {
			p.src = append(p.src, pat)
		}
	}
	return p
}

// MatchString reports whether one of the patterns matches one of forms,
// true when it cannot tell.
func (p *refPatterns) MatchString(forms ...string) bool {
	p.once.Do(func() {
		for _, s := range p.src {
			if binaryPattern(s) {
				p.unknown = true
				return
			}
			re, err := regexp.Compile("(?ism)" + s)
			if err != nil {
				p.unknown = true
				return
			}
			p.re = append(p.re, re)
		}
	})
	if p.unknown {
		return true
	}
	for _, re := range p.re {
		for _, v := range forms {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// binaryPattern reports whether pat holds an escape \xHH above 0x7f or a
// braced \x{…}, for which Coraza matches the pattern on bytes instead of
// runes: read conservatively, any escape of that shape counts.
func binaryPattern(pat string) bool {
	for i := 0; i+2 < len(pat); i++ {
		if pat[i] == '\\' && pat[i+1] == 'x' && (pat[i+2] == '{' || strings.IndexByte("89abcdefABCDEF", pat[i+2]) >= 0) {
			return true
		}
	}
	return false
}

// decodeReferer is t:urlDecodeUni on a Referer written in refBytes whose
// escapes decode to refBytes or to bytes above 0x7f: "+" a space, %HH its
// byte. It refuses any other Referer (a malformed escape, %uHHHH, a
// control byte, a NUL, "<", a backslash). wide reports a decoded byte
// above 0x7f.
func decodeReferer(s string) (d string, wide, ok bool) {
	var buf [maxReferer]byte
	if len(s) > len(buf) {
		return "", false, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 128 || !refBytes[c]:
			return "", false, false
		case c == '+':
			c = ' '
		case c == '%':
			if i+2 >= len(s) || !isHexByte(s[i+1]) || !isHexByte(s[i+2]) {
				return "", false, false
			}
			c = byte(hexVal(s[i+1 : i+3]))
			if c >= 128 {
				wide = true
			} else if !refBytes[c] {
				return "", false, false
			}
			i += 2
		}
		buf[n] = c
		n++
	}
	if n == len(s) && strings.IndexByte(s, '+') < 0 {
		return s, wide, true
	}
	return string(buf[:n]), wide, true
}

// removeWhitespace is t:removeWhitespace as Coraza runs it: every rune
// unicode.IsSpace calls a space dropped (U+00A0, U+2028, U+3000 as well
// as ASCII's), and an invalid UTF-8 byte read as U+FFFD.
func removeWhitespace(v string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, v)
}
