package crs

import (
	"fmt"
	"io/fs"
	"math/rand"
	"regexp"
	"slices"
	"strings"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestPathRulesModelled proves widePath asks every paranoia-1 rule that
// reads the path in a way it models: each first condition reads targets
// widePath builds forms for, with an operator it answers for (the @rx
// patterns in its set, the word lists widePair's words hold, base64Match,
// 920100's negated request-line shape, byte ranges and literals no such
// path holds) and a transformation chain that, on a decoded path
// pathStable accepts (bytes of plainPath's alphabet and single spaces
// between them), reaches one of the forms widePath asks. A new rule,
// target or transformation in a CRS update fails here.
func TestPathRulesModelled(t *testing.T) {
	root := embeddedFS{coreruleset.FS}
	rules, err := pathRules(root)
	if err != nil {
		t.Fatal(err)
	}
	qrules, err := queryRules(root)
	if err != nil {
		t.Fatal(err)
	}
	isQuery := map[string]bool{}
	for _, r := range qrules {
		isQuery[r.id] = true
	}
	chains := [][]string{nil, {"cmdLine"}, {"removeWhitespace"}, {"compressWhitespace"}}
	known := map[string]bool{"REQUEST_FILENAME": true, "REQUEST_BASENAME": true, "REQUEST_URI": true,
		"REQUEST_URI_RAW": true, "REQUEST_LINE": true}
	var ids []string
	for _, r := range rules {
		ids = append(ids, r.id)
		lineOnly := true
		for _, tg := range strings.Split(r.targets, "|") {
			if pathTarget(tg) {
				if !known[tg] {
					t.Errorf("rule %s: target %s is not modelled", r.id, tg)
				}
				lineOnly = lineOnly && tg == "REQUEST_LINE"
			}
		}
		rest := checkChain(t, r, chains)
		op := r.operator
		pm := strings.HasPrefix(op, "@pm ") || strings.HasPrefix(op, "@pmFromFile ")
		switch {
		case strings.HasPrefix(op, "@rx "):
		case strings.HasPrefix(op, "!@rx ") && r.id == "920100" && lineOnly && len(rest) == 0:
			// widePath requires the pattern to match every raw request line
		case op == "@validateByteRange 1-255": // no NUL
		case strings.HasPrefix(op, "!@validateByteRange ") && r.id == "941010":
			// firing only takes REQUEST_FILENAME off the XSS rules; the
			// model asks them whether it fires or not
		case op == "@streq GET /": // 905100: an exception, it never alerts
		case op == "@contains #": // no '#' in such a path
		case strings.HasPrefix(op, "@pm "):
			if !isQuery[r.id] {
				t.Errorf("rule %s: its @pm words are not in widePair's lists (it reads no query)", r.id)
			}
		case strings.HasPrefix(op, "@pmFromFile "):
			if !slices.Contains(argDataFiles, "@owasp_crs/"+strings.TrimPrefix(op, "@pmFromFile ")) {
				t.Errorf("rule %s: %s is not in argDataFiles", r.id, op)
			}
		default:
			t.Errorf("rule %s: operator %q is not modelled", r.id, op)
		}
		if pm && !slices.ContainsFunc(strings.Split(r.targets, "|"), func(tg string) bool { return tg == "REQUEST_FILENAME" }) {
			t.Errorf("rule %s: a word list over %s, which widePath does not ask the words about", r.id, r.targets)
		}
	}
	// 920440 is modelled by plainPath's lookup of the extension, raw and
	// without '%' (so the same decoded): its chain must still be that.
	conf, err := fs.ReadFile(root, "@owasp_crs/REQUEST-920-PROTOCOL-ENFORCEMENT.conf")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`SecRule REQUEST_BASENAME "@rx \\\.\(\[\^\.\]\+\)\$" \\\n\s*"id:920440,[^"]*setvar:'tx\.extension=\.%\{tx\.1\}/',\\\n\s*chain"\n\s*SecRule TX:EXTENSION "@within %\{tx\.restricted_extensions\}" \\\n\s*"t:none,t:lowercase,\\\n\s*setvar:'tx\.inbound_anomaly_score_pl1=`).Match(conf) {
		t.Error("rule 920440 is no longer the restricted-extension lookup plainPath models")
	}
	t.Logf("%d path rules: %v", len(rules), ids)
	for _, id := range []string{"920100", "920440", "930100", "930110", "930130", "933160", "934100", "941110", "941180", "942160", "944150"} {
		if !slices.Contains(ids, id) {
			t.Errorf("rule %s not found among the path rules", id)
		}
	}
	if widePathModel() == nil {
		t.Error("the path rules' patterns did not compile: widePath is off")
	}
}

