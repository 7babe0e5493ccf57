package crs

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"github.com/kizuki-dfir/kizuki/event"
)

// Screen is the prefilter as one goroutine runs it: MayMatch with memos of
// its own, so that the per-line question takes no lock and shares no cache
// line with other workers. Log lines repeat URLs, User-Agents, Referers and
// query pairs endlessly, so most lines are answered by a map lookup or three.
//
// A Screen is not safe for concurrent use: give each goroutine its own
// (Checker.NewScreen). Checker.MayMatch borrows one from a pool.
type Screen struct {
	c   *Checker
	pre *prefilter // c's, once the first request has needed it
	// Verdicts per distinct value: paths (URLs up to their "?"), query
	// strings, User-Agents, Referers, query pairs, values the argument
	// patterns read, and base64 decodings that mention JavaScript (the
	// rare, costly case of base64Match).
	urls, queries, agents, referers, pairs, commands, base64 memo
	// The last values of each header, in front of its memo.
	agentFront, refererFront front
	scratch                  []uint64 // for argRCE.MatchString
	headerScratch            []uint64 // for headerRx.MatchString
	wideScratch              []uint64 // for wideRx.MatchString
	pathScratch              []uint64 // for widePath's patterns
	// Buffers for plainPath's lowered path and base64Match's decodings,
	// which arrays on the stack would zero on every call.
	pathLow, decoded, spaceless [maxPlain]byte
}

// NewScreen returns a Screen for one goroutine.
func (c *Checker) NewScreen() *Screen {
	return &Screen{
		c:        c,
		urls:     newMemo(urlMemo),
		queries:  newMemo(queryMemo),
		agents:   newMemo(headerMemo),
		referers: newMemo(headerMemo),
		pairs:    newMemo(pairMemo),
		commands: newMemo(commandMemo),
		base64:   newMemo(base64Memo),
	}
}

// MayMatch is the cheap prefilter. false means CRS cannot match this request
// at paranoia 1: a GET, HEAD, POST or OPTIONS (optionsAllowed) of a plain
// path ([A-Za-z0-9/._-] and "%20" between words, no dot-files, no
// restricted extension, none of the literals CRS looks for) and query
// (plainQuery), with a User-Agent and Referer of the same kind. At
// paranoia 2 and above it always says true: the higher levels have rules
// (e.g. 920273 on every header byte outside a strict set) that no literal
// filter can rule out.
func (c *Checker) MayMatch(ev *event.Event) bool {
	if c.paranoia > 1 {
		return true
	}
	s := c.screens.Get().(*Screen)
	m := s.MayMatch(ev)
	c.screens.Put(s)
	return m
}

// MayMatch is Checker.MayMatch with this Screen's memos.
func (s *Screen) MayMatch(ev *event.Event) bool {
	if s.c.paranoia > 1 {
		return true
	}
	switch ev.Method {
	case "GET", "HEAD", "POST", "OPTIONS":
	default:
		return true
	}
	switch ev.HTTPVersion {
	case "", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "1.0", "1.1", "2", "2.0":
	default:
		return true
	}
	if s.pre == nil {
		if s.pre = s.c.prefilter(); s.pre == nil {
			return true
		}
	}
	if ev.Method == "OPTIONS" && !s.pre.options {
		return true // 911100: a method the policy does not allow
	}
	return !s.plainURL(ev.URL) || !s.plainHeader(ev.UserAgent, false) || !s.plainHeader(ev.Referrer, true)
}

// Check is Checker.Check with this Screen's memos for the prefilter.
func (s *Screen) Check(ev *event.Event) Verdict { return s.c.check(ev, s) }

