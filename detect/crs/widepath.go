package crs

import (
	"io/fs"
	"regexp"
	"strings"
	"sync"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// Paths on real servers name files and tags with spaces
// ("/blog/tags/jquery%20mobile", "/recipes/Baked%20Spaghetti.doc"). A path
// whose only bytes outside plainPath's alphabet are "%20" escapes, each
// between two plain bytes other than '/', is decided by widePath: decoded
// as Coraza decodes REQUEST_FILENAME, and every paranoia-1 rule that reads
// the path (pathRules: REQUEST_FILENAME, REQUEST_BASENAME, REQUEST_URI,
// REQUEST_URI_RAW, REQUEST_LINE) is asked about the forms its
// transformation chain can produce, raw and decoded. TestPathRulesModelled
// proves the inventory; TestWidePathMutations replays payloads through
// Coraza.

// pathTarget reports whether a rule target can read the request path, raw
// or decoded. REQUEST_URI covers REQUEST_URI_RAW.
func pathTarget(t string) bool {
	switch {
	case strings.HasPrefix(t, "!"), strings.HasPrefix(t, "&"):
		return false // an exclusion, or a count
	case strings.HasPrefix(t, "REQUEST_FILENAME"), strings.HasPrefix(t, "REQUEST_BASENAME"),
		strings.HasPrefix(t, "REQUEST_URI"), strings.HasPrefix(t, "REQUEST_LINE"):
		return true
	}
	return false
}

// pathRules lists the first conditions of the paranoia-1 request rules
// that read the path.
func pathRules(root fs.FS) ([]headerRule, error) { return firstConditions(root, pathTarget) }

// pathRxBytes are the bytes of every form widePath hands the patterns: the
// path raw ("%20") and decoded (' '), and the request lines built of them.
var pathRxBytes = alphabetOf("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./% ")

// pathModel is what widePath asks: the @rx patterns of the path rules
// over pathRxBytes, and the patterns of the negated ones ("!@rx", 920100's
// request-line shape), which must match every request line it builds.
type pathModel struct {
	rx      *patternSet // every path rule's, asked of the path's forms
	lineRx  *patternSet // the REQUEST_LINE rules', asked of the lines; nil if none
	negated []*regexp.Regexp
}

// widePathModel builds the model from the embedded CRS, which is the rule
// set every Checker's prefilter is built from (Checker.prefilter), on the
// first path that needs it; nil if a pattern does not compile, which turns
// widePath off (such paths then go to Coraza).
var widePathModel = sync.OnceValue(func() *pathModel {
	rules, err := pathRules(embeddedFS{coreruleset.FS})
	if err != nil {
		return nil
	}
	m := &pathModel{}
	// 920440's first condition finds any extension; its chained condition
	// narrows it to the restricted ones, which plainPath looks up itself
	// (TestPathRulesModelled checks the chain is still that).
	var asked []headerRule
	for _, r := range rules {
		if r.id != restrictedExtensionRule {
			asked = append(asked, r)
		}
	}
	if m.rx, err = rulePatterns(asked, pathRxBytes); err != nil || m.rx == nil {
		return nil
	}
	var line []headerRule
	for _, r := range rules {
		if anyTarget(r.targets, func(t string) bool { return strings.HasPrefix(t, "REQUEST_LINE") }) {
			line = append(line, r)
		}
	}
	if m.lineRx, err = rulePatterns(line, pathRxBytes); err != nil {
		return nil
	}
	for _, r := range rules {
		if pat, ok := strings.CutPrefix(r.operator, "!@rx "); ok {
			re, err := regexp.Compile("(?sm)" + pat) // as Coraza compiles @rx
			if err != nil {
				return nil
			}
			m.negated = append(m.negated, re)
		}
	}
	return m
})

// restrictedExtensionRule is 920440, which plainPath models on its own.
const restrictedExtensionRule = "920440"

// lineMethods and lineProtocols are what REQUEST_LINE can hold around a
// path MayMatch lets through: its methods, and its HTTP versions as
// requestOf hands them to Coraza.
var (
	lineMethods   = []string{"GET", "HEAD", "POST", "OPTIONS"}
	lineProtocols = []string{"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"}
)

// widePath decides a path p (no query) that plainPath found plain but for
// "%20" escapes, each between two plain bytes other than '/': true means no
// paranoia-1 rule that reads the path can fire on it. plainPath has
// already asked its own checks of p as written.
func (s *Screen) widePath(p string) bool {
	m := widePathModel()
	if m == nil {
		return false
	}
	_, words := s.pre.wide()
	if words == nil {
		return false
	}
	d := strings.ReplaceAll(p, "%20", " ")
	// normalizePath and normalizePathWin (930130, 930140) leave d as it
	// is: no "//", no "." or ".." segment, no segment ending in ' ' or '.'.
	if !pathStable(d) || strings.Contains(d, "  ") {
		return false
	}
	// REQUEST_FILENAME is d; t:urlDecodeUni, utf8toUnicode,
	// htmlEntityDecode, jsDecode, cssDecode, removeNulls, replaceComments
	// and lowercase leave it as it is (no '%', '+', '&', '\\', '*', NUL or
	// byte above ASCII). The rules read it as it is, without spaces
	// (removeWhitespace), with runs collapsed (compressWhitespace: none
	// here) and through cmdLine (930110). REQUEST_BASENAME is its last
	// segment; REQUEST_URI and REQUEST_URI_RAW are p.
	nospace := strings.ReplaceAll(d, " ", "")
	forms := []string{p, d, nospace, cmdLine(d), d[strings.LastIndexByte(d, '/')+1:], p[strings.LastIndexByte(p, '/')+1:]}
	// The word lists read the decoded path (their rules all read
	// REQUEST_FILENAME); widePair's lists hold every path rule's
	// (TestPathRulesModelled).
	var low [maxPlain]byte
	for _, v := range forms[1:4] {
		for i := 0; i < len(v); i++ {
			c := v[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			low[i] = c
		}
		if words.ContainsBytes(low[:len(v)]) {
			return false
		}
	}
	if s.pathScratch == nil {
		n := m.rx.words()
		if m.lineRx != nil {
			n = max(n, m.lineRx.words())
		}
		s.pathScratch = make([]uint64, n)
	}
	for _, v := range forms {
		if m.rx.MatchString(v, s.pathScratch) {
			return false
		}
	}
	// REQUEST_LINE as written and URL-decoded (932170, 944150), with each
	// method and version MayMatch lets through, for the rules that read it.
	for _, method := range lineMethods {
		for _, proto := range lineProtocols {
			line := method + " " + p + " " + proto
			for _, re := range m.negated {
				if !re.MatchString(line) {
					return false
				}
			}
			if m.lineRx == nil {
				continue
			}
			for _, v := range []string{line, method + " " + d + " " + proto} {
				if m.lineRx.MatchString(v, s.pathScratch) {
					return false
				}
			}
		}
	}
	// 934100 reads the path without spaces, 934160 with them, after
	// t:base64Decode.
	return !s.base64Match(d) && !s.base64Match(nospace)
}