// TestPathChainsModelled proves the only chained conditions of paranoia-1
// request rules that read the path are two widePath need not model:
// 905110's (an exception that only removes rules, for "GET /" alone) and
// 920250's (UTF-8 validation: a decoded "%20" is ASCII).
func TestPathChainsModelled(t *testing.T) {
	root := embeddedFS{coreruleset.FS}
	var found []string
	for _, name := range requestRuleFiles() {
		conf, err := fs.ReadFile(root, name)
		if err != nil {
			t.Fatal(err)
		}
		chained, parent := false, ""
		for _, line := range pl1SecRules(conf) {
			m := secRuleRE.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s: cannot read %.80q", name, line)
			}
			if !chained {
				parent = ""
				if id := ruleIDRE.FindStringSubmatch(m[3]); id != nil {
					parent = id[1]
				}
			} else if anyTarget(m[1], pathTarget) {
				found = append(found, parent)
			}
			chained = strings.Contains(m[3], "chain")
		}
	}
	t.Logf("chained conditions over the path: %v", found)
	for _, id := range found {
		if id != "905110" && id != "920250" {
			t.Errorf("rule %s: a chained condition reads the path (or what its first matched), which widePath does not model", id)
		}
	}
	if !slices.Contains(found, "905110") {
		t.Error("905110's chained REQUEST_LINE condition not found: the scan proves nothing")
	}
}

// realSpacePaths are the paths with "%20" of ../shared apache-real.
var realSpacePaths = []string{
	"/blog/tags/jquery%20mobile", "/blog/tags/installer%20failure", "/blog/tags/year%20review",
	"/blog/tags/web%20scraping", "/blog/tags/life%20hacks", "/blog/tags/hope%20is%20not%20a%20strategy",
	"/blog/tags/%20barcamp", "/misc/wendy/recipes/Caramel%20Rum%20Sauce.doc",
	"/misc/wendy/recipes/Baked%20Spaghetti.doc", "/blog/tags/why%20did%20this%20take%20all%20night",
	"/blog/tags/web%20services", "/blog/tags/service%20providers", "/blog/tags/screen%20ninja",
	"/blog/tags/rfc%20failure", "/blog/tags/regular%20expressions", "/blog/tags/open%20source",
	"/blog/tags/is%20it%20done%20yet", "/blog/tags/function%20pointers", "/blog/tags/firewall%20bypass",
	"/blog/geekery/jquery-interface-puffer.html%20target=", "/blog/geekery/jquery-interface-/p%20ppuffer.html",
	"/blog/geekery/jquery-interface-%20",
	"/presentations/logstash-puppetconf-2012/lib/font/league_gothic-webfont.ttf)%20format(%22truetype%22",
}

// spacedPathsOutOfScope are the real paths widePath must leave to Coraza
// whatever Coraza says: a space at a segment's edge, or bytes outside
// plainPath's alphabet.
var spacedPathsOutOfScope = []string{
	"/blog/tags/%20barcamp", "/blog/geekery/jquery-interface-puffer.html%20target=",
	"/blog/geekery/jquery-interface-%20",
	"/presentations/logstash-puppetconf-2012/lib/font/league_gothic-webfont.ttf)%20format(%22truetype%22",
}

// spacedPathsListed are the real paths that hold a word of widePair's
// lists ("expression" for CSS expressions, "function" for 934100): widePath
// leaves them to Coraza, which needs more around those words.
var spacedPathsListed = []string{"/blog/tags/regular%20expressions", "/blog/tags/function%20pointers"}