// plainURL is plainPath, with the path and the query string each decided
// once per distinct value: plainPath of a URL is plainQuery of what follows
// its first "?" and the path checks of what precedes it, and those parts
// repeat far more than whole URLs do ("/product/3551" with a dozen tracking
// queries, one query on many products). On the generated 1 GB log a
// worker's URL memo of 16k entries a generation missed 466k of 2.2M URLs;
// split, its paths miss 229k times and queries (in a memo of 8k) 67k times,
// for about the same memory, as the keys are shorter. URLs too long to be
// plain are not remembered: they are refused at once.
func (s *Screen) plainURL(u string) bool {
	if len(u) > maxPlain+1+maxQuery {
		return false
	}
	p, q, hasQuery := strings.Cut(u, "?")
	if m, ok := s.urls.get(p); ok {
		if !m {
			return false
		}
	} else {
		m = s.plainPath(p) // p holds no "?": the path checks alone
		s.urls.put(p, m)
		if !m {
			return false
		}
	}
	if !hasQuery || q == "" {
		return true
	}
	// widePath decides a path with "%20" escapes alone: the rules that read
	// REQUEST_URI and REQUEST_LINE would see it with the query after it.
	if strings.IndexByte(p, '%') >= 0 {
		return false
	}
	if len(q) > maxQuery {
		return false // plainQuery's own bound, checked before the memo
	}
	if m, ok := s.queries.get(q); ok {
		return m
	}
	m := s.plainQuery(q)
	s.queries.put(q, m)
	return m
}

// plainPath reports whether p is an origin-form path CRS PL1 cannot flag:
// bytes of [A-Za-z0-9/._-], or "%20" escapes between two of them other
// than '/', which widePath then decides as the path rules read the decoded
// path (names of files and tags with spaces, on real servers).
func (s *Screen) plainPath(p string) bool {
	f := s.pre
	if q := strings.IndexByte(p, '?'); q >= 0 {
		if !s.plainQuery(p[q+1:]) {
			return false
		}
		if q+1 < len(p) && strings.IndexByte(p[:q], '%') >= 0 {
			return false // widePath decides a path alone (plainURL)
		}
		p = p[:q]
	}
	if len(p) == 0 || len(p) > maxPlain || p[0] != '/' {
		return false
	}
	low := s.pathLow[:len(p)] // a Screen's buffer: an array here would be zeroed on every call
	prev := byte(0)
	spaces := false // a "%20" widePath decides
	for i := 0; i < len(p); i++ {
		ch := p[i]
		switch {
		case 'a' <= ch && ch <= 'z', '0' <= ch && ch <= '9', ch == '-', ch == '_':
		case 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		case ch == '/':
		case ch == '.':
			// dot-files and "..": restricted files (930130) and traversal (930110).
			if prev == '/' || prev == '.' {
				return false
			}
		case ch == '%' && spaceEscape(p, i):
			low[i], low[i+1], low[i+2] = '%', '2', '0'
			i += 2
			prev, spaces = ' ', true
			continue
		default:
			return false
		}
		low[i] = ch
		prev = ch
	}
	lp := low
	if f.pathWords.ContainsBytes(lp) {
		return false
	}
	// 934100 reads the path as written (t:none, multiMatch; its decodings
	// leave a plain path as it is, and base64Match asks the decoded forms).
	if f.nodeWords.ContainsBytes(lp) && f.nodeRx.MatchString(p) {
		return false
	}
	// 920440 restricted extension of the last segment. An extension with
	// a space in it (REQUEST_BASENAME is decoded) goes to Coraza.
	base := lp[bytes.LastIndexByte(lp, '/')+1:]
	if dot := bytes.LastIndexByte(base, '.'); dot >= 0 && (f.restricted[string(base[dot:])] || bytes.IndexByte(base[dot:], '%') >= 0) {
		return false
	}
	if s.base64Match(p) {
		return false
	}
	return !spaces || s.widePath(p)
}

// spaceEscape reports whether p[i:] starts with a "%20" widePath may
// decide: between two bytes of plainPath's alphabet other than '/', so that
// no segment starts or ends with a space and no run of spaces forms
// (t:normalizePathWin would trim them, t:compressWhitespace collapse them).
func spaceEscape(p string, i int) bool {
	if i == 0 || i+3 >= len(p) || p[i+1] != '2' || p[i+2] != '0' {
		return false
	}
	return plainNonSlash(p[i-1]) && plainNonSlash(p[i+3])
}

