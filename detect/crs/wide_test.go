package crs

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// TestQueryRulesModelled proves widePair asks every paranoia-1 rule that
// reads the query in a way it models: each first condition has an operator
// the prefilter answers for (the @rx patterns in wideRx, the word lists in
// wideWords, libinjection, base64Match, byte ranges and literals no widePair
// value holds) and a transformation chain that, on a decoded value of
// wideBytes that pathStable accepts, reaches one of the forms widePair asks.
// A new rule or transformation in a CRS update fails here.
func TestQueryRulesModelled(t *testing.T) {
	rules, err := queryRules(embeddedFS{coreruleset.FS})
	if err != nil {
		t.Fatal(err)
	}
	chains := [][]string{nil, {"cmdLine"}, {"removeWhitespace"}, {"compressWhitespace"}, {"removeCommentsChar"}}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.id)
		checkChain(t, r, chains)
		op := r.operator
		switch {
		case strings.HasPrefix(op, "@rx "):
		case op == "@detectSQLi", op == "@detectXSS":
		case op == "@validateByteRange 1-255":
		case strings.HasPrefix(op, "!@rx ") && r.id == "920100": // request line shape: a query without spaces or '#' keeps it
		case op == "@streq GET /": // 905100: an exception, it never alerts
		case op == "@contains #": // no '#' in a query the prefilter accepts
		case strings.HasPrefix(op, "@pm "):
		case strings.HasPrefix(op, "@pmFromFile "):
			if !slices.Contains(argDataFiles, "@owasp_crs/"+strings.TrimPrefix(op, "@pmFromFile ")) {
				t.Errorf("rule %s: %s is not in argDataFiles", r.id, op)
			}
		default:
			t.Errorf("rule %s: operator %q is not modelled", r.id, op)
		}
	}
	t.Logf("%d query rules: %v", len(rules), ids)
	for _, id := range []string{"920270", "930100", "930110", "930120", "931110", "932160", "933130", "934100", "941100", "942100", "944150"} {
		if !slices.Contains(ids, id) {
			t.Errorf("rule %s not found among the query rules", id)
		}
	}
	c := checker(t, 1)
	if f := c.prefilter(); f == nil || func() bool { rx, _ := f.wide(); return rx == nil }() {
		t.Error("the query rules' patterns did not compile: widePair is off")
	}
}

// TestDecodeArg checks decodeWithin over wideBytes against the standard query decoding where
// it accepts, and that it refuses what it does not model.
func TestDecodeArg(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Feed%3A+semicomplete%2Fmain+%28x%29", true}, {"a,b", true}, {"plain", true},
		{"%3Cscript%3E", false}, {"%u0041", false}, {"%zz", false}, {"x%2", false}, {"%25", false}, {"%2B", false},
		{"%26", false}, {"%3D", false}, {"%27", false}, {"%C3%A9", false}, {"%00", false}, {"%5C", false}, {"a;b", false},
	} {
		d, ok := decodeWithin(tc.in, wideBytes)
		if ok != tc.ok {
			t.Errorf("decodeWithin(%q, wideBytes) ok = %v, want %v", tc.in, ok, tc.ok)
		}
		if want, err := url.QueryUnescape(tc.in); ok && (err != nil || d != want) {
			t.Errorf("decodeWithin(%q, wideBytes) = %q, QueryUnescape %q (%v)", tc.in, d, want, err)
		}
	}
}

// TestPathStable checks pathStable against normalizePath.
func TestPathStable(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"a/b", true}, {"http://x", false}, {"/a", true}, {"a/", true}, {"/", false}, {"a//b", false},
		{"a/./b", false}, {"./a", false}, {"a/.", false}, {"a./b", false}, {"a /b", false}, {"c:x/", false}, {"x:y", true},
	} {
		if got := pathStable(tc.in); got != tc.ok {
			t.Errorf("pathStable(%q) = %v, want %v", tc.in, got, tc.ok)
		}
		if tc.ok && normalizePath(tc.in) != tc.in {
			t.Errorf("pathStable(%q) but normalizePath gives %q", tc.in, normalizePath(tc.in))
		}
	}
}

// realQueries are query strings from ../shared apache-real that once went
// to Coraza for their escapes and punctuation.
var realQueries = []string{
	"utm_source=feedburner&utm_medium=feed&utm_campaign=Feed%3A+semicomplete%2Fmain+%28semicomplete.com+-+Jordan+Sissel%29",
	"utm_campaign=Feed:+semicomplete/main+(semicomplete.com+-+Jordan+Sissel)",
	"utm_source=feedburner&utm_medium=twitter&utm_campaign=Feed%3A+semicomplete%2Fmain",
	"page=2&sort=a,b",
}