// spacedWords are words and payloads CRS looks for, to be joined by "%20".
var spacedWords = []string{
	"union", "select", "from", "or", "1=1", "sleep", "(", "waitfor", "delay", "benchmark", "information_schema",
	"cat", "etc", "passwd", "nc", "-e", "rm", "-rf", "curl", "http", "wget", "bash", "sh", "whoami", "id", "ls",
	"eval", "system", "exec", "phpinfo", "assert", "base64_decode", "new", "Function", "require", "child_process",
	"alert", "script", "onload", "onerror", "javascript", "document.cookie", "window", "self", "top", "this",
	"java.lang.Runtime", "Runtime", "getRuntime", "ProcessBuilder", "xmlns", "xlink", "href", "data", "text",
	"while", "true", "for", "if", "and", "not", "null", "having", "group", "by", "order", "insert", "into",
	"values", "drop", "table", "exists", "case", "when", "then", "end", "like", "admin", "1", "0", "a", "x",
	"select1", "s", "char", "concat", "load_file", "outfile", "shutdown", "pg_sleep", "dbms_pipe", "sys",
	"localhost", "127.0.0.1", "169.254.169.254", "metadata", "gopher", "file", "php", "input", "filter", "proc",
	"self.environ", "web.config", "wp-config.php", ".htaccess", "boot.ini", "win.ini", "cmd.exe", "powershell",
	"Invoke-Expression", "iex", "IEX", "Get-Content", "type", "dir", "net", "user", "ping", "-c", "nslookup",
	"fromCharCode", "constructor", "prototype", "__proto__", "process.env", "module.exports", "console.log",
}

// spacedAttacks are whole payloads over the widened alphabet.
var spacedAttacks = []string{
	"union%20select", "union%20all%20select", "or%201=1", "select%20from", "select%20password%20from%20users",
	"sleep%20(", "waitfor%20delay", "cat%20etc", "cat%20passwd", "nc%20-e", "rm%20-rf", "curl%20http",
	"wget%20http", "bash%20-i", "1%20or%201", "1%20and%201", "a%20or%20a", "x%20union%20select%201",
	"new%20Function", "eval%20x", "while%20true", "java.lang.Runtime%20exec", "script%20alert",
	"document.cookie%20x", "having%201", "order%20by%201", "1%20having%201", "drop%20table%20users",
	"a%20like%20b", "s%20ping%20-c", "IEX%20x", "Invoke-Expression%20x", "Get-Content%20x", "net%20user",
	"cmd.exe%20c", "select%20case%20when", "1%20div%201", "x%20is%20null", "a%20regexp%20b", "a%20xor%20b",
	"a%20and%20sleep", "benchmark%20x", "exec%20master", "exec%20xp_cmdshell", "declare%20x", "char%20x",
	"etc%20passwd", "proc%20self", "constructor%20prototype", "require%20child_process", "process%20env",
	"data%20text", "self%20top", "window%20x", "this%20x", "x%20onload", "on%20load", "onerror%20x",
	"a%20sh", "x%20ls", "x%20id", "sh%20-c", "ls%20-la", "uname%20-a", "ps%20aux", "echo%20x",
}

