package crs

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"
	"github.com/kizuki-dfir/kizuki/event"
)

var (
	checkersMu sync.Mutex
	checkers   = map[int]*Checker{}
)

// checker returns a shared Checker per paranoia level (compiling CRS takes
// a noticeable fraction of a second); tests that read Stats build their own.
func checker(t testing.TB, pl int) *Checker {
	t.Helper()
	checkersMu.Lock()
	defer checkersMu.Unlock()
	if c, ok := checkers[pl]; ok {
		return c
	}
	c, err := New(Options{Paranoia: pl})
	if err != nil {
		t.Fatal(err)
	}
	checkers[pl] = c
	return c
}

func web(method, url, ua, referer string) *event.Event {
	return &event.Event{Kind: event.KindWeb, Method: method, URL: url, HTTPVersion: "HTTP/1.1", UserAgent: ua, Referrer: referer}
}

func ruleIDs(v Verdict) []int {
	ids := make([]int, len(v.Hits))
	for i, h := range v.Hits {
		ids[i] = h.RuleID
	}
	return ids
}

func TestCheckSamples(t *testing.T) {
	c := checker(t, 1)
	const firefox = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.7; rv:21.0) Gecko/20100101 Firefox/21.0"
	tests := []struct {
		name   string
		ev     *event.Event
		attack bool
		rule   int    // a rule that must fire (0: none must)
		class  string // class of that rule's hit
		tech   string
	}{
		// apache-real/access.log line 1 (elastic/examples apache_logs).
		{"benign image", web("GET", "/presentations/logstash-monitorama-2013/images/kibana-search.png",
			"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
			"http://semicomplete.com/presentations/logstash-monitorama-2013/"), false, 0, "", ""},
		// apache-real/access.log line 1408: WordPress registration probe; CRS does not flag it.
		{"wp-login probe", web("GET", "/wp-login.php?action=register", firefox, "http://www.semicomplete.com/misc/sample.log"), false, 0, "", ""},
		// CRS regression REQUEST-942-APPLICATION-ATTACK-SQLI/942100.yaml (payload moved from body to query).
		{"sqli libinjection", web("GET", "/?var=-1839%27%20or%20%271%27%3D%271", firefox, ""), true, 942100, "sqli", "T1190"},
		// CRS regression REQUEST-930-APPLICATION-ATTACK-LFI/930110.yaml style traversal.
		{"path traversal", web("GET", "/foo/../../../etc/passwd", firefox, ""), true, 930110, "lfi", "T1190"},
		// CRS regression REQUEST-941-APPLICATION-ATTACK-XSS/941110.yaml.
		{"xss script tag", web("GET", "/?x=%3Cscript%3Ealert(1)%3C/script%3E", firefox, ""), true, 941110, "xss", "T1190"},
		// CRS regression REQUEST-931-APPLICATION-ATTACK-RFI/931100.yaml.
		{"rfi ip url", web("GET", "/?x=http://192.168.1.1/shell.txt", firefox, ""), true, 931100, "rfi", "T1190"},
		// CRS regression REQUEST-932-APPLICATION-ATTACK-RCE/932160.yaml.
		{"rce shell", web("GET", "/?cmd=%3Bcat%20/etc/passwd", firefox, ""), true, 932160, "rce", "T1190"},
		// CRS regression REQUEST-933-APPLICATION-ATTACK-PHP/933100.yaml.
		{"php open tag", web("GET", "/?x=%3C%3Fphp%20echo%20shell_exec('id')%3B", firefox, ""), true, 933100, "php-injection", "T1190"},
		// CRS regression REQUEST-913-SCANNER-DETECTION/913100.yaml: sqlmap's own UA.
		{"scanner ua", web("GET", "/", "sqlmap/1.3.11#stable (http://sqlmap.org)", ""), true, 913100, "scanner", "T1595"},
		// Shellshock in the User-Agent, as in CRS regression 932170.yaml.
		{"shellshock ua", web("GET", "/cgi-bin/status", "() { :; }; /bin/bash -c 'id'", ""), true, 932170, "rce", "T1190"},
		// CRS regression REQUEST-930-APPLICATION-ATTACK-LFI/930130.yaml: restricted file in a plain path.
		{"git config", web("GET", "/.git/config", firefox, ""), true, 930130, "lfi", "T1190"},
		// A plain-looking path that base64-decodes (t:base64Decode) to "__js_function":
		// the prefilter must not rule it out.
		{"base64 path", web("GET", "/aaaX19qc19mdW5jdGlvbg", firefox, ""), true, 934100, "rce", "T1190"},
		// 920440: restricted extension (.bak) in a plain path.
		{"backup file", web("GET", "/index.php.bak", firefox, ""), true, 920440, "protocol", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := c.Check(tt.ev)
			if v.Attack() != tt.attack {
				t.Errorf("Attack() = %v (score %d, rules %v), want %v", v.Attack(), v.Score, ruleIDs(v), tt.attack)
			}
			if !sort.SliceIsSorted(v.Hits, func(i, j int) bool { return v.Hits[i].RuleID < v.Hits[j].RuleID }) {
				t.Errorf("hits not sorted: %v", ruleIDs(v))
			}
			if tt.rule == 0 {
				if len(v.Hits) != 0 {
					t.Errorf("hits %v, want none", ruleIDs(v))
				}
				return
			}
			i := slices.IndexFunc(v.Hits, func(h Hit) bool { return h.RuleID == tt.rule })
			if i < 0 {
				t.Fatalf("rule %d did not fire; hits %v", tt.rule, ruleIDs(v))
			}
			h := v.Hits[i]
			if h.Class != tt.class || h.Technique != tt.tech {
				t.Errorf("rule %d: class %q technique %q, want %q %q", tt.rule, h.Class, h.Technique, tt.class, tt.tech)
			}
			if h.Message == "" || h.Severity == "" || len(h.Tags) == 0 {
				t.Errorf("rule %d: incomplete hit %+v", tt.rule, h)
			}
			if !c.MayMatch(tt.ev) {
				t.Errorf("MayMatch = false for a request CRS flags")
			}
		})
	}
}

