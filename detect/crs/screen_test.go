package crs

import (
	"encoding/base64"
	"fmt"
	"io/fs"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestASCIILowerRunes proves the list mayDecodeFurther relies on: no other
// rune lowers into ASCII, and each starts with a lead byte it looks for.
func TestASCIILowerRunes(t *testing.T) {
	listed := map[string]bool{}
	for _, r := range asciiLowerRunes {
		listed[r] = true
		if !strings.Contains(lowerLeads, r[:1]) {
			t.Errorf("%q: lead byte %#x not in lowerLeads", r, r[0])
		}
	}
	for r := rune(utf8.RuneSelf); r <= unicode.MaxRune; r++ {
		if l := unicode.ToLower(r); l < utf8.RuneSelf && !listed[string(r)] {
			t.Errorf("unicode.ToLower(%U) = %q is ASCII but %U is not in asciiLowerRunes", r, l, r)
		}
	}
}

// TestByteClass proves what base64Match reads from decodedClass: a
// decoding with no classDecode byte is one mayDecodeFurther says false for,
// and one with no classSpace byte is one withoutSpace leaves unchanged.
// Every rune unicode.IsSpace reports starts with a classSpace byte, and
// random byte strings (biased to the bytes that matter) agree with both
// functions.
func TestByteClass(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if unicode.IsSpace(r) {
			if b := []byte(string(r)); byteClass[b[0]]&classSpace == 0 {
				t.Errorf("%U is a space but its first byte %#x is not classSpace", r, b[0])
			}
		}
	}
	rng := rand.New(rand.NewSource(2))
	special := []string{"%", "%4", "%u", "\\", "\\x", "\u0130", "\u212a", " ", "\t", "\u00a0", "\u2028", "\u3000", "\xc2", "\xe2", "\xe3"}
	var spaceless [maxPlain]byte
	for i := 0; i < 200000; i++ {
		var d []byte
		for len(d) < 1+rng.Intn(40) {
			switch rng.Intn(3) {
			case 0:
				d = append(d, special[rng.Intn(len(special))]...)
			case 1:
				d = append(d, byte('a'+rng.Intn(26)))
			default:
				d = append(d, byte(rng.Intn(256)))
			}
		}
		c := decodedClass(d)
		if c&classDecode == 0 && mayDecodeFurther(d) {
			t.Fatalf("decodedClass(%q) = %d without classDecode, but mayDecodeFurther says true", d, c)
		}
		if c&classSpace == 0 && string(withoutSpace(spaceless[:0], d)) != string(d) {
			t.Fatalf("decodedClass(%q) = %d without classSpace, but withoutSpace removes bytes", d, c)
		}
	}
}

// TestBase64Gate checks base64Match, which rules most paths out on the
// stack, against base64MatchSlow, which decodes and lowers the way CRS's
// transformations do, on random base64 and on encodings built to be close
// calls: JavaScript words in every case, split by a "+" or an escape,
// hidden behind %HH, %uHHHH or \xHH, or next to the runes that lower into
// ASCII.
func TestBase64Gate(t *testing.T) {
	c := checker(t, 1)
	s := c.NewScreen()
	s.pre = c.prefilter() // the internals are called directly, not through MayMatch
	r := rand.New(rand.NewSource(1))
	var inputs []string
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < 20000; i++ {
		b := make([]byte, 1+r.Intn(60))
		for k := range b {
			b[k] = b64[r.Intn(len(b64))]
		}
		inputs = append(inputs, string(b))
	}
	texts := []string{"__js_function", "process.env", "require('x')", "eval(1)", "while(true){}", "this.constructor",
		"String.fromCharCode(1)", "module.exports=1", "x", "\u0130", "\u212a"}
	for _, w := range jsWords {
		texts = append(texts, w, strings.ToUpper(w), w[:1]+"+"+w[1:], w[:1]+"\\"+w[1:], "%"+fmt.Sprintf("%02x", w[0])+w[1:],
			"%u00"+fmt.Sprintf("%02X", w[0])+w[1:], "\\x"+fmt.Sprintf("%02x", w[0])+w[1:], strings.Replace(w, "i", "\u0130", 1),
			w+"\u212a", "\xff"+w+"\xfe", w[:len(w)-1]+"%", w+"\\")
	}
	// split by each kind of space t:removeWhitespace drops (decodedClass
	// must send these to withoutSpace), and by bytes that only look like a
	// space rune's start
	for _, x := range texts[:8] { // the JavaScript snippets
		for _, sp := range []string{" ", "\t", "\v", "\u0085", "\u00a0", "\u1680", "\u2003", "\u2028", "\u202f", "\u205f", "\u3000", "\xc2", "\xe3\x80"} {
			texts = append(texts, x[:1]+sp+x[1:], x[:2]+sp+sp+x[2:])
		}
	}
	for _, x := range texts {
		for _, pre := range []string{"", "a", "ab"} {
			e := base64.StdEncoding.EncodeToString([]byte(pre + x))
			inputs = append(inputs, e, strings.TrimRight(e, "="), "aaa"+e)
		}
	}
	var slowTrue, fastFalse int
	for _, p := range inputs {
		want := c.prefilter().base64MatchSlow(p)
		if got := s.base64Match(p); got != want {
			t.Fatalf("base64Match(%q) = %v, base64MatchSlow %v (decoded %q)", p, got, want, base64Strict(p))
		}
		if want {
			slowTrue++
		}
		var buf [maxPlain]byte
		if d := base64Into(buf[:0], p); string(d) != base64Strict(p) {
			t.Fatalf("base64Into(%q) = %q, base64Strict %q", p, d, base64Strict(p))
		} else if len(d) == 0 || !mayDecodeFurther(d) && !c.prefilter().jsWords.ContainsBytes(d) {
			fastFalse++
		}
	}
	t.Logf("%d inputs: %d match, %d decided on the stack", len(inputs), slowTrue, fastFalse)
	if slowTrue == 0 || fastFalse < len(inputs)/2 {
		t.Errorf("%d match, %d decided on the stack: the sample misses a side", slowTrue, fastFalse)
	}
}