// plainNonSlash reports whether c is in plainPath's alphabet and not '/'.
func plainNonSlash(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// Limits of a plain query: short enough that no argument-length or count
// rule (920xxx) can apply, and no value long enough to hide anything.
const (
	maxQuery      = 256
	maxQueryArgs  = 16
	maxQueryValue = 64
)

// plainQuery reports whether a query string can meet no paranoia-1 CRS rule:
// name=value pairs of letters, digits, "_", "-" and "." only (no spaces, no
// quotes, no operators), none holding a word CRS looks for, and no single
// value that could itself be a shell command or bare keyword. A value may
// also hold %HH escapes, ':', '/', '(', ')' and ',': widePair decides it.
// Apache's directory-listing sort queries are plain too (autoindexQuery).
func (s *Screen) plainQuery(q string) bool {
	if q == "" {
		return true
	}
	if len(q) > maxQuery || s.pre.noQueries {
		return false
	}
	if autoindexQuery(q) {
		return true
	}
	// Shape first, without allocating: plain characters, bounded sizes,
	// name=value pairs with distinct names (a repeated name is HTTP parameter
	// pollution, 921180).
	var names [maxQueryArgs]string
	args, valLen, start, inValue := 0, 0, 0, false
	for i := 0; i <= len(q); i++ {
		if i == len(q) || q[i] == '&' {
			inValue = false
			// A pair without '=' ("?wsdl", "?1391904000") is a name
			// with an empty value to ARGS and ARGS_NAMES, and is judged so.
			name, _, _ := strings.Cut(q[start:i], "=")
			if name == "" || args == maxQueryArgs {
				return false
			}
			for _, n := range names[:args] {
				if n == name {
					return false
				}
			}
			names[args] = name
			args++
			start, valLen = i+1, 0
			continue
		}
		switch ch := q[i]; {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9', ch == '-', ch == '_', ch == '+':
		case ch == '=':
			if !inValue {
				valLen = -1 // the bound is on the value, as ARGS holds it
			}
			inValue = true
		case inValue && (ch == ':' || ch == '/' || ch == '(' || ch == ')' || ch == ','):
			// widePair decides these values
		case inValue && ch == '%':
			// an escape is one byte of the value ARGS holds
			valLen -= 2
		case ch == '.':
			if i > 0 && q[i-1] == '.' {
				return false
			}
		default:
			return false
		}
		if valLen++; valLen > maxQueryValue {
			return false
		}
	}
	// 930100 reads REQUEST_URI_RAW, where "?" is one of its dot units
	// ("/dir/?.0x2e0x2f=x"): a first name that can continue a traversal
	// after it ('.', or "0x2e", "0x2f", "0x5c") goes to Coraza. Later pairs
	// follow an '&', which no traversal unit holds.
	if q[0] == '.' || len(q) > 1 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X') {
		return false
	}
	// Then each pair on its own, as CRS sees arguments; pairs repeat across a
	// log ("page=2", "sort=price"), so each is judged once.
	start = 0
	for i := 0; i <= len(q); i++ {
		if i < len(q) && q[i] != '&' {
			continue
		}
		pair := q[start:i]
		start = i + 1
		m, ok := s.pairs.get(pair)
		if !ok {
			m = s.plainPair(pair)
			s.pairs.put(pair, m)
		}
		if !m {
			return false
		}
	}
	return true
}

// autoindexQuery reports whether q is one of the eight sort queries
// ("C=N;O=D": column N, M, S or D, order A or D) that Apache's directory
// listings (mod_autoindex) link their column headings to. Crawlers follow
// every one of them on every listed folder: on apache-real they were 74 of
// the 177 benign requests that reached Coraza. Their ';' is outside the
// plain alphabet because it is shell syntax to the 932 rules, and modelling
// those rules over ';' would take far more than these eight fixed strings
// need: TestAutoindexQueries has Coraza evaluate each of them after plain
// paths and finds no rule matching, and checks that near misses ("C=D;O=A;id",
// "C=X;O=A", ...) still reach Coraza.
func autoindexQuery(q string) bool {
	return len(q) == 7 && q[0] == 'C' && q[1] == '=' && strings.IndexByte("NMSD", q[2]) >= 0 &&
		q[3] == ';' && q[4] == 'O' && q[5] == '=' && (q[6] == 'A' || q[6] == 'D')
}