// queryAttacks are payloads over the widened alphabet (and a few outside it).
var queryAttacks = []string{
	"1%27+OR+1=1", "1+OR+1=1", "sleep(5)", "sleep%285%29", "benchmark(1000,md5(1))", "/etc/passwd", "%2Fetc%2Fpasswd",
	"etc/passwd", "php://input", "php:%2F%2Finput", "http://evil/", "http:%2F%2Fevil%2F", "file:///etc/passwd",
	"$(id)", "`id`", ";id", "(id)", "%28id%29", "/bin/sh", "/bin/ls", "ls", "(ls)", "%3Cscript%3E", "alert(1)",
	"eval(x)", "system(id)", "exec(id)", "include(x)", "union+select+1,2", "select(1)", "1)or(1", "x:/etc/passwd",
	"..%2F..%2Fetc%2Fpasswd", "%2E%2E%2Fx", "0x2f0x2e0x2e0x2f", "/proc/self/environ", "c:/windows/win.ini",
	"java.lang.Runtime", "data:text/html,x", "javascript:alert(1)", "cmd.exe", "powershell", "/usr/bin/id",
	"phpinfo()", "assert(1)", "chr(65)", "(select(1))", "1,(select(1))", "ftp://evil/x?", "gopher://x",
	"mosConfig_absolute_path=http://x", "127.0.0.1", "169.254.169.254", "localhost",
}

// TestWideMutations replays the real query strings, and each with an
// attack in one value (alone, before, inside and after the real value):
// whatever MayMatch rules out, Coraza must not flag. It also checks that
// most real queries are now ruled out and that the attacks reach Coraza.
func TestWideMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	var plainReal, flagged, sent, ruledOut int
	check := func(u string) bool {
		ev := web("GET", u, "", "")
		if c.MayMatch(ev) {
			return true
		}
		r := requestOf(ev)
		if v := c.evaluate(&r); len(v.Hits) != 0 || v.Score != 0 {
			t.Errorf("MayMatch false but CRS fires %v: %q", ruleIDs(v), u)
		}
		return false
	}
	for _, q := range realQueries {
		if !check("/blog/post.html?" + q) {
			plainReal++
		}
		pairs := strings.Split(q, "&")
		last := pairs[len(pairs)-1]
		name, v, _ := strings.Cut(last, "=")
		head := strings.Join(pairs[:len(pairs)-1], "&")
		if head != "" {
			head += "&"
		}
		for _, x := range queryAttacks {
			for _, m := range []string{x, x + v, v + x, v[:len(v)/2] + x + v[len(v)/2:], v + "+" + x, x + "+" + v} {
				u := "/blog/post.html?" + head + name + "=" + m
				if check(u) {
					sent++
					r := requestOf(web("GET", u, "", ""))
					if v := c.evaluate(&r); len(v.Hits) != 0 {
						flagged++
					}
				} else {
					ruledOut++
				}
			}
		}
	}
	t.Logf("%d of %d real queries ruled out; mutations: %d ruled out, %d sent to Coraza, %d of them flagged",
		plainReal, len(realQueries), ruledOut, sent, flagged)
	if plainReal < len(realQueries)-1 {
		t.Errorf("only %d of %d real queries are ruled out", plainReal, len(realQueries))
	}
	if flagged == 0 {
		t.Error("no mutation was flagged: the attacks test nothing")
	}
}

// TestQueryAfterPath checks the traversals 930100 finds across the "?" of
// REQUEST_URI_RAW, which no single pair shows, reach Coraza and are flagged.
func TestQueryAfterPath(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	for _, u := range []string{"/dir/?.0x2e0x2f=x", "/dir/?0x2e0x2e0x2f=x", "/dir/?0X2E.0x5c=1&a=b"} {
		ev := web("GET", u, "", "")
		if !c.MayMatch(ev) {
			t.Errorf("MayMatch(%q) = false", u)
		}
		r := requestOf(ev)
		if v := c.evaluate(&r); !slices.Contains(ruleIDs(v), 930100) {
			t.Errorf("%q: CRS fires %v, not 930100: the case tests nothing", u, ruleIDs(v))
		}
	}
}

// wideIdentity are the transformations that leave a value as it is when it
// holds no '%', '+', '&', '\\', '*', '#', no byte above ASCII and no NUL,
// and pathStable holds: a value widePair decodes, a path widePath decodes.
var wideIdentity = map[string]bool{"none": true, "utf8toUnicode": true, "urlDecodeUni": true, "htmlEntityDecode": true,
	"jsDecode": true, "cssDecode": true, "removeNulls": true, "lowercase": true, "replaceComments": true,
	"normalizePath": true}

// checkChain fails t unless rule r's transformations, wideIdentity's left
// out, are one of chains, the forms the caller asks about. Two more are
// modelled apart: base64Decode in 934100 and 934160 (base64Match asks their
// decodings with and without spaces), and normalizePathWin before a word
// list (it only cuts a pathStable value short, which makes no new word). It
// returns the transformations left.
func checkChain(t *testing.T, r headerRule, chains [][]string) []string {
	t.Helper()
	var rest []string
	for _, tr := range r.trans {
		if !wideIdentity[tr] {
			rest = append(rest, tr)
		}
	}
	pm := strings.HasPrefix(r.operator, "@pm ") || strings.HasPrefix(r.operator, "@pmFromFile ")
	switch {
	case slices.Contains(rest, "base64Decode") && (r.id == "934100" || r.id == "934160"):
	case pm && slices.Equal(rest, []string{"normalizePathWin"}):
	case !slices.ContainsFunc(chains, func(c []string) bool { return slices.Equal(c, rest) }):
		t.Errorf("rule %s: transformations %v are not modelled", r.id, r.trans)
	}
	return rest
}