// TestAlphabets ties the literal sets to the shape checks: a byte that the
// prefilter lets through in a path, query, User-Agent or Referer must be in
// the alphabet the literals of that check were cut to, or a dropped literal
// could have been there. Every byte is tried in every position kind.
func TestAlphabets(t *testing.T) {
	c := checker(t, 1)
	const ua = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/132.0"
	for b := 0; b < 256; b++ {
		ch := string(rune(b))
		if b >= utf8.RuneSelf {
			ch = string([]byte{byte(b)})
		}
		low := byte(b)
		if 'A' <= low && low <= 'Z' {
			low += 'a' - 'A'
		}
		cases := []struct {
			ev    string
			plain func() bool
			alpha []*alphabet
		}{
			{"path", func() bool { return !c.MayMatch(web("GET", "/ab"+ch+"cd/x", ua, "")) }, []*alphabet{pathAlphabet}},
			{"query value", func() bool { return !c.MayMatch(web("GET", "/x?k=ab"+ch+"cd", ua, "")) },
				[]*alphabet{argAlphabet, rceAlphabet}},
			{"query name", func() bool { return !c.MayMatch(web("GET", "/x?ab"+ch+"cd=k", ua, "")) },
				[]*alphabet{argAlphabet, rceAlphabet}},
			{"user agent", func() bool { return !c.MayMatch(web("GET", "/x", "Mozilla/5.0 ab"+ch+"cd", "")) },
				[]*alphabet{headerAlphabet}},
			{"referer", func() bool { return !c.MayMatch(web("GET", "/x", ua, "http://example.com/ab"+ch+"cd")) },
				[]*alphabet{refAlphabet}},
			{"referer query", func() bool { return !c.MayMatch(web("GET", "/x", ua, "http://example.com/?k=ab"+ch+"cd")) },
				[]*alphabet{refAlphabet}},
		}
		for _, tc := range cases {
			if !tc.plain() {
				if b == 'x' {
					t.Errorf("%s: a plain letter is refused: the test checks nothing", tc.ev)
				}
				continue
			}
			// A value widePair decides is read over its own alphabets.
			if tc.ev == "query value" && wideWordBytes.has(rune(low)) && wideRxBytes.has(rune(b)) && wideBytes.has(rune(b)) {
				continue
			}
			// '&' ends a pair: "ab&cd" is two of them ("cd" a name without
			// a value, TestBareQueryTokens), each judged over the alphabets.
			if b == '&' && strings.HasPrefix(tc.ev, "query") {
				continue
			}
			for _, a := range tc.alpha {
				if !a.has(rune(low)) || a == rceAlphabet && !a.has(rune(b)) {
					t.Errorf("%s: byte %#x passes as plain but is outside the alphabet its literals were cut to", tc.ev, b)
				}
			}
		}
	}
}

// TestScreenMemos checks that memos change no answer (a long-lived Screen
// agrees with a fresh one on every request) and stay bounded.
func TestScreenMemos(t *testing.T) {
	c := checker(t, 1)
	evs := loadApache(t, 5000)
	long := c.NewScreen()
	for pass := 0; pass < 2; pass++ {
		for i := range evs {
			if got, want := long.MayMatch(&evs[i]), c.NewScreen().MayMatch(&evs[i]); got != want {
				t.Fatalf("pass %d, line %d: memoised answer %v, fresh %v (%s %q)", pass, evs[i].Ref.Line, got, want,
					evs[i].Method, evs[i].URL)
			}
		}
	}
	s := c.NewScreen()
	for i := 0; i < 2*urlMemo; i++ {
		ev := web("GET", fmt.Sprintf("/p/%d?q=charger%d&page=%d", i, i, i), fmt.Sprintf("agent/%d", i), fmt.Sprintf("http://r/%d", i))
		s.MayMatch(ev)
	}
	for name, g := range map[string]*memo{"urls": &s.urls, "queries": &s.queries, "agents": &s.agents, "referers": &s.referers,
		"pairs": &s.pairs, "commands": &s.commands, "base64": &s.base64} {
		if bound := 2 * g.limit; g.len() > bound {
			t.Errorf("%s memo holds %d entries, bound %d", name, g.len(), bound)
		}
		if g.len() == 0 && name != "base64" {
			t.Errorf("%s memo never used", name)
		}
	}
}

