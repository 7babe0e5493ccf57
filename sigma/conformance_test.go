package sigma

import (
	"fmt"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// compileOne parses and compiles a rule document; it fails the test unless
// exactly one rule compiles.
func compileOne(t *testing.T, doc string) (*RuleSet, *Compiled) {
	t.Helper()
	rules, err := ParseFile("test.yml", []byte(doc))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatalf("unsupported: %v", unsup)
	}
	if len(rs.Rules()) != 1 {
		t.Fatalf("compiled %d rules, want 1", len(rs.Rules()))
	}
	return rs, rs.Rules()[0]
}

// kizukiRule wraps a detection section into a rule over kizuki's own field
// names (logsource product: kizuki).
func kizukiRule(detection string) string {
	return "title: t\nid: 11111111-1111-4111-8111-111111111111\nlogsource:\n  product: kizuki\ndetection:\n" + indent(detection)
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// check evaluates the rule against ev through both the routed, prefiltered
// Match and the plain Eval, which must agree.
func check(t *testing.T, rs *RuleSet, c *Compiled, ev *event.Event, want bool) {
	t.Helper()
	got := c.Eval(ev)
	matched := rs.Match(ev, nil)
	viaMatch := len(matched) == 1 && matched[0] == c
	if got != viaMatch {
		t.Errorf("Eval=%v but Match=%v (prefilter or routing disagrees) for %+v", got, viaMatch, ev)
	}
	if got != want {
		t.Errorf("match=%v, want %v for event %+v", got, want, ev)
	}
}

// webEv is built from a real access-log line (apache-real/access.log, line 1,
// Apache-2.0): 83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET
// /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1"
// 200 203023 ...
func webEv() *event.Event {
	return &event.Event{
		Kind: event.KindWeb, Dataset: "apache.access", SourceIP: "83.149.9.216",
		Method: "GET", URL: "/presentations/logstash-monitorama-2013/images/kibana-search.png",
		HTTPVersion: "1.1", Status: 200, Bytes: 203023,
		Referrer:  "http://semicomplete.com/presentations/logstash-monitorama-2013/",
		UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
		Raw:       `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`,
		Time:      time.Date(2015, 5, 17, 10, 5, 3, 0, time.UTC),
	}
}

func with(f func(*event.Event)) *event.Event {
	ev := webEv()
	f(ev)
	return ev
}

type evCase struct {
	name string
	ev   *event.Event
	want bool
}

func TestModifiersAndValues(t *testing.T) {
	tests := []struct {
		name      string
		detection string
		cases     []evCase
	}{
		{"exact is case-insensitive", "sel:\n  http.request.method: get\ncondition: sel", []evCase{
			{"GET", webEv(), true},
			{"POST", with(func(e *event.Event) { e.Method = "POST" }), false},
		}},
		{"exact does not match a substring", "sel:\n  http.request.method: GE\ncondition: sel", []evCase{{"GET", webEv(), false}}},
		{"cased", "sel:\n  http.request.method|cased: get\ncondition: sel", []evCase{
			{"GET", webEv(), false},
			{"get", with(func(e *event.Event) { e.Method = "get" }), true},
		}},
		{"contains", "sel:\n  url.original|contains: KIBANA-search\ncondition: sel", []evCase{
			{"hit", webEv(), true},
			{"miss", with(func(e *event.Event) { e.URL = "/index.html" }), false},
			{"absent", with(func(e *event.Event) { e.URL = "" }), false},
		}},
		{"startswith", "sel:\n  url.original|startswith: /presentations/\ncondition: sel", []evCase{
			{"hit", webEv(), true},
			{"miss", with(func(e *event.Event) { e.URL = "/x/presentations/" }), false},
		}},
		{"endswith", "sel:\n  url.original|endswith: .PNG\ncondition: sel", []evCase{
			{"hit", webEv(), true},
			{"miss", with(func(e *event.Event) { e.URL = "/a.png?x" }), false},
		}},
		{"value list is OR", "sel:\n  http.request.method:\n    - POST\n    - GET\ncondition: sel", []evCase{
			{"GET", webEv(), true},
			{"PUT", with(func(e *event.Event) { e.Method = "PUT" }), false},
		}},
		{"all makes the list AND", "sel:\n  url.original|contains|all:\n    - logstash\n    - kibana\ncondition: sel", []evCase{
			{"both", webEv(), true},
			{"one", with(func(e *event.Event) { e.URL = "/logstash/" }), false},
		}},
		{"map is AND", "sel:\n  http.request.method: GET\n  http.response.status_code: 404\ncondition: sel", []evCase{
			{"200", webEv(), false},
			{"404", with(func(e *event.Event) { e.Status = 404 }), true},
		}},
		{"list of maps is OR", "sel:\n  - http.request.method: POST\n  - http.response.status_code: 200\ncondition: sel", []evCase{
			{"200", webEv(), true},
			{"neither", with(func(e *event.Event) { e.Status = 500 }), false},
		}},
		{"wildcards * and ?", "sel:\n  url.original: '/presentations/*/images/kibana-?earch.png'\ncondition: sel", []evCase{
			{"hit", webEv(), true},
			{"? needs one char", with(func(e *event.Event) { e.URL = "/presentations/x/images/kibana-earch.png" }), false},
		}},
		{"escaped wildcard is literal", `sel:
  url.original|contains: 'a\*b'
condition: sel`, []evCase{
			{"literal star", with(func(e *event.Event) { e.URL = "/a*b" }), true},
			{"not a wildcard", with(func(e *event.Event) { e.URL = "/axxb" }), false},
		}},
		{"backslash before wildcard", `sel:
  process.command_line: 'C:\\*'
condition: sel`, []evCase{
			// C:\\* is a backslash followed by a wildcard (spec, escape character)
			{"prefix", with(func(e *event.Event) { e.Kind = event.KindProcess; e.CommandLine = `C:\Windows\x.exe` }), true},
			{"other", with(func(e *event.Event) { e.Kind = event.KindProcess; e.CommandLine = `D:\x` }), false},
		}},
		{"plain backslash", `sel:
  process.command_line|endswith: '\cmd.exe'
condition: sel`, []evCase{
			{"hit", with(func(e *event.Event) { e.CommandLine = `C:\Windows\System32\CMD.EXE` }), true},
		}},
		{"number value", "sel:\n  http.response.status_code: 200\ncondition: sel", []evCase{
			{"200", webEv(), true},
			{"2000", with(func(e *event.Event) { e.Status = 2000 }), false},
		}},
		{"null means absent", "sel:\n  http.request.method: GET\nfilter:\n  user.name: null\ncondition: sel and filter", []evCase{
			{"no user", webEv(), true},
			{"user", with(func(e *event.Event) { e.User = "bob" }), false},
		}},
		{"empty string", "sel:\n  user.name: ''\ncondition: sel", []evCase{
			{"no user", webEv(), true},
			{"user", with(func(e *event.Event) { e.User = "bob" }), false},
		}},
		{"derived url.extension", "sel:\n  url.extension: png\ncondition: sel", []evCase{
			{"png", webEv(), true},
			{"none", with(func(e *event.Event) { e.URL = "/a.d/b?x=.png" }), false},
			{"set by the decoder wins", with(func(e *event.Event) { e.Set("url.extension", "gif") }), false},
		}},
		{"derived url.query", "sel:\n  url.query|contains: id=\ncondition: sel", []evCase{
			{"query", with(func(e *event.Event) { e.URL = "/item.php?id=1'" }), true},
			{"path only", with(func(e *event.Event) { e.URL = "/id=/x" }), false},
		}},
		{"exists true", "sel:\n  url.query|exists: true\ncondition: sel", []evCase{
			{"absent", webEv(), false},
			{"present", with(func(e *event.Event) { e.Set("url.query", "a=1") }), true},
		}},
		{"exists false", "sel:\n  url.query|exists: false\ncondition: sel", []evCase{
			{"absent", webEv(), true},
			{"present", with(func(e *event.Event) { e.Set("url.query", "") }), false},
		}},
		{"re", "sel:\n  url.original|re: '^/presentations/[a-z-]+-20[0-9]{2}/'\ncondition: sel", []evCase{
			{"hit", webEv(), true},
			{"case-sensitive by default", with(func(e *event.Event) { e.URL = "/PRESENTATIONS/x-2013/" }), false},
		}},
		{"re|i", "sel:\n  url.original|re|i: '^/PRESENTATIONS/'\ncondition: sel", []evCase{{"hit", webEv(), true}}},
		{"re|m", "sel:\n  event.original|re|m: '^second$'\ncondition: sel", []evCase{
			{"multi-line", with(func(e *event.Event) { e.Raw = "first\nsecond\nthird" }), true},
			{"single", with(func(e *event.Event) { e.Raw = "first second" }), false},
		}},
		{"re|s", "sel:\n  event.original|re|s: 'first.second'\ncondition: sel", []evCase{
			{"dot matches newline", with(func(e *event.Event) { e.Raw = "first\nsecond" }), true},
		}},
		{"re without s", "sel:\n  event.original|re: 'first.second'\ncondition: sel", []evCase{
			{"dot does not match newline", with(func(e *event.Event) { e.Raw = "first\nsecond" }), false},
		}},
		{"cidr v4", "sel:\n  source.ip|cidr:\n    - 10.0.0.0/8\n    - 83.149.0.0/16\ncondition: sel", []evCase{
			{"in", webEv(), true},
			{"out", with(func(e *event.Event) { e.SourceIP = "83.150.9.216" }), false},
			{"not an ip", with(func(e *event.Event) { e.SourceIP = "evil" }), false},
		}},
		{"cidr v6", "sel:\n  source.ip|cidr: '2001:db8::/32'\ncondition: sel", []evCase{
			{"in", with(func(e *event.Event) { e.SourceIP = "2001:db8::1" }), true},
			{"v4", webEv(), false},
		}},
		{"base64", "sel:\n  url.original|base64|contains: '/bin/sh'\ncondition: sel", []evCase{
			// base64("/bin/sh") = L2Jpbi9zaA==
			{"hit", with(func(e *event.Event) { e.URL = "/?c=L2Jpbi9zaA==" }), true},
			{"plain text is not base64", with(func(e *event.Event) { e.URL = "/?c=/bin/sh" }), false},
		}},
		{"base64offset", "sel:\n  url.original|base64offset|contains: 'whoami'\ncondition: sel", []evCase{
			// base64("xwhoami") = eHdob2FtaQ==; base64("xxwhoami") = eHh3aG9hbWk=
			{"offset 0", with(func(e *event.Event) { e.URL = "/?c=d2hvYW1p" }), true},
			{"offset 1", with(func(e *event.Event) { e.URL = "/?c=eHdob2FtaQ==" }), true},
			{"offset 2", with(func(e *event.Event) { e.URL = "/?c=eHh3aG9hbWk=" }), true},
			{"none", webEv(), false},
		}},
		{"utf16le then base64", "sel:\n  process.command_line|wide|base64offset|contains: 'ping'\ncondition: sel", []evCase{
			// powershell -enc of "ping 1.1.1.1": base64(utf16le) = cABpAG4AZwAgADEALgAxAC4AMQAuADEA
			{"hit", with(func(e *event.Event) { e.CommandLine = "powershell -enc cABpAG4AZwAgADEALgAxAC4AMQAuADEA" }), true},
			{"miss", with(func(e *event.Event) { e.CommandLine = "powershell -enc ZQBjAGgAbwA=" }), false},
		}},
		{"utf16be", "sel:\n  event.original|utf16be|contains: 'ab'\ncondition: sel", []evCase{
			{"hit", with(func(e *event.Event) { e.Raw = "x\x00a\x00by" }), true},
			{"le is not be", with(func(e *event.Event) { e.Raw = "xa\x00b\x00y" }), false},
		}},
		{"utf16 with BOM", "sel:\n  event.original|utf16|startswith: 'ab'\ncondition: sel", []evCase{
			{"hit", with(func(e *event.Event) { e.Raw = "\xff\xfea\x00b\x00c\x00" }), true},
			{"no BOM", with(func(e *event.Event) { e.Raw = "a\x00b\x00c\x00" }), false},
		}},
		{"windash", "sel:\n  process.command_line|windash|contains: ' -enc '\ncondition: sel", []evCase{
			{"dash", with(func(e *event.Event) { e.CommandLine = "powershell -enc AAA" }), true},
			{"slash", with(func(e *event.Event) { e.CommandLine = "powershell /enc AAA" }), true},
			{"en dash", with(func(e *event.Event) { e.CommandLine = "powershell –enc AAA" }), true},
			{"none", with(func(e *event.Event) { e.CommandLine = "powershell enc AAA" }), false},
		}},
		{"gt", "sel:\n  http.response.body.bytes|gt: 200000\ncondition: sel", []evCase{
			{"203023", webEv(), true},
			{"200000", with(func(e *event.Event) { e.Bytes = 200000 }), false},
		}},
		{"gte lte", "sel:\n  http.response.status_code|gte: 200\nsel2:\n  http.response.status_code|lte: 299\ncondition: sel and sel2", []evCase{
			{"200", webEv(), true},
			{"302", with(func(e *event.Event) { e.Status = 302 }), false},
		}},
		{"lt on an extra", "sel:\n  db.query_time|lt: 1.5\ncondition: sel", []evCase{
			{"fast", with(func(e *event.Event) { e.Set("db.query_time", "0.25") }), true},
			{"slow", with(func(e *event.Event) { e.Set("db.query_time", "3") }), false},
			{"not a number", with(func(e *event.Event) { e.Set("db.query_time", "NaNx") }), false},
		}},
		{"neq", "sel:\n  http.request.method|neq:\n    - GET\n    - HEAD\ncondition: sel", []evCase{
			{"GET", webEv(), false},
			{"POST", with(func(e *event.Event) { e.Method = "POST" }), true},
		}},
		{"fieldref", "sel:\n  user.name|fieldref: user.target.name\ncondition: sel", []evCase{
			{"same", with(func(e *event.Event) { e.User = "root"; e.TargetUser = "ROOT" }), true},
			{"different", with(func(e *event.Event) { e.User = "bob"; e.TargetUser = "root" }), false},
			{"absent", webEv(), false},
		}},
		{"fieldref|contains", "sel:\n  url.original|contains|fieldref: user.name\ncondition: sel", []evCase{
			{"hit", with(func(e *event.Event) { e.User = "Kibana" }), true},
			{"miss", with(func(e *event.Event) { e.User = "bob" }), false},
		}},
		{"hour", "sel:\n  '@timestamp|hour': 10\ncondition: sel", []evCase{
			{"10h", webEv(), true},
			{"11h", with(func(e *event.Event) { e.Time = e.Time.Add(time.Hour) }), false},
		}},
		{"month gte", "sel:\n  '@timestamp|month|gte': 5\ncondition: sel", []evCase{{"May", webEv(), true}}},
		{"keywords", "keywords:\n  - 'kibana-search'\n  - 'nothing'\ncondition: keywords", []evCase{
			{"raw", webEv(), true},
			{"miss", with(func(e *event.Event) { e.Raw = "GET /" }), false},
		}},
		{"keywords |all", "keywords:\n  '|all':\n    - 'GET'\n    - 'Safari'\ncondition: keywords", []evCase{
			{"both", webEv(), true},
			{"one", with(func(e *event.Event) { e.Raw = "GET /" }), false},
		}},
		{"keywords with wildcard", "keywords:\n  - 'GET /presentations/*.png'\ncondition: keywords", []evCase{
			{"hit", webEv(), true},
		}},
		{"unicode case folding", "sel:\n  user.name: 'ÄRGER'\ncondition: sel", []evCase{
			{"lower", with(func(e *event.Event) { e.User = "ärger" }), true},
		}},
		{"invalid utf-8 in event", "sel:\n  user.name|contains: 'adm'\ncondition: sel", []evCase{
			{"hit", with(func(e *event.Event) { e.User = "\xff\xfeADMIN\xc3" }), true},
			{"miss", with(func(e *event.Event) { e.User = "\xff\xfe\xc3" }), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, c := compileOne(t, kizukiRule(tt.detection))
			for _, ec := range tt.cases {
				t.Run(ec.name, func(t *testing.T) { check(t, rs, c, ec.ev, ec.want) })
			}
		})
	}
}

func TestConditions(t *testing.T) {
	// three searches over an access-log event: a (GET), b (status 200), c (POST)
	searches := "sel_a:\n  http.request.method: GET\nsel_b:\n  http.response.status_code: 200\nfilter_c:\n  http.request.method: POST\n_private:\n  http.request.method: PUT\n"
	tests := []struct {
		cond string
		want bool
	}{
		{"sel_a", true},
		{"filter_c", false},
		{"sel_a and sel_b", true},
		{"sel_a and filter_c", false},
		{"sel_a or filter_c", true},
		{"not filter_c", true},
		{"not sel_a", false},
		{"sel_a and not filter_c", true},
		{"not sel_a or sel_b", true}, // (not a) or b
		{"not (sel_a or sel_b)", false},
		{"filter_c or sel_a and sel_b", true}, // or binds weaker than and
		{"filter_c and sel_a or sel_b", true}, // (c and a) or b
		{"filter_c and (sel_a or sel_b)", false},
		{"1 of sel_*", true},
		{"all of sel_*", true},
		{"all of sel_* and not 1 of filter_*", true},
		{"1 of them", true},
		{"all of them", false}, // filter_c does not match; _private is excluded
		{"1 of filter*", false},
		{"( sel_a ) AND NOT ( filter_c )", true}, // keywords are case-insensitive
		{"all of *", false},
		{"1 of *_a", true},
	}
	for _, tt := range tests {
		t.Run(tt.cond, func(t *testing.T) {
			rs, c := compileOne(t, kizukiRule(searches+"condition: "+tt.cond))
			check(t, rs, c, webEv(), tt.want)
		})
	}
	t.Run("them excludes underscore", func(t *testing.T) {
		rs, c := compileOne(t, kizukiRule("_x:\n  http.request.method: POST\ny:\n  http.request.method: GET\ncondition: all of them"))
		check(t, rs, c, webEv(), true)
	})
	t.Run("condition list is OR", func(t *testing.T) {
		rs, c := compileOne(t, kizukiRule(searches+"condition:\n  - filter_c\n  - sel_b"))
		check(t, rs, c, webEv(), true)
	})
}

func TestUnsupportedReasons(t *testing.T) {
	tests := []struct {
		name, doc, reason string
	}{
		{"unknown modifier", kizukiRule("sel:\n  url.original|frobnicate: x\ncondition: sel"), `unknown modifier "frobnicate"`},
		{"lookahead", kizukiRule("sel:\n  url.original|re: 'a(?=b)'\ncondition: sel"), "not supported by Go's RE2"},
		{"backreference", kizukiRule("sel:\n  url.original|re: '(a)\\1'\ncondition: sel"), "not supported by Go's RE2"},
		{"unmapped log source", "title: t\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image: x\n  condition: sel\n", "log source product=windows category=process_creation is not mapped"},
		{"unsupported log source", "title: t\nlogsource:\n  product: linux\n  category: file_event\ndetection:\n  sel:\n    TargetFilename: x\n  condition: sel\n", "no file creation telemetry"},
		{"unmapped field", "title: t\nlogsource:\n  category: webserver\ndetection:\n  sel:\n    Foo: x\n  condition: sel\n", "field Foo is not mapped for log source category=webserver"},
		{"placeholder", kizukiRule("sel:\n  user.name|expand: '%Administrators%'\ncondition: sel"), "placeholder %Administrators% has no values"},
		{"aggregation", kizukiRule("sel:\n  user.name: x\ncondition: sel | count() by source.ip > 5"), "obsolete Sigma 1.0 syntax"},
		{"unknown search", kizukiRule("sel:\n  user.name: x\ncondition: sel and other"), `"other", which the detection does not define`},
		{"bad cidr", kizukiRule("sel:\n  source.ip|cidr: 10.0.0.0/99\ncondition: sel"), "cidr"},
		{"base64 wildcard", kizukiRule("sel:\n  url.original|base64: 'a*b'\ncondition: sel"), "base64 of a value with wildcards"},
		{"gt not a number", kizukiRule("sel:\n  http.response.status_code|gt: abc\ncondition: sel"), "not a number"},
		{"of matches nothing", kizukiRule("sel:\n  user.name: x\ncondition: 1 of nope*"), "matches no search identifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := ParseFile("u.yml", []byte(tt.doc))
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			rs, unsup := Compile(rules, DefaultPipeline())
			if len(rs.Rules()) != 0 || len(unsup) != 1 {
				t.Fatalf("compiled %d, unsupported %v; want one unsupported", len(rs.Rules()), unsup)
			}
			if !strings.Contains(unsup[0].Reason, tt.reason) {
				t.Errorf("reason %q does not say %q", unsup[0].Reason, tt.reason)
			}
			if unsup[0].Path != "u.yml" || unsup[0].Line != 1 {
				t.Errorf("unsupported at %s:%d", unsup[0].Path, unsup[0].Line)
			}
		})
	}
}

func TestPlaceholders(t *testing.T) {
	p, err := LoadPipeline([]byte("name: p\nplaceholders:\n  Administrators: [root, 'adm_*']\nlogsources:\n  - logsource: {product: kizuki}\n    kinds: [auth]\n    keywords: [event.original]\n"))
	if err != nil {
		t.Fatal(err)
	}
	rules, err := ParseFile("p.yml", []byte(kizukiRule("sel:\n  user.name|expand: '%Administrators%'\ncondition: sel")))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, p)
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	c := rs.Rules()[0]
	for _, tc := range []struct {
		user string
		want bool
	}{{"root", true}, {"adm_bob", true}, {"bob", false}} {
		ev := &event.Event{Kind: event.KindAuth, User: tc.user, Raw: "x"}
		check(t, rs, c, ev, tc.want)
	}
}

