package source

import (
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// member is an archive member's name made safe to display.
type member struct {
	name     string // cleaned: relative, no "..", no "../", printable
	renamed  bool
	original string // strconv.Quote of the stored name when renamed
}

// newMember sanitises a stored member name. Nothing is ever extracted, but the
// name is shown to the user and written into reports, so it must not pretend
// to be an absolute path or to climb out of the archive, and must not carry
// control characters that could forge terminal or log output.
func newMember(stored string) member {
	var b strings.Builder
	b.Grow(len(stored))
	for i := 0; i < len(stored); {
		r, size := utf8.DecodeRuneInString(stored[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteString(`%` + strings.ToUpper(strconv.FormatUint(uint64(stored[i]), 16)))
		case r == '\\':
			// Zips made on Windows may use backslashes as separators.
			b.WriteByte('/')
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0x2029 || r == 0x202e:
			b.WriteString(`%` + strings.ToUpper(strconv.FormatUint(uint64(r), 16)))
		default:
			b.WriteRune(r)
		}
		i += size
	}
	s := b.String()
	// A drive letter ("C:/...") is absolute on Windows.
	if len(s) >= 2 && s[1] == ':' && (s[0]|0x20 >= 'a' && s[0]|0x20 <= 'z') {
		s = s[2:]
	}
	// Rooting the path first makes Clean drop every ".." that would climb
	// above the archive's top.
	s = strings.TrimPrefix(path.Clean("/"+s), "/")
	// A segment that merely ends in ".." ("x../y") is not a traversal, but
	// display names must never contain "../" at all.
	if strings.Contains(s, "../") {
		parts := strings.Split(s, "/")
		for i := range parts[:len(parts)-1] {
			if strings.HasSuffix(parts[i], "..") {
				parts[i] = strings.TrimSuffix(parts[i], "..") + "._"
			}
		}
		s = strings.Join(parts, "/")
	}
	if s == "" || s == "." {
		s = "_"
	}
	// The stored name counts as clean if only a trailing slash or a leading
	// "./" went.
	clean := s == stored || "./"+s == stored
	if clean {
		return member{name: s}
	}
	return member{name: s, renamed: true, original: strconv.Quote(stored)}
}