func TestNonWebEvents(t *testing.T) {
	c := checker(t, 1)
	for _, ev := range []*event.Event{
		{Kind: event.KindAuth, URL: "/?id=1' or 1=1--"},
		{Kind: event.KindWeb}, // a "-" request line: no URL to check
	} {
		if v := c.Check(ev); v.Score != 0 || len(v.Hits) != 0 {
			t.Errorf("Check(%+v) = %+v, want empty", ev, v)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, pl := range []int{-1, 5} {
		if _, err := New(Options{Paranoia: pl}); err == nil {
			t.Errorf("New(Paranoia %d): no error", pl)
		}
	}
}

// TestRegressionPayloads replays every CRS regression request that an access
// log can express (no body, no header beyond User-Agent/Referer and the ones
// the Checker synthesises) at paranoia 4, where every rule is active, and
// checks that the rules CRS expects do fire and the ones it forbids do not.
func TestRegressionPayloads(t *testing.T) {
	if testing.Short() {
		t.Skip("replays thousands of requests through Coraza")
	}
	cases := loadRegression(t)
	c := checker(t, 4)
	var usable, withExpect, expectOK, withNo, noOK int
	var missed []string
	for _, tc := range cases {
		if !tc.loggable {
			continue
		}
		usable++
		v := c.Check(&tc.ev)
		ids := ruleIDs(v)
		if len(tc.expect) > 0 {
			withExpect++
			ok := true
			for _, id := range tc.expect {
				ok = ok && slices.Contains(ids, id)
			}
			if ok {
				expectOK++
			} else {
				missed = append(missed, fmt.Sprintf("%s want %v got %v (%s %q)", tc.name, tc.expect, ids, tc.ev.Method, tc.ev.URL))
			}
		}
		if len(tc.noExpect) > 0 {
			withNo++
			ok := true
			for _, id := range tc.noExpect {
				ok = ok && !slices.Contains(ids, id)
			}
			if ok {
				noOK++
			}
		}
	}
	t.Logf("%d stages, %d expressible in an access log; expected rule fired in %d/%d (%.1f%%); forbidden rule absent in %d/%d",
		len(cases), usable, expectOK, withExpect, 100*float64(expectOK)/float64(withExpect), noOK, withNo)
	for i, m := range missed {
		if i == 80 {
			t.Logf("... and %d more", len(missed)-i)
			break
		}
		t.Log("missed:", m)
	}
	// Measured with CRS 4.25 / Coraza 3.8.1; these floors stop regressions.
	if usable < minUsable {
		t.Errorf("only %d usable stages, want >= %d", usable, minUsable)
	}
	if expectOK < minExpectOK {
		t.Errorf("expected rule fired in %d stages, want >= %d", expectOK, minExpectOK)
	}
	if noOK < minNoExpectOK {
		t.Errorf("forbidden rule absent in %d stages, want >= %d", noOK, minNoExpectOK)
	}
}

const (
	minUsable     = 1462 // of 4,956 request stages (the rest need a body or headers a log lacks)
	minExpectOK   = 1045 // of 1,078 stages with expect_ids (96.9%)
	minNoExpectOK = 359  // of 371 stages with no_expect_ids
)

// TestBenignTraffic runs the first 2,000 lines of a real site's access log
// (apache-real, mostly benign, some WordPress probes) at paranoia 1.
func TestBenignTraffic(t *testing.T) {
	evs := loadApache(t, 2000)
	c, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	var attacks int
	for i := range evs {
		v := c.Check(&evs[i])
		if v.Attack() {
			attacks++
			t.Logf("line %d score %d %v: %s %s UA=%q Referer=%q", evs[i].Ref.Line, v.Score, ruleIDs(v),
				evs[i].Method, evs[i].URL, evs[i].UserAgent, evs[i].Referrer)
		}
	}
	st := c.Stats()
	t.Logf("%d requests: %d scored >= %d; stats %+v (%.1f%% reached Coraza)", len(evs), attacks, InboundThreshold, st,
		100*float64(st.Evaluated)/float64(st.Checked))
	if len(evs) != 2000 {
		t.Fatalf("decoded %d lines, want 2000", len(evs))
	}
	if attacks > maxBenignAttacks {
		t.Errorf("%d benign requests reach the attack threshold, want <= %d", attacks, maxBenignAttacks)
	}
	if st.Checked != 2000 || st.Prefiltered+st.CacheHits+st.Evaluated != st.Checked {
		t.Errorf("stats do not add up: %+v", st)
	}
	if st.Prefiltered == 0 || st.CacheHits == 0 {
		t.Errorf("prefilter or cache never used: %+v", st)
	}
	// Measured: 340 of 2,000 (17%) reach Coraza; 1,436 are ruled out by
	// MayMatch and 224 served from the cache.
	if st.Evaluated > maxBenignEvaluated {
		t.Errorf("%d requests reached Coraza, want <= %d", st.Evaluated, maxBenignEvaluated)
	}
}

// Measured: 14 of 2,000, all real CRS PL1 findings on files the site does
// serve (.log, .conf, .sh: 920440 restricted extension; config.xml: 930130).
const maxBenignAttacks = 14

const maxBenignEvaluated = 340

// TestMayMatchConservative shows that MayMatch never rules out a request CRS
// flags at paranoia 1: every regression payload and every real request it
// rejects is evaluated by Coraza directly and must produce no hit at all.
// Only the rejected requests need evaluating: the claim is "false ⇒ no hit".
func TestMayMatchConservative(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates thousands of requests through Coraza")
	}
	c := checker(t, 1)
	var evs []event.Event
	var names []string
	for _, tc := range loadRegression(t) {
		evs = append(evs, tc.ev)
		names = append(names, tc.name)
	}
	nReg := len(evs)
	for _, ev := range loadApache(t, 10000) {
		evs = append(evs, ev)
		names = append(names, fmt.Sprintf("apache-real line %d", ev.Ref.Line))
	}
	var rejReg, rejReal int
	seen := map[string]bool{}
	for i := range evs {
		if c.MayMatch(&evs[i]) {
			continue
		}
		if i < nReg {
			rejReg++
		} else {
			rejReal++
		}
		r := requestOf(&evs[i])
		if k := string(r.appendKey(nil)); seen[k] {
			continue // same request, same verdict
		} else {
			seen[k] = true
		}
		if v := c.evaluate(&r); len(v.Hits) != 0 || v.Score != 0 {
			t.Errorf("%s: MayMatch false but CRS fires %v (score %d): %s %q UA=%q Referer=%q", names[i], ruleIDs(v), v.Score,
				evs[i].Method, evs[i].URL, evs[i].UserAgent, evs[i].Referrer)
		}
	}
	t.Logf("MayMatch ruled out %d of %d regression requests and %d of %d real requests", rejReg, nReg, rejReal, len(evs)-nReg)
	// The test must not pass vacuously: most real traffic is plain.
	if rejReal < minRealRejected {
		t.Errorf("MayMatch ruled out only %d real requests, want >= %d", rejReal, minRealRejected)
	}
}

// Measured: 9,903 of 9,999 real requests never need Coraza (9,437 before
// the fourth session decided directory listings, paths with spaces,
// 934100's literals, OPTIONS and Referers).
const minRealRejected = 9903

// TestMayMatchGenerated builds requests from the prefilter's own alphabet,
// mixing real path segments, User-Agent tokens and the words CRS looks for, and
// checks the same implication as TestMayMatchConservative on each.
func TestMayMatchGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates requests through Coraza")
	}
	c := checker(t, 1)
	segs := []string{"", "index.html", "wp-login.php", ".git", "config", "etc", "passwd", "admin", "backup.bak",
		"localhost", "sqlmap", "web.config", ".env", "phpinfo.php", "id_rsa", "server-status", "a.sql", "x.swp",
		"cgi-bin", "document.cookie", "java.lang.runtime", "..", "wp-config.php", "api", "v1",
		// base64 of "__js_function" and "process.env", which 934100 decodes
		"aaaX19qc19mdW5jdGlvbg", "X19qc19mdW5jdGlvbg", "aaacHJvY2Vzcy5lbnY", "page.xhtml"}
	uaParts := []string{"Mozilla/5.0", "(X11; Linux x86_64)", "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
		"Gecko/20100101", "Firefox/21.0", "curl/7.68.0", "; ps", "; ls", "env ls", "Nikto/2.1.6", "()", "( )",
		"select 1", "union all", "sleep 5", "runtime", "javascript:x", "; su", "mysql-5.7", "Wget/1.21", "; whoami", "time w"}
	refs := []string{"", "-", "http://example.com/", "https://www.google.com/", "http://x/..;/a", "http://x/; ps", "http://x/env"}
	var rejected, n int
	for i := 0; i < 1500; i++ {
		// A deterministic mix (no randomness: failures must reproduce).
		path := "/" + segs[i%len(segs)] + "/" + segs[(i/7)%len(segs)]
		ua := uaParts[i%len(uaParts)] + " " + uaParts[(i/3)%len(uaParts)]
		if i%5 == 0 {
			ua = uaParts[(i/11)%len(uaParts)]
		}
		queries := []string{"", "?id=1", "?id=1203&page=2", "?q=dress", "?q=information_schema", "?cmd=whoami", "?c=id",
			"?x=exec", "?page=passwd", "?a=select", "?f=etc", "?url=localhost", "?cb=base64_decode", "?s=sleep",
			"?utm_source=newsletter&utm_medium=email", "?lang=en.us", "?file=config.php", "?p=phpinfo", "?v=1.2.3",
			"?id=1&id=2", "?debug", "?x=system", "?n=union", "?t=script", "?u=document.cookie", "?e=env", "?x=ls",
			"?k=..", "?name=wp-config", "?a=aaaX19qc19mdW5jdGlvbg", "?order=asc&sort=name"}
		if q := queries[(i/23)%len(queries)]; q != "" {
			path += q
		}
		ev := web("GET", path, ua, refs[(i/13)%len(refs)])
		// the methods and versions MayMatch lets through
		ev.Method = [...]string{"GET", "HEAD", "POST"}[(i/17)%3]
		ev.HTTPVersion = [...]string{"HTTP/1.1", "HTTP/1.0", "HTTP/2", "HTTP/2.0", "", "1.1", "2"}[(i/19)%7]
		n++
		if c.MayMatch(ev) {
			continue
		}
		rejected++
		r := requestOf(ev)
		if v := c.evaluate(&r); len(v.Hits) != 0 {
			t.Errorf("MayMatch false but CRS fires %v: %q UA=%q Referer=%q", ruleIDs(v), ev.URL, ev.UserAgent, ev.Referrer)
		}
	}
	t.Logf("MayMatch ruled out %d of %d generated requests", rejected, n)
	if rejected == 0 {
		t.Error("no generated request was ruled out: the test checks nothing")
	}
}