// TestSigmaHQWebRules runs real SigmaHQ rules over realistic events: the
// rule files are read in place (DRL 1.1).
func TestSigmaHQWebRules(t *testing.T) {
	base := shareddata.Path(t, "sigma/rules")
	rules := loadRules(t, base+"/web", base+"/linux")
	rs, _ := Compile(rules, DefaultPipeline())
	titles := func(ev *event.Event) map[string]bool {
		out := map[string]bool{}
		for _, c := range rs.Match(ev, nil) {
			out[c.Rule.Title] = true
			if !c.Eval(ev) {
				t.Errorf("Match returned %q but Eval disagrees", c.Rule.Title)
			}
		}
		return out
	}
	// A benign request from apache-real/access.log line 1 matches nothing.
	if got := titles(webEv()); len(got) != 0 {
		t.Errorf("benign request matched %v", got)
	}
	// A path traversal probe, as in CRS regression test 930100-1.
	trav := with(func(e *event.Event) {
		e.URL = "/cgi-bin/../../../../etc/passwd"
		e.Raw = `203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /cgi-bin/../../../../etc/passwd HTTP/1.1" 404 0 "-" "curl/7.68.0"`
	})
	got := titles(trav)
	if len(got) == 0 {
		t.Errorf("path traversal matched no rule")
	}
	t.Logf("traversal: %v", got)
	// auditd EXECVE record (shape from the Linux audit documentation).
	audit := &event.Event{Kind: event.KindProcess, Dataset: "auditd",
		Raw:   `type=EXECVE msg=audit(1700000000.123:456): argc=3 a0="grep" a1="-ri" a2="password"`,
		Extra: []event.KV{{Key: "auditd.type", Value: "EXECVE"}, {Key: "auditd.a0", Value: "grep"}}}
	got = titles(audit)
	// lnx_auditd_find_cred_in_files.yml: type EXECVE and keywords grep + password
	if !got["Credentials In Files - Linux"] {
		t.Errorf("grep password EXECVE did not match Credentials In Files - Linux: %v", got)
	}
	t.Logf("auditd: %v", got)
}

