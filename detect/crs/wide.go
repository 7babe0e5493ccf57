package crs

import (
	"io/fs"
	"path/filepath"
	"strings"
)

// Query values in real traffic are often escaped or punctuated
// ("utm_campaign=Feed%3A+semicomplete%2Fmain+%28semicomplete.com%29"). A
// value holding '%', ':', '/', '(', ')' or ',' is decided by widePair: it is
// decoded as Coraza decodes ARGS, and every paranoia-1 rule that reads the
// query (queryRules: ARGS, ARGS_NAMES, QUERY_STRING, REQUEST_URI,
// REQUEST_URI_RAW, REQUEST_LINE) is asked about the forms its transformation
// chain can produce, as written (raw) and decoded. TestQueryRulesModelled
// proves the inventory; TestWideMutations replays payloads through Coraza.

// wideBytes are the bytes a value widePair decides may hold once decoded:
// those of a plain value and the punctuation of real query strings. A
// decoded '%', '+', '&', '=', quote, '\\', '*' or '#' would make some
// transformation (urlDecodeUni, htmlEntityDecode, jsDecode, replaceComments)
// or the query's own pair structure change the value, so it goes to Coraza.
var wideBytes = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/(),")

// wideRxBytes are the bytes of every form widePair hands the patterns: raw
// (escapes, '+', '='), decoded ('+' read as a space) and transformed.
var wideRxBytes = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/(),%+= ")

// wideWordBytes are the lowered bytes of the forms the word lists are asked
// about.
var wideWordBytes = alphabetOf("abcdefghijklmnopqrstuvwxyz0123456789-_.:/(),= ")

// queryTarget reports whether a rule target can read a query's names or
// values, raw or decoded.
func queryTarget(t string) bool {
	switch {
	case strings.HasPrefix(t, "!"), strings.HasPrefix(t, "&"):
		return false // an exclusion, or a count
	case strings.HasPrefix(t, "ARGS"), strings.HasPrefix(t, "QUERY_STRING"), strings.HasPrefix(t, "REQUEST_URI"),
		strings.HasPrefix(t, "REQUEST_LINE"):
		return true
	}
	return false
}

// queryRules lists the first conditions of the paranoia-1 request rules
// that read the query.
func queryRules(root fs.FS) ([]headerRule, error) { return firstConditions(root, queryTarget) }

// normalizePath is Coraza's t:normalizePath.
func normalizePath(v string) string {
	if v == "" {
		return v
	}
	c := filepath.Clean(v)
	if c == "." {
		return ""
	}
	if v[len(v)-1] == '/' {
		return c + "/"
	}
	return c
}

// pathStable reports whether t:normalizePath leaves v as it is and
// t:normalizePathWin leaves it as it is or only cuts it short (the ADS
// suffix from a ':' in the last segment on), which can hide a word but never
// make one: no segment it would trim (ending in '.' or ' '), and no ':' in
// a value ending in '/' (normalizePathWin would move that '/').
func pathStable(v string) bool {
	if v == "" || normalizePath(v) != v {
		return false
	}
	if strings.IndexByte(v, ':') >= 0 && v[len(v)-1] == '/' {
		return false
	}
	for _, seg := range strings.Split(v, "/") {
		if seg != "" && (seg[len(seg)-1] == '.' || seg[len(seg)-1] == ' ') {
			return false
		}
	}
	return true
}

// widePair decides a name=value pair whose plain name is followed by a
// value with escapes or punctuation: true means no paranoia-1 rule that
// reads the query can fire on it.
func (s *Screen) widePair(name, value string) bool {
	f := s.pre
	wideRx, wideWords := f.wide()
	if wideRx == nil || wideWords == nil {
		return false
	}
	d, ok := decodeWithin(value, wideBytes)
	if !ok || len(d) == 0 || strings.Contains(d, "..") {
		return false
	}
	cl := cmdLine(d)
	if !pathStable(d) || !pathStable(cl) {
		return false
	}
	// What the value rules see: decoded (urlDecodeUni, htmlEntityDecode,
	// jsDecode, cssDecode, utf8toUnicode, removeNulls, replaceComments leave
	// it as it is), without spaces, with runs of spaces collapsed, through
	// cmdLine, without "--" (removeCommentsChar). What the raw rules see:
	// the pair as written (REQUEST_URI_RAW) and decoded (QUERY_STRING and
	// REQUEST_LINE through urlDecodeUni, 930110 through cmdLine).
	pair := name + "=" + value
	forms := []string{
		d, strings.ReplaceAll(d, " ", ""), compressSpaces(d), cl,
		strings.ReplaceAll(d, "--", ""), name, value, pair, name + "=" + d, cmdLine(name + "=" + d),
	}
	// ARGS_NAMES is decoded too: "+" is a space there ("?env+whoami=a%2Fb").
	spaced := name
	if strings.IndexByte(name, '+') >= 0 {
		spaced = strings.ReplaceAll(name, "+", " ")
		forms = append(forms, spaced, strings.ReplaceAll(spaced, " ", ""), compressSpaces(spaced), cmdLine(spaced),
			spaced+"="+d, cmdLine(spaced+"="+d))
	}
	if s.wideScratch == nil {
		s.wideScratch = make([]uint64, wideRx.words())
	}
	var low [maxQuery + 1]byte
	for _, v := range forms {
		if len(v) > len(low) {
			return false
		}
		for i := 0; i < len(v); i++ {
			c := v[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[i] = c
		}
		lv := low[:len(v)]
		if wideWords.ContainsBytes(lv) || shellCommands[string(lv)] {
			return false
		}
		if wideRx.MatchString(v, s.wideScratch) {
			return false
		}
	}
	if injection(d) || injection(name) || injection(spaced) {
		return false
	}
	// 934100 reads the value without spaces, 934160 with them, after
	// t:base64Decode.
	return !s.base64Match(name) && !s.base64Match(d) && !s.base64Match(forms[1])
}

// compressSpaces is t:compressWhitespace on a value whose only whitespace
// is ' ': each run of spaces becomes one (none is trimmed).
func compressSpaces(v string) string {
	for strings.Contains(v, "  ") {
		v = strings.ReplaceAll(v, "  ", " ")
	}
	return v
}
