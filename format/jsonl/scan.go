package jsonl

import (
	"strings"
	"unicode/utf8"
)

// maxDepth caps nesting: a hostile line of a million '[' must not recurse a
// million frames deep.
const maxDepth = 64

// maxKey caps a flattened key's length. Without it a deep chain of long keys
// over many leaves would allocate far more key bytes than the line holds.
const maxKey = 512

// scanner walks one JSON object and reports its leaves with dotted keys. It
// is a small hand-written parser rather than encoding/json because it must
// hand out substrings of the line (no copy unless a string has escapes),
// bound its own depth, and accept nginx's "\xHH" escapes (log_format without
// escape=json writes them), which encoding/json rejects.
type scanner struct {
	s     string
	i     int
	depth int
	kb    []byte // the current leaf's dotted key
	// leaf receives each leaf. key is the leaf's key when it is a substring
	// of the line (a top-level key without escapes); otherwise it is "" and
	// the key is in kb, which the receiver may read without copying (and
	// must copy to keep). typ is '"' string, '0' number, 't' true/false or
	// '[' array (val is then the array's JSON text).
	leaf func(key, val string, typ byte)
}

// object parses the object starting at sc.i; kb[:prefix] holds the dotted
// key of the object (prefix 0 at the top).
func (sc *scanner) object(prefix int) bool {
	sc.depth++
	if sc.depth > maxDepth {
		return false
	}
	sc.i++ // '{'
	sc.ws()
	if sc.i < len(sc.s) && sc.s[sc.i] == '}' {
		sc.i++
		sc.depth--
		return true
	}
	for {
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
			return false
		}
		k, ok := sc.str()
		if !ok {
			return false
		}
		direct := ""
		if sc.depth == 1 {
			direct = k
			sc.kb = append(sc.kb[:0], k...)
		} else {
			sc.kb = append(append(sc.kb[:prefix], '.'), k...)
		}
		if len(sc.kb) > maxKey {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
			return false
		}
		sc.i++
		sc.ws()
		if !sc.value(direct) {
			return false
		}
		sc.ws()
		if sc.i >= len(sc.s) {
			return false
		}
		switch sc.s[sc.i] {
		case ',':
			sc.i++
		case '}':
			sc.i++
			sc.depth--
			return true
		default:
			return false
		}
	}
}

// value parses one value for key and reports it (objects recurse).
func (sc *scanner) value(key string) bool {
	if sc.i >= len(sc.s) {
		return false
	}
	switch c := sc.s[sc.i]; {
	case c == '{':
		return sc.object(len(sc.kb))
	case c == '[':
		start := sc.i
		if !sc.skip() {
			return false
		}
		sc.leaf(key, sc.s[start:sc.i], '[')
		return true
	case c == '"':
		v, ok := sc.str()
		if ok {
			sc.leaf(key, v, '"')
		}
		return ok
	case c == '-' || c >= '0' && c <= '9':
		start := sc.i
		if !sc.number() {
			return false
		}
		sc.leaf(key, sc.s[start:sc.i], '0')
		return true
	case strings.HasPrefix(sc.s[sc.i:], "true"):
		sc.i += 4
		sc.leaf(key, "true", 't')
		return true
	case strings.HasPrefix(sc.s[sc.i:], "false"):
		sc.i += 5
		sc.leaf(key, "false", 't')
		return true
	case strings.HasPrefix(sc.s[sc.i:], "null"):
		sc.i += 4 // absent, as far as an event is concerned
		return true
	}
	return false
}

// skip validates and passes over any value without reporting it (array
// elements: an array is kept whole, as its JSON text).
func (sc *scanner) skip() bool {
	if sc.i >= len(sc.s) {
		return false
	}
	switch c := sc.s[sc.i]; {
	case c == '{' || c == '[':
		sc.depth++
		if sc.depth > maxDepth {
			return false
		}
		end := byte('}')
		if c == '[' {
			end = ']'
		}
		sc.i++
		sc.ws()
		if sc.i < len(sc.s) && sc.s[sc.i] == end {
			sc.i++
			sc.depth--
			return true
		}
		for {
			sc.ws()
			if c == '{' {
				if sc.i >= len(sc.s) || sc.s[sc.i] != '"' {
					return false
				}
				if _, ok := sc.str(); !ok {
					return false
				}
				sc.ws()
				if sc.i >= len(sc.s) || sc.s[sc.i] != ':' {
					return false
				}
				sc.i++
				sc.ws()
			}
			if !sc.skip() {
				return false
			}
			sc.ws()
			if sc.i >= len(sc.s) {
				return false
			}
			if sc.s[sc.i] == ',' {
				sc.i++
				continue
			}
			if sc.s[sc.i] == end {
				sc.i++
				sc.depth--
				return true
			}
			return false
		}
	case c == '"':
		_, ok := sc.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return sc.number()
	case strings.HasPrefix(sc.s[sc.i:], "true"):
		sc.i += 4
		return true
	case strings.HasPrefix(sc.s[sc.i:], "false"):
		sc.i += 5
		return true
	case strings.HasPrefix(sc.s[sc.i:], "null"):
		sc.i += 4
		return true
	}
	return false
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\n':
			sc.i++
		default:
			return
		}
	}
}

// number passes over a JSON number.
func (sc *scanner) number() bool {
	s, i := sc.s, sc.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return false
		}
	}
	sc.i = i
	return true
}

// str reads the string starting at sc.i (on its quote) and returns its
// value: a substring of the line when it has no escapes.
func (sc *scanner) str() (string, bool) {
	s := sc.s
	start := sc.i + 1
	escaped := false
	for i := start; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			sc.i = i + 1
			if !escaped {
				return s[start:i], true
			}
			return unescape(s[start:i])
		case c == '\\':
			escaped = true
			i++ // the escaped byte; unescape validates it
		case c < 0x20:
			return "", false
		}
	}
	return "", false
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for i := 0; i < 4; i++ {
		v, ok := unhex(s[i])
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}

// unescape decodes JSON escapes, plus nginx's \xHH (one raw byte).
func unescape(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", false
		}
		switch s[i] {
		case '"', '\\', '/':
			b.WriteByte(s[i])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'x':
			if i+2 >= len(s) {
				return "", false
			}
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			b.WriteByte(hi<<4 | lo)
			i += 2
		case 'u':
			r, ok := hex4(s[i+1:])
			if !ok {
				return "", false
			}
			i += 4
			if utf8.RuneLen(r) < 0 { // a surrogate: pair it or replace it
				if r < 0xdc00 && strings.HasPrefix(s[i+1:], `\u`) {
					if r2, ok := hex4(s[i+3:]); ok && r2 >= 0xdc00 && r2 < 0xe000 {
						r = (r-0xd800)<<10 + (r2 - 0xdc00) + 0x10000
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	return b.String(), true
}