// TestMemo drives a memo the way a Screen does (look up, and store what was
// missing) with keys from pools of several sizes and lengths, and checks
// against the answers stored: a hit never gives a wrong answer, recent keys
// are found, and entries and key bytes stay within the bound.
func TestMemo(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for _, tc := range []struct{ limit, pool, maxLen int }{
		{16, 5, 8}, {16, 40, 8}, {64, 1000, 200}, {1024, 600, 40}, {1024, 5000, 300}, {2, 10, 4},
	} {
		m := newMemo(tc.limit)
		keys := make([]string, tc.pool)
		for i := range keys {
			b := make([]byte, r.Intn(tc.maxLen+1))
			for k := range b {
				b[k] = byte('a' + r.Intn(3)) // few letters: many keys share prefixes and lengths
			}
			keys[i] = fmt.Sprintf("%s%d", b, i)
		}
		answer := func(k string) bool { return len(k)%3 == 0 || strings.HasSuffix(k, "7") }
		hits := 0
		for op := 0; op < 20000; op++ {
			k := keys[r.Intn(len(keys))]
			if a, ok := m.get(k); ok {
				hits++
				if a != answer(k) {
					t.Fatalf("limit %d: %q remembered as %v, stored %v", tc.limit, k, a, answer(k))
				}
			} else {
				m.put(k, answer(k))
				if a, ok := m.get(k); !ok && len(k) <= m.budget || ok && a != answer(k) {
					t.Fatalf("limit %d: %q just stored: got %v %v", tc.limit, k, a, ok)
				}
			}
			if m.len() > 2*m.limit || len(m.cur.arena) > m.budget || len(m.old.arena) > m.budget {
				t.Fatalf("limit %d: %d entries, arenas %d and %d bytes: past the bound", tc.limit, m.len(),
					len(m.cur.arena), len(m.old.arena))
			}
		}
		if tc.pool <= tc.limit/2 && hits < 19000 {
			t.Errorf("limit %d, %d keys: only %d hits", tc.limit, tc.pool, hits)
		}
	}
}

// TestPrefilterLazy checks that New leaves the prefilter unbuilt, so that
// scans with no web request never pay for it, and that the first request
// builds it.
func TestPrefilterLazy(t *testing.T) {
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c.pre != nil {
		t.Fatal("New built the prefilter")
	}
	if c.MayMatch(&event.Event{Kind: event.KindWeb, Method: "GET", URL: "/index.html"}) {
		t.Error("a plain request was not ruled out")
	}
	if c.pre == nil {
		t.Error("the first request did not build the prefilter")
	}
}

// TestBase64PlusInQuery pins a hole found in the plain-query path: Coraza
// reads "+" in a query as a space and 934100 removes whitespace before it
// base64-decodes, so "dGhp+cy5jb25zdHJ1Y3Rvcg" is "this.constructor" to
// CRS. Each request must reach Coraza, and Coraza must flag it (or this test
// proves nothing).
func TestBase64PlusInQuery(t *testing.T) {
	c := checker(t, 1)
	for _, v := range []string{"dGhp+cy5jb25zdHJ1Y3Rvcg", "ZnVu+Y3Rpb24oKXs", "cmVx+dWlyZSgnY2hpbGRfcHJvY2VzcycpIA"} {
		for _, u := range []string{"/?a=" + v, "/?" + v + "=1"} {
			ev := &event.Event{Kind: event.KindWeb, Method: "GET", URL: u, UserAgent: "Mozilla/5.0", Referrer: "-"}
			r := requestOf(ev)
			if v := c.evaluate(&r); len(v.Hits) == 0 {
				t.Fatalf("%s: Coraza no longer flags it; pick another payload", u)
			}
			if !c.MayMatch(ev) {
				t.Errorf("%s: ruled out, but Coraza flags it", u)
			}
		}
	}
}