// TestWidePathMutations is the differential test of widePath: real paths
// with spaces, CRS words and payloads joined by "%20" in several places of
// several paths (and random pairs of words from the rules' own data files):
// whatever MayMatch rules out, Coraza must match no rule on, whatever the
// method and version. It also checks that the real paths Coraza clears
// are ruled out (but for those out of widePath's scope), that some
// mutations are flagged (or the attacks test nothing), and that shapes
// widePath must not decide reach Coraza.
func TestWidePathMutations(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	var ruledOut, sent, flagged int
	methods := []struct{ method, proto string }{{"GET", "HTTP/1.1"}, {"HEAD", "HTTP/1.0"}, {"POST", "HTTP/2.0"}, {"GET", "2"}}
	check := func(u string, k int) (may bool, hits []int) {
		mp := methods[k%len(methods)]
		ev := &event.Event{Kind: event.KindWeb, Method: mp.method, URL: u, HTTPVersion: mp.proto}
		may = c.MayMatch(ev)
		r := requestOf(ev)
		v := c.evaluate(&r)
		if !may && (len(v.Hits) != 0 || v.Score != 0) {
			t.Errorf("MayMatch false but CRS fires %v: %s %q %s", ruleIDs(v), mp.method, u, mp.proto)
		}
		if may {
			sent++
		} else {
			ruledOut++
		}
		if len(v.Hits) != 0 {
			flagged++
		}
		return may, ruleIDs(v)
	}
	var realOut int
	for k, u := range realSpacePaths {
		may, hits := check(u, k)
		switch {
		case slices.Contains(spacedPathsOutOfScope, u):
			if !may {
				t.Errorf("%q is ruled out, but widePath does not decide it", u)
			}
		case slices.Contains(spacedPathsListed, u):
			if _, words := c.prefilter().wide(); !words.Contains(strings.ToLower(strings.ReplaceAll(u, "%20", " "))) {
				t.Errorf("%q holds no listed word", u)
			}
		case may && len(hits) == 0:
			t.Errorf("%q reaches Coraza, which matches no rule on it", u)
		case !may:
			realOut++
		}
	}
	templates := []func(string) string{
		func(x string) string { return "/blog/tags/" + x },
		func(x string) string { return "/files/" + x + ".doc" },
		func(x string) string { return "/a/" + x + "/b" },
		func(x string) string { return "/" + x },
		func(x string) string { return "/blog/tags/year%20" + x },
		func(x string) string { return "/blog/tags/" + x + "%20review" },
	}
	k := 0
	for ext := range c.prefilter().restricted {
		for _, u := range []string{"/a%20b" + ext, "/a%20b" + strings.ToUpper(ext), "/a%20b/c" + ext, "/c" + ext + "%20b"} {
			check(u, k)
			k++
		}
	}
	for _, x := range spacedAttacks {
		for _, tm := range templates {
			check(tm(x), k)
			k++
		}
	}
	for i, w := range spacedWords {
		for _, v := range []string{w + "%20x", "x%20" + w, w + "%20" + spacedWords[(i+7)%len(spacedWords)], w + "%20" + w} {
			for _, tm := range templates[:3] {
				check(tm(v), k)
				k++
			}
		}
	}
	// Random pairs and triples of the data files' words.
	root := embeddedFS{coreruleset.FS}
	lits, err := readLiterals(root, append(slices.Clone(argDataFiles), pathDataFiles...))
	if err != nil {
		t.Fatal(err)
	}
	var plain []string
	for _, l := range lits {
		if l != "" && strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == "" && !strings.HasPrefix(l, ".") {
			plain = append(plain, l)
		}
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 1500; i++ {
		n := 2 + rng.Intn(2)
		parts := make([]string, n)
		for j := range parts {
			parts[j] = plain[rng.Intn(len(plain))]
			if rng.Intn(3) == 0 {
				parts[j] = spacedWords[rng.Intn(len(spacedWords))]
			}
		}
		check(templates[rng.Intn(len(templates))](strings.Join(parts, "%20")), k)
		k++
	}
	t.Logf("real paths with spaces: %d ruled out of %d; all: %d ruled out, %d sent to Coraza, %d flagged",
		realOut, len(realSpacePaths), ruledOut, sent, flagged)
	if realOut < len(realSpacePaths)-len(spacedPathsOutOfScope)-len(spacedPathsListed) {
		t.Errorf("only %d of the real paths with spaces are ruled out", realOut)
	}
	if flagged < 100 {
		t.Errorf("only %d mutations flagged: the attacks test little", flagged)
	}
	if ruledOut < 500 {
		t.Errorf("only %d paths ruled out: the test proves little", ruledOut)
	}
	// Shapes widePath leaves to Coraza: spaces at a segment's edge or in
	// runs, other escapes, a query after an escaped path, an extension with
	// a space.
	for _, u := range []string{"/a/%20b", "/a%20/b", "/a/b%20", "/a%20%20b", "/a%2fb", "/a%2Fb", "/a%09b",
		"/a%2", "/%20", "/a%20b?x=1", "/a.b%20c", "/a%20b/..%20c", "/a+b", "/a%20b/c%20d/.x%20y"} {
		ev := web("GET", u, "", "")
		if !c.MayMatch(ev) {
			t.Errorf("%q is ruled out", u)
		}
	}
	// The query after a path with an escape goes to Coraza even when each
	// part alone is plain.
	for _, u := range []string{"/a%20b?page=2"} {
		if c.MayMatch(web("GET", u, "", "")) {
			continue
		}
		t.Errorf("%q is ruled out", u)
	}
	if c.MayMatch(web("GET", "/a%20b", "", "")) {
		t.Error(fmt.Sprintf("%q reaches Coraza: widePath is off", "/a%20b"))
	}
}