// plainPair judges one name=value of plain characters: no word of CRS's
// lists, no base64 payload (934100/934160), no command the 932 patterns see
// at its start, no injection libinjection sees once "+" is read as a space
// — in the value and in the name alike (Coraza decodes ARGS_NAMES too:
// "?env+whoami=1" is the name "env whoami", which 932235 and 932340 flag).
func (s *Screen) plainPair(pair string) bool {
	f := s.pre
	name, value, _ := strings.Cut(pair, "=")
	if strings.ContainsAny(value, "%:/(),") {
		return s.widePair(name, value)
	}
	var low [maxQuery]byte
	for i := 0; i < len(pair); i++ {
		ch := pair[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		low[i] = ch
	}
	// argWords holds every path word too.
	if f.argWords.ContainsBytes(low[:len(pair)]) {
		return false
	}
	if strings.IndexByte(pair, '+') >= 0 {
		for i, ch := range low[:len(pair)] {
			if ch == '+' {
				low[i] = ' '
			}
		}
		if f.argWords.ContainsBytes(low[:len(pair)]) {
			return false
		}
	}
	// A bare command word ("q=set") is no attack: 932340 wants something
	// before it (";", "env ", "busybox "...), and the argument patterns
	// (commandAtStart, below) hold 932340's; on the generated 1 GB log
	// "?q=set" was two thirds of the requests Coraza evaluated and cleared.
	if s.base64Forms(name) || s.base64Forms(value) {
		return false
	}
	return s.plainPart(name) && s.plainPart(value)
}

// plainPart is plainPair's verdict on a name or a value alone.
func (s *Screen) plainPart(x string) bool {
	if s.commandAtStart(x) {
		return false
	}
	if strings.IndexByte(x, '+') >= 0 {
		v := strings.ReplaceAll(x, "+", " ")
		if injection(v) {
			return false
		}
		// The RCE rules transform values first (cmdLine collapses and
		// removeWhitespace drops spaces): try the forms they may see.
		if s.commandAtStart(v) || s.commandAtStart(strings.ReplaceAll(v, " ", "")) {
			return false
		}
		if collapsed := strings.Join(strings.Fields(v), " "); collapsed != v && s.commandAtStart(collapsed) {
			return false
		}
	}
	return true
}

// commandAtStart asks the 932 patterns once per distinct value: query
// values repeat ("page=2", "sort=price").
func (s *Screen) commandAtStart(v string) bool {
	re := s.pre.argRCE
	if re == nil || shortNumber(v) {
		return false // ids and offsets; the overflow values 942220 knows are in argWords
	}
	if s.scratch == nil {
		s.scratch = make([]uint64, re.words())
	}
	if !re.mayMatch(v, s.scratch) {
		return false // cheaper than remembering: most values hold no literal a pattern needs
	}
	if m, ok := s.commands.get(v); ok {
		return m
	}
	m := re.MatchString(v, s.scratch)
	s.commands.put(v, m)
	return m
}

// base64Forms asks base64Match about an argument name or value of the plain
// query alphabet in each form 934100 and 934160 can decode: Coraza reads
// "+" in a query as a space, which 934100's t:removeWhitespace then drops
// before t:base64Decode ("ZXZh+bCg" decodes as "ZXZhbCg", "eval(") and at
// which 934160's decoding stops; the form as written is asked too.
func (s *Screen) base64Forms(v string) bool {
	if s.base64Match(v) {
		return true
	}
	i := strings.IndexByte(v, '+')
	if i < 0 {
		return false
	}
	return s.base64Match(strings.ReplaceAll(v, "+", "")) || s.base64Match(v[:i])
}

// base64Match applies 934100/934160 the way CRS does to a plain path:
// t:base64Decode, then t:urlDecodeUni and t:jsDecode (refused here rather
// than reimplemented: a decoded '%', '+' or '\\' sends the request to
// Coraza), then t:removeWhitespace, then the rules' own patterns.
//
// Most plain paths decode to noise that holds none of jsWords, which every
// alternative of both patterns needs; that is decided on the stack with one
// automaton pass. Only a decoding that names one (or that the later
// decodings could change) takes base64MatchSlow, once per distinct value.
func (s *Screen) base64Match(p string) bool {
	d := base64Into(s.decoded[:0], p)
	if len(d) == 0 {
		return false
	}
	if !s.pre.jsWords.ContainsBytes(d) {
		c := decodedClass(d)
		if c == 0 {
			return false // no escape, no rune lowered into ASCII, no space to remove
		}
		if c&classDecode == 0 || !mayDecodeFurther(d) {
			if c&classSpace == 0 || !s.pre.jsWords.ContainsBytes(withoutSpace(s.spaceless[:0], d)) {
				return false
			}
		}
	}
	if m, ok := s.base64.get(p); ok {
		return m
	}
	m := s.pre.base64MatchSlow(p)
	s.base64.put(p, m)
	return m
}

// asciiLowerRunes are the runes above ASCII that unicode.ToLower maps into
// ASCII (U+0130 İ to "i", U+212A KELVIN SIGN to "k"), so that mentionsJS,
// which lowers with strings.ToLower, can find a word in them an ASCII-folding
// scan cannot. TestASCIILowerRunes checks the list is complete.
var asciiLowerRunes = []string{"\u0130", "\u212a"}

// lowerLeads are the first bytes of asciiLowerRunes.
const lowerLeads = "\xc4\xe2"

// Byte classes of decodedClass: a byte that may start an escape or a rune
// mayDecodeFurther looks for, and a byte that may start a rune
// unicode.IsSpace reports (withoutSpace removes those).
const (
	classDecode = 1 << iota
	classSpace
)

// byteClass holds each byte's classes. TestByteClass checks it against
// mayDecodeFurther's cases and against every rune unicode.IsSpace reports.
var byteClass = func() (t [256]uint8) {
	t['%'] |= classDecode
	t['\\'] |= classDecode
	for i := 0; i < len(lowerLeads); i++ {
		t[lowerLeads[i]] |= classDecode
	}
	for _, b := range []byte(spaceLeads) {
		t[b] |= classSpace
	}
	return t
}()

// spaceLeads are the first bytes of the UTF-8 encodings of the runes
// unicode.IsSpace reports: ASCII's six, U+0085 and U+00A0 (0xC2), U+1680
// (0xE1), U+2000-U+200A, U+2028, U+2029, U+202F, U+205F (0xE2), U+3000
// (0xE3).
const spaceLeads = "\t\n\v\f\r \xc2\xe1\xe2\xe3"

// decodedClass is the union of the classes of d's bytes. 0 means
// mayDecodeFurther(d) is false and withoutSpace leaves d as it is, so an
// automaton pass over d alone decides base64Match's gate: most decodings
// are noise, and decoding runes one by one to find no space was half of
// the gate's cost.
func decodedClass(d []byte) uint8 {
	var c uint8
	for _, b := range d {
		c |= byteClass[b]
	}
	return c
}

// withoutSpace appends to dst the bytes of d without the runes
// unicode.IsSpace reports, as t:removeWhitespace leaves them: removing
// spaces can join a word ("ev al"), so the gate looks for jsWords there
// too. Decoded noise holds spaces often, so this runs on a stack buffer.
// (Invalid UTF-8 is kept byte for byte where t:removeWhitespace writes
// U+FFFD: both are non-ASCII and split ASCII words alike.)
func withoutSpace(dst, d []byte) []byte {
	for i := 0; i < len(d); {
		r, n := utf8.DecodeRune(d[i:])
		if !unicode.IsSpace(r) {
			dst = append(dst, d[i:i+n]...)
		}
		i += n
	}
	return dst
}

// mayDecodeFurther reports whether mentionsJS could answer differently for
// d, or for its urlDecodeUni+jsDecode form, than an ASCII-folding scan of d
// does: an escape urlDecodeUni or jsDecode would decode ("%" before a hex
// digit or "u", "\\" before any byte), or a rune strings.ToLower turns into
// ASCII. A "+" only becomes a space, which can split a word but never make
// one. Otherwise both forms hold d's ASCII bytes in the same runs, lowered.
func mayDecodeFurther(d []byte) bool {
	for i, c := range d {
		switch c {
		case '%':
			if i+1 < len(d) && (isHexByte(d[i+1]) || d[i+1] == 'u' || d[i+1] == 'U') {
				return true
			}
		case '\\':
			if i+1 < len(d) {
				return true
			}
		case lowerLeads[0], lowerLeads[1]:
			for _, r := range asciiLowerRunes {
				if bytes.HasPrefix(d[i:], []byte(r)) {
					return true
				}
			}
		}
	}
	return false
}

// base64Into appends to dst what base64Strict returns for src, without
// allocating when dst has room: RFC 4648 standard-alphabet digits, CR and
// LF skipped, stopping at '=', ' ' or any other byte. It runs on every
// plain path a URL memo miss meets, so each byte is one table read.
func base64Into(dst []byte, src string) []byte {
	var n, x int
	for i := 0; i < len(src); i++ {
		v := base64Digit[src[i]]
		if v >= 64 {
			if v == b64Skip {
				continue
			}
			break
		}
		x = x<<6 | int(v)
		n++
		if n == 4 {
			dst = append(dst, byte(x>>16), byte(x>>8), byte(x))
			n, x = 0, 0
		}
	}
	switch n {
	case 2:
		x <<= 12
		dst = append(dst, byte(x>>16))
	case 3:
		x <<= 6
		dst = append(dst, byte(x>>16), byte(x>>8))
	}
	return dst
}

// Non-digit entries of base64Digit.
const (
	b64Skip = 64 // CR, LF
	b64Stop = 65 // anything else
)

// base64Digit maps a byte to its base64 value, b64Skip or b64Stop.
var base64Digit = func() (t [256]uint8) {
	const digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := range t {
		t[i] = b64Stop
	}
	for i := 0; i < len(digits); i++ {
		t[digits[i]] = uint8(i)
	}
	t['\r'], t['\n'] = b64Skip, b64Skip
	return t
}()

// plainHeader reports whether a User-Agent (or, with referer, a Referer)
// value is one CRS PL1 cannot flag. Empty and "-" (absent) are plain.
// plainHeader answers once per distinct header: user agents and referrers
// repeat across a log far more than URLs do.
func (s *Screen) plainHeader(h string, referer bool) bool {
	if h == "" || h == "-" {
		return true
	}
	memo, fr, limit := &s.agents, &s.agentFront, maxPlain
	if referer {
		memo, fr, limit = &s.referers, &s.refererFront, maxReferer
	}
	if len(h) > limit {
		return false // too long to be plain in this role
	}
	if m, ok := fr.get(h); ok {
		return m
	}
	m, ok := memo.get(h)
	if !ok {
		m = s.plainHeaderSlow(h, referer)
		memo.put(h, m)
	}
	fr.put(h, m)
	return m
}

// plainHeaderSlow decides a header value on its own, as the paranoia-1
// rules that read User-Agent and Referer see it (headerRules): its bytes,
// as written and once URL-decoded, are headerBytes (refBytes for a
// Referer), so t:jsDecode, t:cssDecode, t:removeNulls and t:utf8toUnicode
// leave it as it is; it must be its own t:htmlEntityDecode; and then each
// rule reads one of a few forms of it (as written, URL-decoded, without
// spaces, through t:cmdLine), on which the rules' own patterns, word lists
// and libinjection are asked. Each role is asked the rules that read it
// (headerRule.reads): a Referer is not asked 913100's scanner names,
// 941130's XML and HTML vectors or 930110's traversal, which CRS looks for
// in other headers only (plainReferer).
func (s *Screen) plainHeaderSlow(h string, referer bool) bool {
	f := s.pre
	if referer {
		return s.plainReferer(h)
	}
	if len(h) > maxPlain {
		return false
	}
	d, ok := decodeWithin(h, headerBytes)
	if !ok {
		return false
	}
	forms := [...]string{h, d, strings.ReplaceAll(h, " ", ""), strings.ReplaceAll(d, " ", ""), cmdLine(h), cmdLine(d)}
	for _, v := range forms[:2] {
		if !s.plainHeaderForm(v) {
			return false
		}
		if strings.IndexByte(v, '&') >= 0 && html.UnescapeString(v) != v {
			return false // an entity t:htmlEntityDecode would decode
		}
	}
	re := f.headerRx
	if referer {
		re = f.refRx
	}
	if s.matchAny(re, forms[:]) {
		return false
	}
	return !injection(h) && !injection(d)
}

// matchAny reports whether re (headerRx or refRx; nil matches nothing)
// matches one of forms.
func (s *Screen) matchAny(re *patternSet, forms []string) bool {
	if re == nil {
		return false
	}
	if len(s.headerScratch) < re.words() {
		s.headerScratch = make([]uint64, re.words())
	}
	scratch := s.headerScratch[:re.words()]
	for i, v := range forms {
		if i > 0 && v == forms[i-1] {
			continue
		}
		if re.MatchString(v, scratch) {
			return true
		}
	}
	return false
}

// plainReferer is plainHeaderSlow for a Referer. Every paranoia-1 rule that
// reads the Referer (TestRefererRulesModelled) is an @rx pattern, asked
// here through refRx on each form a rule reads (as written, URL-decoded,
// URL-decoded without whitespace), libinjection (942100), 944130's class
// list (refWords, the Referer's only word list) or 920270's byte range
// (refBytes holds no NUL). The literal gates plainHeaderForm asks of a
// User-Agent only stand for patterns refRx asks anyway, and its ".."
// stands for 930110, which reads every header but the Referer: asked of
// Referers, they sent search-engine URLs ("oq=www.&gs_l=…0....0", "…9w",
// "ijavascript.cn") to Coraza, which cleared them.
//
// A Referer whose escapes decode to bytes above 0x7f (UTF-8 names of
// pages and searches) is asked refPatterns on its decoded forms instead:
// refRx, cut to refBytes, answers for the form as written alone.
func (s *Screen) plainReferer(h string) bool {
	d, wide, ok := decodeReferer(h)
	if !ok {
		return false
	}
	var low [maxReferer]byte
	for _, v := range [...]string{h, d} {
		for i := 0; i < len(v); i++ {
			ch := v[i]
			if 'A' <= ch && ch <= 'Z' {
				ch += 'a' - 'A'
			}
			low[i] = ch
		}
		if s.pre.refWords.ContainsBytes(low[:len(v)]) {
			return false
		}
		if strings.IndexByte(v, '&') >= 0 && html.UnescapeString(v) != v {
			return false // an entity t:htmlEntityDecode would decode
		}
	}
	if wide {
		if s.matchAny(s.pre.refRx, []string{h, removeWhitespace(h)}) || s.pre.refFull.MatchString(d, removeWhitespace(d)) {
			return false
		}
	} else if s.matchAny(s.pre.refRx, []string{h, d, removeWhitespace(h), removeWhitespace(d)}) {
		return false
	}
	return !injection(h) && !injection(d)
}

// plainHeaderForm checks one form of a User-Agent (as written or
// URL-decoded) with the literal gates: bytes of headerBytes, no "..", no
// "()", none of the words CRS's lists and the hand-listed regex literals
// hold.
func (s *Screen) plainHeaderForm(h string) bool {
	f := s.pre
	var low [maxPlain]byte
	prev := byte(0)
	for i := 0; i < len(h); i++ {
		ch := h[i]
		if ch >= 128 || !headerBytes[ch] {
			return false
		}
		switch {
		case 'A' <= ch && ch <= 'Z':
			ch += 'a' - 'A'
		case ch == '.':
			if prev == '.' { // traversal (930110 reads every header but Referer)
				return false
			}
		case ch == ')':
			// "()" and "( )" open shellshock (932170) and 932340
			j := i - 1
			for j >= 0 && h[j] == ' ' {
				j--
			}
			if j >= 0 && h[j] == '(' {
				return false
			}
		}
		low[i] = ch
		prev = ch
	}
	lh := low[:len(h)]
	if f.headerWords.ContainsBytes(lh) {
		return false
	}
	// 932340: a unix command word at the very end.
	end := len(lh)
	for end > 0 && 'a' <= lh[end-1] && lh[end-1] <= 'z' {
		end--
	}
	if shellCommands[string(lh[end:])] {
		return false
	}
	var sq [maxPlain]byte
	n := 0
	for _, ch := range lh {
		if 'a' <= ch && ch <= 'z' || '0' <= ch && ch <= '9' || ch == '_' {
			sq[n] = ch
			n++
		}
	}
	return !f.squeezed.ContainsBytes(sq[:n])
}

// cmdLine is t:cmdLine on a value of headerBytes: "," and ";" read as
// spaces, runs of spaces collapsed to one, a space before "/" or "("
// dropped, letters lowered (its deletions, of quotes, "\\" and "^", have
// nothing to delete here).
func cmdLine(v string) string {
	out := make([]byte, 0, len(v))
	space := false
	for i := 0; i < len(v); i++ {
		switch a := v[i]; a {
		case ' ', ',', ';':
			if !space {
				out = append(out, ' ')
				space = true
			}
		case '/', '(':
			if space {
				out = out[:len(out)-1]
			}
			space = false
			out = append(out, a)
		default:
			if 'A' <= a && a <= 'Z' {
				a += 'a' - 'A'
			}
			out = append(out, a)
			space = false
		}
	}
	return string(out)
}

func isHexByte(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