func TestParseErrorsCarryLines(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"title: x\nlogsource: {product: kizuki}\ndetection:\n  sel:\n    a: [1, [2]]\n  condition: sel\n", "bad.yml:5:"},
		{"title: x\ndetection:\n  sel:\n    a: 1\n", "bad.yml:3: detection has no condition"},
		{"title: x\ncorrelation:\n  type: nope\n", "bad.yml:3: unknown correlation type"},
		{"title: x\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5q\n  condition: {gte: 1}\n", "bad.yml:5:"},
		{"- a\n- b\n", "bad.yml:1: a Sigma document must be a mapping"},
		{"title: [\n", "bad.yml:"},
	} {
		_, err := ParseFile("bad.yml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want it to contain %q", err, tt.want)
		}
	}
}

func TestGlobalAndRepeat(t *testing.T) {
	doc := `action: global
title: base
logsource:
  product: kizuki
detection:
  condition: sel
---
id: r1
detection:
  sel:
    http.request.method: GET
---
action: repeat
id: r2
detection:
  sel:
    http.request.method: POST
---
action: reset
---
title: alone
logsource:
  product: kizuki
detection:
  sel:
    http.request.method: PUT
  condition: sel
`
	rules, err := ParseFile("g.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 3 {
		t.Fatalf("%d rules, want 3", len(rules))
	}
	if rules[0].Title != "base" || rules[1].Title != "base" || rules[1].ID != "r2" || rules[2].Title != "alone" {
		t.Errorf("titles/ids: %q %q %q %q", rules[0].Title, rules[1].Title, rules[1].ID, rules[2].Title)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	m := rs.Match(webEv(), nil)
	if len(m) != 1 || m[0].Rule.ID != "r1" {
		t.Errorf("GET matched %v, want r1", m)
	}
	m = rs.Match(with(func(e *event.Event) { e.Method = "POST" }), nil)
	if len(m) != 1 || m[0].Rule.ID != "r2" {
		t.Errorf("POST matched %d rules, want r2", len(m))
	}
}

func TestGlobalFilter(t *testing.T) {
	doc := kizukiRule("sel:\n  http.request.method: GET\ncondition: sel") + `---
title: not from the monitoring host
logsource:
  product: kizuki
filter:
  rules:
    - 11111111-1111-4111-8111-111111111111
  selection:
    source.ip: 83.149.9.216
  condition: not selection
`
	rules, err := ParseFile("f.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 || len(rs.Rules()) != 1 {
		t.Fatal(unsup)
	}
	c := rs.Rules()[0]
	check(t, rs, c, webEv(), false)
	check(t, rs, c, with(func(e *event.Event) { e.SourceIP = "10.0.0.1" }), true)
}

func TestRouting(t *testing.T) {
	rules, err := ParseFile("r.yml", []byte(`title: sshd only
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password']
  condition: keywords
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	// loghub OpenSSH_2k.log line: Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2
	raw := "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2"
	if m := rs.Match(&event.Event{Kind: event.KindAuth, Dataset: "sshd", Raw: raw}, nil); len(m) != 1 {
		t.Errorf("sshd event: %d matches, want 1", len(m))
	}
	if m := rs.Match(&event.Event{Kind: event.KindAuth, Dataset: "sudo", Raw: raw}, nil); len(m) != 0 {
		t.Errorf("sudo dataset routed to an sshd rule")
	}
	if m := rs.Match(&event.Event{Kind: event.Kind(200), Dataset: "sshd", Raw: raw}, nil); len(m) != 0 {
		t.Errorf("unknown kind matched")
	}
}

func TestMatchAllocs(t *testing.T) {
	base := shareddata.Path(t, "sigma/rules")
	rs, _ := Compile(loadRules(t, base+"/web"), DefaultPipeline())
	ev := webEv()
	dst := make([]*Compiled, 0, 8)
	allocs := testing.AllocsPerRun(200, func() { dst = rs.Match(ev, dst[:0]) })
	if allocs != 0 {
		t.Errorf("Match allocates %.1f times per no-match event", allocs)
	}
}

func TestEmbeddedPipeline(t *testing.T) {
	p := DefaultPipeline()
	if p.Name != "kizuki" || len(p.LogSources()) < 10 {
		t.Errorf("pipeline %q with %d log sources", p.Name, len(p.LogSources()))
	}
	for _, bad := range []string{
		"logsources:\n  - logsource: {category: x}\n    kinds: [nope]\n",
		"logsources:\n  - logsource: {category: x}\n",
		"logsources:\n  - logsource: {category: x}\n    kinds: [web]\n    fields: {a: 'not a field'}\n",
		"logsources:\n  - logsource: {category: x}\n    kinds: [web]\n  - logsource: {category: x}\n    kinds: [web]\n",
	} {
		if _, err := LoadPipeline([]byte(bad)); err == nil {
			t.Errorf("LoadPipeline accepted %q", bad)
		}
	}
}

func TestLongCasedList(t *testing.T) {
	det := "sel:\n  user_agent.original|contains|cased:\n"
	for _, v := range []string{"Aa", "Bb", "Cc", "Dd", "Ee", "Ff", "Gg", "Hh", "Ii"} {
		det += "    - '" + v + "'\n"
	}
	det += "condition: sel"
	rs, c := compileOne(t, kizukiRule(det))
	check(t, rs, c, with(func(e *event.Event) { e.UserAgent = "xxGgxx" }), true)
	check(t, rs, c, with(func(e *event.Event) { e.UserAgent = "xxGGxx" }), false)
}

func TestRegexLiteral(t *testing.T) {
	for _, tt := range []struct{ re, want string }{
		{`^/presentations/[a-z]+`, "/presentations/"},
		{`(?i)Select.+From`, "select"},
		{`a|b`, ""},
		{`(foo)?bar`, "bar"},
		{`(abc)+x`, "abc"},
		{`x*`, ""},
		{`[`, ""},
	} {
		if got := regexLiteral(tt.re); got != tt.want {
			t.Errorf("regexLiteral(%q) = %q, want %q", tt.re, got, tt.want)
		}
	}
}

func TestLongValueList(t *testing.T) {
	// more than minSetValues values: exact, contains and prefix mixed
	det := "sel:\n  user_agent.original:\n"
	for _, v := range []string{"sqlmap*", "*Nikto*", "*nmap scripting engine*", "masscan/1.0", "zgrab", "*WPScan*", "*dirbuster*", "*gobuster*", "*?ydra*"} {
		det += "    - '" + v + "'\n"
	}
	det += "condition: sel"
	rs, c := compileOne(t, kizukiRule(det))
	for _, tc := range []struct {
		ua   string
		want bool
	}{
		{"sqlmap/1.7.2#stable (https://sqlmap.org)", true},
		{"Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)", true},
		{"MASSCAN/1.0", true},
		{"masscan/1.0 extra", false},
		{"Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)", true},
		{"Mozilla/5.0 (Hydra)", true},
		{"Mozilla/5.0 (X11; Linux x86_64)", false},
	} {
		check(t, rs, c, with(func(e *event.Event) { e.UserAgent = tc.ua }), tc.want)
	}
}

// TestConcurrentMatch runs Match and the Correlator from several goroutines
// (run with -race) and checks every goroutine sees the same results.
func TestConcurrentMatch(t *testing.T) {
	rules, err := ParseFile("c.yml", []byte(sshBase+"---\ntitle: brute\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {gte: 40}\n"))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	corr := rs.NewCorrelator()
	done := make(chan int)
	for g := 0; g < 4; g++ {
		go func(g int) {
			n := 0
			var dst []*Compiled
			for i := 0; i < 50; i++ {
				kind := "failed"
				if i%5 == 0 {
					kind = "accepted"
				}
				ev := sshEv(i, kind, "10.0.0.1", "root", int64(g*1000+i))
				dst = rs.Match(ev, dst[:0])
				for _, m := range dst {
					corr.Add(m, ev)
				}
				n += len(dst)
			}
			done <- n
		}(g)
	}
	for g := 0; g < 4; g++ {
		if n := <-done; n != 50 {
			t.Errorf("goroutine saw %d matches, want 50", n)
		}
	}
	ms := corr.Finish()
	if len(ms) != 1 || ms[0].Count != 160 {
		t.Errorf("correlation: %v", summary(ms))
	}
}

func TestAliasBomb(t *testing.T) {
	// a list of 2,000 values referenced 2,000 times by 2,000 searches would
	// be 8e9 values; the parser must refuse instead of exhausting memory
	var b strings.Builder
	b.WriteString("title: bomb\nlogsource: {product: kizuki}\nx: &v [")
	for i := 0; i < 2000; i++ {
		b.WriteString("a,")
	}
	b.WriteString("a]\nm: &m {")
	for i := 0; i < 2000; i++ {
		fmt.Fprintf(&b, "f%d: *v, ", i)
	}
	b.WriteString("g: 1}\ndetection:\n  condition: s\n  s: [")
	for i := 0; i < 2000; i++ {
		b.WriteString("*m, ")
	}
	b.WriteString("*m]\n")
	_, err := ParseFile("bomb.yml", []byte(b.String()))
	if err == nil || !strings.Contains(err.Error(), "expands to more than") {
		t.Errorf("alias bomb: %v", err)
	}
}

func TestTechniques(t *testing.T) {
	r := &Rule{Tags: []string{"attack.initial-access", "attack.t1190", "attack.T1562.001", "attack.t1190", "attack.txxxx", "cve.2021-44228", "attack.g0032"}}
	got := strings.Join(r.Techniques(), ",")
	if got != "T1190,T1562.001" {
		t.Errorf("Techniques = %s", got)
	}
}

func TestParseFS(t *testing.T) {
	fsys := fstest.MapFS{
		"rules/b.yml":       {Data: []byte(kizukiRule("sel:\n  user.name: b\ncondition: sel"))},
		"rules/a/a.yaml":    {Data: []byte(kizukiRule("sel:\n  user.name: a\ncondition: sel"))},
		"rules/broken.yml":  {Data: []byte("title: [")},
		"rules/README.md":   {Data: []byte("# not a rule")},
		"rules/c/empty.yml": {Data: []byte("")},
	}
	rules, errs := ParseFS(fsys, "rules")
	if len(rules) != 2 || rules[0].Path != "rules/a/a.yaml" || rules[1].Path != "rules/b.yml" {
		t.Errorf("rules: %d", len(rules))
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "rules/broken.yml") {
		t.Errorf("errs: %v", errs)
	}
}
