package sigma

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// FuzzParse feeds arbitrary YAML to the whole engine: parse, compile, match
// and correlate must never panic or hang.
func FuzzParse(f *testing.F) {
	f.Add([]byte(kizukiRule("sel:\n  url.original|contains|all: [a, b]\ncondition: sel")))
	f.Add([]byte(kizukiRule("sel:\n  url.original|re|i: '^/a.*b$'\n  source.ip|cidr: 10.0.0.0/8\ncondition: 1 of sel* and not sel")))
	f.Add([]byte(kizukiRule("sel:\n  process.command_line|wide|base64offset|contains: ping\n  user.name|windash: a-b\ncondition: sel")))
	f.Add([]byte(sshBase + "---\ntitle: x\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 2}\n"))
	f.Add([]byte("action: global\ntitle: g\n---\naction: repeat\n---\n"))
	// a few real SigmaHQ rules as seeds, when the shared data is present
	if dir, err := os.Getwd(); err == nil {
		matches, _ := filepath.Glob(filepath.Join(dir, "..", "..", "shared", "data", "sigma", "rules", "web", "*", "*.yml"))
		for i, m := range matches {
			if i >= 10 {
				break
			}
			if data, err := os.ReadFile(m); err == nil {
				f.Add(data)
			}
		}
	}
	evs := []*event.Event{webEv(), sshEv(0, "failed", "10.0.0.1", "root", 1), sshEv(5, "failed", "10.0.0.1", "root", 2)}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, _ := ParseFile("fuzz.yml", data)
		rs, _ := Compile(rules, DefaultPipeline())
		c := rs.NewCorrelator()
		for _, ev := range evs {
			for _, m := range rs.Match(ev, nil) {
				if !m.Eval(ev) {
					t.Fatalf("Match and Eval disagree on %q", m.Rule.Title)
				}
				c.Add(m, ev)
			}
		}
		c.Finish()
	})
}

// FuzzCondition parses arbitrary conditions over a fixed detection.
func FuzzCondition(f *testing.F) {
	for _, s := range []string{
		"sel_a and not (filter_c or sel_b)", "1 of sel_*", "all of them", "not not sel_a",
		"((sel_a))", "sel_a or", "1 of", "all of *_a and 1 of filter*", "sel | count() > 5",
	} {
		f.Add(s)
	}
	searches := "sel_a:\n  http.request.method: GET\nsel_b:\n  http.response.status_code: 200\nfilter_c:\n  http.request.method: POST\n"
	ev := webEv()
	f.Fuzz(func(t *testing.T, cond string) {
		c, err := parseCondition(cond)
		if err != nil {
			return
		}
		_ = c.String()
		rules, err := ParseFile("c.yml", []byte(kizukiRule(searches+"condition: x")))
		if err != nil {
			t.Fatal(err)
		}
		rules[0].Detection.Conditions = []string{cond}
		rs, _ := Compile(rules, DefaultPipeline())
		for _, r := range rs.Rules() {
			if got := len(rs.Match(ev, nil)) == 1; got != r.Eval(ev) {
				t.Fatalf("Match and Eval disagree on %q", cond)
			}
		}
	})
}