// TestBase64Differential replays base64-encoded JavaScript through Coraza
// as query values, names and path segments, with the bytes a plain query
// can add ('+', '-', '_', '.') inserted at random: whatever the prefilter
// rules out, Coraza must not flag. 934100 and 934160 decode base64 and are
// multiMatch (patterns tried after every transformation); this is the test
// that found the prefilter reading only their last form.
func TestBase64Differential(t *testing.T) {
	c, err := New(Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	snips := []string{"ev al(1)", "ev\tal(", "new  Function(", "ev/**/al(", "while (!0)", "while(/*x*/true)", "%65val(", "\\x65val(", "eval(1)", "this.constructor", "require('child_process')", "function(){", "new Function(", "String.fromCharCode(", "process.mainModule", "_$$ND_FUNC$$_", "__js_function", "Module:prototype", "global.process", "while(true)"}
	for _, seed := range []int64{7} {
		r := rand.New(rand.NewSource(seed))
		holes, flagged := 0, 0
		for i := 0; i < 800; i++ {
			s := snips[r.Intn(len(snips))]
			if r.Intn(2) == 0 {
				s = "ab" + s
			}
			enc := base64.StdEncoding.EncodeToString([]byte(s))
			if r.Intn(3) > 0 {
				enc = strings.TrimRight(enc, "=")
			}
			b := []byte(enc)
			for k := r.Intn(3); k >= 0; k-- {
				p := r.Intn(len(b) + 1)
				ins := "+-_."[r.Intn(4)]
				b = append(b[:p], append([]byte{ins}, b[p:]...)...)
			}
			v := string(b)
			var u string
			switch r.Intn(3) {
			case 0:
				u = "/p?a=" + v
			case 1:
				u = "/p?" + v + "=1"
			default:
				u = "/p/" + strings.NewReplacer("+", "", "=", "").Replace(v)
			}
			ev := &event.Event{Kind: event.KindWeb, Method: "GET", URL: u, UserAgent: "Mozilla/5.0", Referrer: "-"}
			may := c.MayMatch(ev)
			rq := requestOf(ev)
			hits := c.evaluate(&rq)
			if len(hits.Hits) > 0 {
				flagged++
			}
			if !may && len(hits.Hits) > 0 {
				holes++
				if holes < 10 {
					t.Errorf("HOLE %s: %v", u, ruleIDs(hits))
				}
			}
		}
		if flagged == 0 {
			t.Fatal("Coraza flagged none of the payloads: the test proves nothing")
		}
	}
}

// TestShellWordsInQuery replays the unix command words 932340 ends with
// as query values and names, bare and behind each kind of prefix its
// pattern knows (separators, "env ", "busybox ", a path, an assignment),
// through the prefilter and Coraza: whatever the prefilter rules out,
// Coraza must not flag, and the prefixed forms must be flagged (or the test
// proves nothing). Bare words must be ruled out, unless a word list of CRS
// holds them (the lists are taken whole): they are common query values
// ("?sort=last", "?q=set") and each would cost an evaluation.
func TestShellWordsInQuery(t *testing.T) {
	c, err := New(Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	pre := c.prefilter()
	prefixes := []string{"", ";", "%3B", "env+", "busybox+", "nohup+", "time+", "/bin/", "%7C%7C", "%26%26", "a=b+", "%60", "x+", "..+"}
	var flagged, ruledOut int
	for w := range shellCommands {
		for _, p := range prefixes {
			for _, u := range []string{"/?a=" + p + w, "/?" + p + w + "=1", "/?" + p + w + "=a%2Fb", "/?a=" + p + strings.ToUpper(w) + "&b=2"} {
				ev := &event.Event{Kind: event.KindWeb, Method: "GET", URL: u, UserAgent: "Mozilla/5.0", Referrer: "-"}
				r := requestOf(ev)
				v := c.evaluate(&r)
				may := c.MayMatch(ev)
				if len(v.Hits) > 0 {
					flagged++
					if !may {
						t.Errorf("%s: ruled out, but Coraza flags it (%v)", u, ruleIDs(v))
					}
				}
				if !may {
					ruledOut++
				}
				if p == "" && strings.HasPrefix(u, "/?a=") && !strings.Contains(u, "&") && may && len(v.Hits) == 0 && !pre.argWords.Contains(w) {
					t.Errorf("%s: a bare word reaches Coraza", u)
				}
			}
		}
	}
	if flagged < len(shellCommands)*3 || ruledOut < len(shellCommands) {
		t.Errorf("%d requests flagged, %d ruled out: the test proves little", flagged, ruledOut)
	}
	t.Logf("%d flagged by Coraza, %d ruled out by the prefilter", flagged, ruledOut)
}

// base64Ref is base64Into as it was written before it became table-driven:
// a switch per byte, kept as the reference TestBase64Into compares with.
func base64Ref(src string) []byte {
	var dst []byte
	var n, x int
	for i := 0; i < len(src); i++ {
		ch := src[i]
		if ch == '\r' || ch == '\n' {
			continue
		}
		if ch == '=' || ch == ' ' {
			break
		}
		var v int
		switch {
		case 'A' <= ch && ch <= 'Z':
			v = int(ch - 'A')
		case 'a' <= ch && ch <= 'z':
			v = int(ch-'a') + 26
		case '0' <= ch && ch <= '9':
			v = int(ch-'0') + 52
		case ch == '+':
			v = 62
		case ch == '/':
			v = 63
		default:
			i = len(src) // invalid byte: stop
			continue
		}
		x = x<<6 | v
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

// TestBase64Into checks the table-driven decoder against base64Ref on
// every single byte after each padding of a prefix, on the standard
// encodings of random bytes, and on random strings of digits mixed with
// every other byte (CR and LF skipped, '=', ' ' and the rest stopping).
func TestBase64Into(t *testing.T) {
	check := func(src string) {
		t.Helper()
		var buf [maxPlain]byte
		if got, want := base64Into(buf[:0], src), base64Ref(src); string(got) != string(want) {
			t.Fatalf("base64Into(%q) = %q, want %q", src, got, want)
		}
	}
	for b := 0; b < 256; b++ {
		for _, pre := range []string{"", "Q", "QU", "QUJ", "QUJD", "QUJDRA"} {
			check(pre + string([]byte{byte(b)}) + "QUJD")
		}
	}
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	r := rand.New(rand.NewSource(3))
	for i := 0; i < 100000; i++ {
		raw := make([]byte, r.Intn(40))
		r.Read(raw)
		check(base64.StdEncoding.EncodeToString(raw))
		src := make([]byte, r.Intn(60))
		for k := range src {
			if r.Intn(8) == 0 {
				src[k] = byte(r.Intn(256))
			} else {
				src[k] = b64[r.Intn(len(b64))]
			}
		}
		check(string(src))
	}
}

// TestPlainURLSplit checks plainURL, which decides a URL's path and its
// query string each through a memo of its own, against plainPath on the
// whole URL with no URL memo: every combination of plain and refused
// paths and queries, more than one "?", empty and over-long parts, and the
// apache-real URLs, in an order that makes every part meet the memos
// first with one partner and then with others, through memos small enough
// to turn over.
func TestPlainURLSplit(t *testing.T) {
	c := checker(t, 1)
	paths := []string{"/", "/product/3551", "/static/app.js", "/a/../b", "/.env", "/x.bak", "/wp-login.php", "",
		"/p/" + strings.Repeat("a", maxPlain), "/p/" + strings.Repeat("b", maxPlain-3), "relative", "/a%20b", "/q?",
		"/aaaX19qc19mdW5jdGlvbg", "/images/products/881-600.webp"}
	queries := []string{"", "?", "?q=red", "?id=1&id=2", "?q=select+1", "?utm_source=newsletter&utm_medium=email",
		"?a=b?c=d", "??", "?.0x2e0x2f=x", "?x=" + strings.Repeat("1", maxQuery), "?k=" + strings.Repeat("z", maxQuery-3),
		"?cmd=whoami", "?page=2", "?q=small+organic", "?a=aaaX19qc19mdW5jdGlvbg", "?v=%2e%2e", "?x=(1)", "?=x", "?a"}
	// near-duplicates: the same query extended by a plain and by a refused
	// pair, and values of one length with different verdicts
	for _, q := range queries[:6] {
		for _, ext := range []string{"&z=1", "&z=whoami", "&z=1&y=2", "&z=/etc/passwd"} {
			queries = append(queries, q+ext)
		}
	}
	queries = append(queries, "?c=id", "?c=ab", "?cmd=whoami", "?cmd=whoare", "?x=ls&y=1", "?x=lz&y=1", "?q=eval(1)", "?q=evan(1)")
	var urls []string
	for _, p := range paths {
		for _, q := range queries {
			urls = append(urls, p+q)
		}
	}
	for _, ev := range loadApache(t, 3000) {
		urls = append(urls, ev.URL)
	}
	r := rand.New(rand.NewSource(4))
	for _, size := range []int{4, 64, urlMemo} {
		s := c.NewScreen()
		s.pre = c.prefilter()
		s.urls, s.queries = newMemo(size), newMemo(size)
		fresh := c.NewScreen()
		fresh.pre = c.prefilter()
		var plain, refused int
		for pass := 0; pass < 3; pass++ {
			for _, i := range r.Perm(len(urls)) {
				u := urls[i]
				want := len(u) <= maxPlain+1+maxQuery && fresh.plainPath(u)
				if got := s.plainURL(u); got != want {
					t.Fatalf("memo size %d, pass %d: plainURL(%q) = %v, plainPath %v", size, pass, u, got, want)
				}
				if want {
					plain++
				} else {
					refused++
				}
			}
		}
		if plain == 0 || refused == 0 {
			t.Errorf("memo size %d: %d plain, %d refused: a side is untested", size, plain, refused)
		}
	}
}

// TestXSSSkipsPlainPaths: CRS 4's rule 941010 takes REQUEST_FILENAME off
// the XSS rules when the path's bytes are all letters, digits, '-', '_',
// '.' or '/', so the prefilter need not look for XSS words in plain paths
// ("/projects/xdotool/xdotool.xhtml" was 127 of the 313 requests Coraza
// cleared on apache-real). The test checks that the rule file still says
// so (and that the check notices when it would not), then replays every XSS
// word as a plain path through the prefilter and Coraza: what is ruled out
// must not be flagged, and the words must be ruled out.
func TestXSSSkipsPlainPaths(t *testing.T) {
	conf, err := fs.ReadFile(coreruleset.FS, "@owasp_crs/REQUEST-941-APPLICATION-ATTACK-XSS.conf")
	if err != nil {
		t.Fatal(err)
	}
	if xssReadsPlainPaths(conf) {
		t.Fatal("the XSS rules read plain paths in this CRS: the path automaton holds their words again")
	}
	for name, edit := range map[string][2]string{
		"no ctl":          {"ctl:ruleRemoveTargetByTag=xss-perf-disable;REQUEST_FILENAME,", ""},
		"range without a": {"!@validateByteRange 20,45-47,48-57,65-90,95,97-122", "!@validateByteRange 20,45-47,48-57,65-90,95,98-122"},
		"untagged 941130": {"tag:'xss-perf-disable',", ""},
	} {
		text := string(conf)
		at := 0
		if name == "untagged 941130" {
			at = strings.Index(text, "id:941130,")
		}
		changed := text[:at] + strings.Replace(text[at:], edit[0], edit[1], 1)
		if changed == string(conf) {
			t.Fatalf("%s: the edit does not apply to this CRS", name)
		}
		if !xssReadsPlainPaths([]byte(changed)) {
			t.Errorf("%s: not noticed", name)
		}
	}

	c, err := New(Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	m := pm941180RE.FindSubmatch(conf)
	if m == nil {
		t.Fatal("941180's list not found")
	}
	words := append(strings.Fields(strings.ToLower(string(m[1]))), xssWords...)
	var ruledOut, tried int
	for _, w := range words {
		if strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789-_./") != "" {
			continue // no plain path spells it
		}
		for _, p := range []string{"/" + w, "/a/" + w + "/b", "/a." + w, "/A/" + strings.ToUpper(w)} {
			tried++
			ev := &event.Event{Kind: event.KindWeb, Method: "GET", URL: p, UserAgent: "Mozilla/5.0", Referrer: "-"}
			r := requestOf(ev)
			v := c.evaluate(&r)
			if c.MayMatch(ev) {
				continue
			}
			ruledOut++
			if len(v.Hits) > 0 {
				t.Errorf("%s: ruled out, but Coraza flags it (%v)", p, ruleIDs(v))
			}
		}
		// The same word in a path that is not plain still goes to Coraza.
		ev := &event.Event{Kind: event.KindWeb, Method: "GET", URL: "/a%20b/" + w, UserAgent: "Mozilla/5.0", Referrer: "-"}
		if !c.MayMatch(ev) {
			t.Errorf("%s: a path with an escape was ruled out", ev.URL)
		}
	}
	if tried < 40 || ruledOut < tried/2 {
		t.Errorf("%d plain paths tried, %d ruled out: the XSS words still reach Coraza", tried, ruledOut)
	}
	t.Logf("%d plain paths with XSS words, %d ruled out", tried, ruledOut)
}

// TestAutoindexQueries proves autoindexQuery's claim on the CRS the
// prefilter is built from: Coraza matches no rule on Apache's eight
// directory-listing sort queries after plain folder paths, so the prefilter
// may rule them out (and does); and near misses, which a looser test would
// take for them, still reach Coraza.
func TestAutoindexQueries(t *testing.T) {
	c := checker(t, 1)
	paths := []string{"/", "/files/", "/files/blogposts/20071009/", "/scripts/python/wrap/", "/files/rpm/logstash/"}
	get := func(u string) *event.Event { return web("GET", u, benchUA, "-") }
	var n int
	for _, p := range paths {
		if c.MayMatch(get(p)) {
			t.Fatalf("%s: the path alone reaches Coraza; the test needs paths the prefilter rules out", p)
		}
		for _, col := range "NMSD" {
			for _, ord := range "AD" {
				ev := get(fmt.Sprintf("%s?C=%c;O=%c", p, col, ord))
				r := requestOf(ev)
				if v := c.evaluate(&r); len(v.Hits) > 0 {
					t.Errorf("%s: Coraza matches %v, so the prefilter must not rule it out", ev.URL, ruleIDs(v))
				}
				if c.MayMatch(ev) {
					t.Errorf("%s: reaches Coraza", ev.URL)
				}
				n++
			}
		}
	}
	if n != 8*len(paths) {
		t.Fatalf("%d queries checked", n)
	}
	for _, q := range []string{
		"C=D;O=A;id", "C=D;O=Aid", "C=D;O=A;", ";C=D;O=A", "C=D;id", "C=X;O=A", "C=D;O=X",
		"c=d;o=a", "C=D|O=A", "C=D;O=A%0a", "C=D;;O=A", "O=A;C=D", "C=D;P=*",
	} {
		if ev := get("/files/?" + q); !c.MayMatch(ev) {
			t.Errorf("%s: ruled out, but is no Apache sort query", ev.URL)
		}
	}
}

// TestNodeWordsConfirmed checks that 934100's pattern, not its literals
// alone, decides a plain path holding one of them (nodeLiterals): paths that
// spell a whole alternative of the pattern ("process.env",
// "this.constructor", "__js_function") go to Coraza, which flags them;
// paths that only hold a literal ("vim-function-to-make-errors-readable.html",
// a real request) are ruled out, and Coraza matches no rule on them. Every
// word is also tried in the shapes paths give it, and whatever the
// prefilter rules out must match no rule in Coraza.
func TestNodeWordsConfirmed(t *testing.T) {
	c := checker(t, 1)
	get := func(u string) *event.Event { return web("GET", u, benchUA, "-") }
	flags := func(ev *event.Event) []int {
		r := requestOf(ev)
		return ruleIDs(c.evaluate(&r))
	}
	for _, u := range []string{
		"/x/__js_function", "/x/this.constructor", "/a/process.env", "/a/process.mainModule", "/a/require.main",
		"/a/require.cache", "/x/String.fromCharCode", "/x/process.binding", "/api/process.require",
	} {
		ev := get(u)
		if !slices.Contains(flags(ev), nodeRule) {
			t.Errorf("%s: Coraza does not fire %d; the test expects it to", u, nodeRule)
		}
		if !c.MayMatch(ev) {
			t.Errorf("%s: ruled out, but 934100 fires", u)
		}
	}
	for _, u := range []string{
		"/blog/geekery/vim-function-to-make-errors-readable.html", "/files/xdotool/docs/html/functions.html",
		"/js/prototype.js", "/docs/console.html", "/node/module.exports.html", "/lib/child_process.html",
		"/manual/en/function.strlen.php", "/guide/constructor-functions",
	} {
		ev := get(u)
		if ids := flags(ev); len(ids) > 0 {
			t.Errorf("%s: Coraza fires %v; the test expects a benign path", u, ids)
		}
		if c.MayMatch(ev) {
			t.Errorf("%s: reaches Coraza, though 934100's pattern cannot match it", u)
		}
	}
	var d differential
	for _, w := range nodeLiterals {
		for _, v := range []string{w, strings.ToUpper(w[:1]) + w[1:], strings.ToUpper(w)} {
			for _, u := range []string{"/" + v, "/a/" + v + "/b", "/x-" + v + "-y.html", "/a/" + v + "s", "/this." + v, "/new." + v, "/" + v + "env", "/" + v + "main", "/" + v + ".x"} {
				ev := get(u)
				d.check(t, ev, flags(ev), c.MayMatch(ev))
			}
		}
	}
	if d.ruledOut < len(nodeLiterals) || d.flagged < len(nodeLiterals) {
		t.Errorf("%d paths ruled out, %d flagged: the test proves little", d.ruledOut, d.flagged)
	}
	t.Logf("%d paths ruled out, %d flagged by Coraza", d.ruledOut, d.flagged)
}

// TestOptionsLikeGet proves optionsAllowed's claim on the embedded CRS:
// every request here gets the same verdict from Coraza as OPTIONS as it
// does as GET, and the prefilter rules out the OPTIONS requests it rules
// out as GET (CORS preflights repeat every API path). Methods the policy
// does not allow still reach Coraza, which fires 911100 on them.
func TestOptionsLikeGet(t *testing.T) {
	c := checker(t, 1)
	if !c.prefilter().options {
		t.Fatal("the embedded CRS allows OPTIONS (tx.allowed_methods); the prefilter read it as not allowed")
	}
	urls := []string{
		"/", "/api/v1/cart/items", "/projects/xdotool/", "/files/?C=D;O=A", "/blog/tags/jquery%20mobile",
		"/product/3551?utm_source=newsletter&utm_medium=email", "/search?q=red+shoes&page=2",
		"/api/v1/users/42?fields=name,email", "/a/process.env", "/x/__js_function", "/etc/passwd",
		"/index.php?id=1%27%20or%201=1", "/?cmd=;cat+/etc/passwd", "/.git/config", "/backup.sql",
		"/api/items?sort=price&order=asc", "/static/app.js", "/blog/vim-function-to-make-errors-readable.html",
	}
	var d differential
	for _, u := range urls {
		get := web("GET", u, benchUA, "-")
		opt := *get
		opt.Method = "OPTIONS"
		rg, ro := requestOf(get), requestOf(&opt)
		vg, vo := ruleIDs(c.evaluate(&rg)), ruleIDs(c.evaluate(&ro))
		if !slices.Equal(vg, vo) {
			t.Errorf("%s: Coraza fires %v on GET but %v on OPTIONS", u, vg, vo)
		}
		mg, mo := c.MayMatch(get), c.MayMatch(&opt)
		if mg != mo {
			t.Errorf("%s: the prefilter says %v for GET but %v for OPTIONS", u, mg, mo)
		}
		d.check(t, &opt, vo, mo)
	}
	if d.ruledOut < 8 || d.flagged < 5 {
		t.Errorf("%d OPTIONS requests ruled out, %d flagged: the test proves little", d.ruledOut, d.flagged)
	}
	for _, m := range []string{"PUT", "DELETE", "PROPFIND", "TRACE", "PATCH"} {
		ev := web(m, "/projects/xdotool/", benchUA, "-")
		r := requestOf(ev)
		if !slices.Contains(ruleIDs(c.evaluate(&r)), 911100) {
			t.Errorf("%s: Coraza does not fire 911100; the test expects the method to be refused", m)
		}
		if !c.MayMatch(ev) {
			t.Errorf("%s: ruled out, but 911100 fires", m)
		}
	}
}

// TestOptionsAllowed reads tx.allowed_methods as 901 writes it.
func TestOptionsAllowed(t *testing.T) {
	for _, tc := range []struct {
		conf string
		want bool
		err  bool
	}{
		{`setvar:'tx.allowed_methods=GET HEAD POST OPTIONS'"`, true, false},
		{`setvar:'tx.allowed_methods=GET HEAD POST'"`, false, false},
		{`setvar:'tx.allowed_methods=GET HEAD POST OPTIONSX'"`, false, false},
		{`nothing here`, false, true},
	} {
		got, err := optionsAllowed([]byte(tc.conf))
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("%q: %v, %v; want %v, error %v", tc.conf, got, err, tc.want, tc.err)
		}
	}
}

// TestBareQueryTokens checks query pairs without '=' ("?wsdl", cache
// busters such as "?1391904000"), which plainQuery judges as names with an
// empty value: every token CRS's words and the shell commands make, alone
// and beside other pairs, is evaluated by Coraza, and whatever the
// prefilter rules out must match no rule; benign tokens are ruled out.
func TestBareQueryTokens(t *testing.T) {
	c := checker(t, 1)
	tokens := []string{"wsdl", "rss", "1391904000", "amp", "print", "v2", "org.elasticsearch.Foo", "a-b_c.d",
		"select", "union", "sleep", "benchmark", "pg_sleep", "waitfor", "information_schema", "eval", "system",
		"phpinfo", "passwd", "shadow", "etc", "cmd", "exec", "id", "1e309", "0x2e", ".htaccess", "..", ".",
		"javascript", "script", "onerror", "alert", "document.cookie", "session", "sid", "token", "jsessionid"}
	for w := range shellCommands {
		tokens = append(tokens, w)
	}
	tokens = append(tokens, nodeLiterals...)
	slices.Sort(tokens)
	var d differential
	for _, tok := range tokens {
		for _, u := range []string{"/x/y.php?" + tok, "/x/?" + tok + "&a=1", "/x?a=1&" + tok, "/?" + strings.ToUpper(tok)} {
			ev := web("GET", u, benchUA, "-")
			r := requestOf(ev)
			d.check(t, ev, ruleIDs(c.evaluate(&r)), c.MayMatch(ev))
		}
	}
	for _, u := range []string{"/service?wsdl", "/static/app.js?1391904000", "/feed?rss", "/doc/index.html?print"} {
		if c.MayMatch(web("GET", u, benchUA, "-")) {
			t.Errorf("%s: reaches Coraza", u)
		}
	}
	if d.ruledOut < len(tokens) || d.flagged < 10 {
		t.Errorf("%d requests ruled out, %d flagged: the test proves little", d.ruledOut, d.flagged)
	}
	t.Logf("%d requests with bare tokens ruled out, %d flagged by Coraza", d.ruledOut, d.flagged)
}

// differential counts the requests a test asks both the prefilter and
// Coraza about, and fails the test on one the prefilter rules out that
// Coraza flags.
type differential struct{ ruledOut, flagged int }

// check records ev's answers: ids, the rules Coraza fires; may, the
// prefilter's.
func (d *differential) check(t *testing.T, ev *event.Event, ids []int, may bool) {
	t.Helper()
	if len(ids) > 0 {
		d.flagged++
		if !may {
			t.Errorf("%s %s: ruled out, but Coraza fires %v", ev.Method, ev.URL, ids)
		}
	}
	if !may {
		d.ruledOut++
	}
}

// TestLineMethods keeps widePath's request lines in step with MayMatch:
// every method MayMatch can rule out a request of is one widePath builds
// lines with, and the other way round.
func TestLineMethods(t *testing.T) {
	c := checker(t, 1)
	for _, m := range []string{"GET", "HEAD", "POST", "OPTIONS", "PUT", "DELETE", "PATCH", "TRACE", "CONNECT", "PROPFIND", "get"} {
		screened := !c.MayMatch(web(m, "/index.html", benchUA, "-"))
		if screened != slices.Contains(lineMethods, m) {
			t.Errorf("%s: MayMatch rules it out: %v; widePath builds its lines: %v", m, screened, slices.Contains(lineMethods, m))
		}
	}
}