func TestMayMatchHigherParanoia(t *testing.T) {
	c := checker(t, 2)
	if !c.MayMatch(web("GET", "/index.html", "", "")) {
		t.Error("MayMatch must not rule anything out above paranoia 1")
	}
}

func TestCache(t *testing.T) {
	c, err := New(Options{CacheSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	a := web("GET", "/?id=1%27%20or%20%271%27=%271", "Mozilla/5.0", "")
	b := web("GET", "/?id=1%27%20or%20%271%27=%272", "Mozilla/5.0", "")
	va := c.Check(a)
	va2 := c.Check(a)
	if !slices.Equal(ruleIDs(va), ruleIDs(va2)) || va.Score != va2.Score {
		t.Errorf("cached verdict %+v differs from %+v", va2, va)
	}
	c.Check(b)
	if st := c.Stats(); st.Evaluated != 2 || st.CacheHits != 1 {
		t.Errorf("stats %+v, want 2 evaluated, 1 cache hit", st)
	}
	// Same URL, different User-Agent: a different request.
	c.Check(web("GET", a.URL, "sqlmap/1.0", ""))
	if st := c.Stats(); st.Evaluated != 3 {
		t.Errorf("a different User-Agent was served from the cache: %+v", st)
	}
	// The cache stays bounded.
	for i := 0; i < 100; i++ {
		c.Check(web("GET", fmt.Sprintf("/?q=%d%%27", i), "", ""))
	}
	if n := c.cache.len(); n > 4 {
		t.Errorf("cache holds %d entries, bound is 4", n)
	}
}

func TestCacheKeyUnambiguous(t *testing.T) {
	// Hostile bytes must not let two different requests share a key.
	r1 := request{method: "GET", uri: "/a", proto: "HTTP/1.1", ua: "x\x001:y", referer: ""}
	r2 := request{method: "GET", uri: "/a", proto: "HTTP/1.1", ua: "x", referer: "y"}
	if string(r1.appendKey(nil)) == string(r2.appendKey(nil)) {
		t.Error("different requests share a cache key")
	}
}

func TestConcurrentCheck(t *testing.T) {
	c, err := New(Options{CacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	urls := []string{"/", "/?id=1%27%20or%201=1--", "/../../etc/passwd", "/?q=%3Cscript%3E", "/index.html", "/?x=;id"}
	want := make([]Verdict, len(urls))
	for i, u := range urls {
		want[i] = c.Check(web("GET", u, "Mozilla/5.0", ""))
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				k := (i + g) % len(urls)
				u := urls[k]
				if i%3 == 0 { // force misses and evictions as well
					u = fmt.Sprintf("%s&n=%d", urls[k], i)
					c.Check(web("GET", u, "Mozilla/5.0", ""))
					continue
				}
				v := c.Check(web("GET", u, "Mozilla/5.0", ""))
				if v.Score != want[k].Score || !slices.Equal(ruleIDs(v), ruleIDs(want[k])) {
					t.Errorf("%s: concurrent verdict %v/%d, want %v/%d", u, ruleIDs(v), v.Score, ruleIDs(want[k]), want[k].Score)
				}
			}
		}(g)
	}
	wg.Wait()
	_ = c.Stats()
}

// TestDeterministic: the same request gives the same hits, messages and
// score across independently compiled Checkers.
func TestDeterministic(t *testing.T) {
	ev := web("GET", "/?a=%3Cscript%3Ealert(1)%3C/script%3E&b=1%27%20union%20select%201,2--", "Mozilla/5.0", "")
	c1, err := New(Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	c2 := checker(t, 1)
	v1, v2 := c1.Check(ev), c2.Check(ev)
	if fmt.Sprint(v1) != fmt.Sprint(v2) {
		t.Errorf("verdicts differ:\n%v\n%v", v1, v2)
	}
}

func TestEmbeddedFSOnly(t *testing.T) {
	root := embeddedFS{nil}
	for _, name := range []string{"/etc/passwd", "../../etc/passwd", "rules.conf", "/tmp/x/@owasp_crs/../../etc/passwd"} {
		if _, err := root.ReadFile(name); !errors.Is(err, errOutsideCRS) {
			t.Errorf("ReadFile(%q) = %v, want errOutsideCRS", name, err)
		}
		if _, err := root.Open(name); !errors.Is(err, errOutsideCRS) {
			t.Errorf("Open(%q) = %v, want errOutsideCRS", name, err)
		}
	}
	// Every file the rule set names with @pmFromFile and friends is in the
	// embedded tree (New would fail otherwise); check Include resolves too.
	c := checker(t, 1)
	if c.waf == nil {
		t.Fatal("no WAF")
	}
	if _, err := fs.Stat(embeddedFS{coreruleset.FS}, "@owasp_crs/REQUEST-901-INITIALIZATION.conf"); err != nil {
		t.Error(err)
	}
	if d := directives(1); strings.Contains(d, "SecAuditLog ") || strings.Contains(d, "SecDebugLog ") || strings.Contains(d, "SecDataDir") {
		t.Errorf("configuration writes files:\n%s", d)
	}
}

func TestHostileInput(t *testing.T) {
	c := checker(t, 1)
	long := strings.Repeat("A", 1<<20)
	for _, ev := range []*event.Event{
		web("GET", "/\xff\xfe\x00%00%zz?%%%&&==;", "\x00\xff", "\r\n"),
		web("\x00", "http://[::1", "", ""),
		web("GET", "/?"+long, long, long),
		web("CONNECT", "example.com:443", "", ""),
		web("GET", "*", "", ""),
		{Kind: event.KindWeb, URL: "/x", HTTPVersion: "\xff"},
	} {
		v := c.Check(ev)
		if !sort.SliceIsSorted(v.Hits, func(i, j int) bool { return v.Hits[i].RuleID < v.Hits[j].RuleID }) {
			t.Errorf("unsorted hits for hostile input")
		}
	}
}

func FuzzCheck(f *testing.F) {
	c, err := New(Options{CacheSize: 64})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("GET", "/index.html", "Mozilla/5.0", "-")
	f.Add("GET", "/?id=1' or '1'='1", "() { :; }; id", "http://x/")
	f.Add("POST", "/\x00\xff%u0041", "\r\nX: y", "")
	f.Add("GET", "/?a=dGhp+cy5jb25zdHJ1Y3Rvcg&utm_campaign=Feed%3A+x%2Fy+%28z%29", "Mozilla/5.0 (compatible; Ezooms/1.0; help@moz.com)", "http://x/a?b=c&d=%20e")
	// The fourth session's decisions: directory-listing queries, paths with
	// spaces, 934100's literals, OPTIONS, and Referers decided whole.
	f.Add("OPTIONS", "/files/?C=D;O=A", "Mozilla/5.0", "-")
	f.Add("GET", "/blog/tags/jquery%20mobile", "Mozilla/5.0", "http://www.google.com/url?sa=t&q=&url=http%3A%2F%2Fx%2F&usg=AF")
	f.Add("HEAD", "/blog/vim-function-to-make-errors-readable.html", "Mozilla/5.0", "http://ijavascript.cn/jquery/list.html")
	f.Add("GET", "/a/process.env", "Mozilla/5.0", "http://yandex.ru/search?text=%D0%BB%D0%B8%20%27x%27&p=9")
	f.Add("GET", "/service?wsdl&id=2&ls", "Mozilla/5.0", "-")
	f.Fuzz(func(t *testing.T, method, url, ua, ref string) {
		ev := &event.Event{Kind: event.KindWeb, Method: method, URL: url, UserAgent: ua, Referrer: ref}
		v := c.Check(ev)
		if !c.MayMatch(ev) {
			r := requestOf(ev)
			if v := c.evaluate(&r); len(v.Hits) != 0 {
				t.Errorf("MayMatch false but CRS fires %v", ruleIDs(v))
			}
		}
		if !sort.SliceIsSorted(v.Hits, func(i, j int) bool { return v.Hits[i].RuleID < v.Hits[j].RuleID }) {
			t.Error("unsorted hits")
		}
	})
}
