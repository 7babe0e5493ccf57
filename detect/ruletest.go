package detect

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/sigma"
)

// RuleTests are a rule's own test cases, written in the rule file under the
// custom attribute "tests" (Sigma allows custom attributes; other tools ignore
// it):
//
//	tests:
//	  format: access.combined     # decoder for the lines (see kizuki formats)
//	  match:                       # each line must fire the rule
//	    - '203.0.113.7 - - [19/May/2025:03:12:44 +0000] "GET /?id=1%27 HTTP/1.1" 200 5 "-" "sqlmap/1.7"'
//	  nomatch:                     # no line may fire it
//	    - '...'
//
// A case holding several lines (a YAML block scalar) is one multi-line record,
// such as a slow query log entry. For correlation rules the match lines are fed together, in order, and the
// correlation must fire; the nomatch lines, fed together, must not.
type RuleTests struct {
	Format  string   `yaml:"format"`
	Match   []string `yaml:"match"`
	NoMatch []string `yaml:"nomatch"`
}

// TestResult is the outcome of one rule's tests.
type TestResult struct {
	Path     string
	ID       string
	Title    string
	Cases    int
	Failures []string // empty when every case passed
}

// RunRuleTests compiles every rule of the sources together (correlations need
// their base rules) and runs each rule's own tests.
func RunRuleTests(srcs ...RuleSource) ([]TestResult, error) {
	loaded, err := LoadRules(srcs...)
	if err != nil {
		return nil, err
	}
	rs, _ := sigma.Compile(loaded.Rules, sigma.DefaultPipeline())
	byID := map[string]*sigma.Compiled{}
	for _, c := range rs.Rules() {
		byID[c.Rule.ID] = c
	}
	var out []TestResult
	for _, src := range srcs {
		err := fs.WalkDir(src.FS, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || (path.Ext(p) != ".yml" && path.Ext(p) != ".yaml") {
				return err
			}
			data, err := fs.ReadFile(src.FS, p)
			if err != nil {
				return err
			}
			docs, err := testsIn(data)
			if err != nil {
				out = append(out, TestResult{Path: path.Join(src.Name, p), Failures: []string{err.Error()}})
				return nil
			}
			for _, doc := range docs {
				r := TestResult{Path: path.Join(src.Name, p), ID: doc.ID, Title: doc.Title}
				c := byID[doc.ID]
				if c == nil {
					r.Failures = append(r.Failures, "the rule did not compile (see kizuki rules check)")
				} else {
					r.Cases, r.Failures = runTests(rs, c, doc.Tests)
				}
				out = append(out, r)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", src.Name, err)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Path < out[j].Path || out[i].Path == out[j].Path && out[i].ID < out[j].ID
	})
	return out, nil
}

type testDoc struct {
	ID    string     `yaml:"id"`
	Title string     `yaml:"title"`
	Tests *RuleTests `yaml:"tests"`
}

// testsIn returns the documents of a rule file that carry tests.
func testsIn(data []byte) ([]testDoc, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []testDoc
	for {
		var d testDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("tests: %w", err)
		}
		if d.Tests != nil {
			docs = append(docs, d)
		}
	}
}

func matches(rs *sigma.RuleSet, c *sigma.Compiled, ev *event.Event) bool {
	for _, m := range rs.Match(ev, nil) {
		if m == c {
			return true
		}
	}
	return false
}

func fires(rs *sigma.RuleSet, c *sigma.Compiled, evs []event.Event) bool {
	corr := rs.NewCorrelator()
	for i := range evs {
		for _, m := range rs.Match(&evs[i], nil) {
			corr.Add(m, &evs[i])
		}
	}
	for _, m := range corr.Finish() {
		if m.Rule == c {
			return true
		}
	}
	return false
}

func runTests(rs *sigma.RuleSet, c *sigma.Compiled, t *RuleTests) (int, []string) {
	var fails []string
	if t.Format == "" {
		return 0, []string{"tests: no format given"}
	}
	if len(t.Match) == 0 || len(t.NoMatch) == 0 {
		fails = append(fails, "tests: a rule needs at least one match and one nomatch case")
	}
	if c.IsCorrelation() {
		pos, err := format.DecodeLines(t.Format, format.Options{}, t.Match)
		if err != nil {
			return 0, []string{err.Error()}
		}
		neg, _ := format.DecodeLines(t.Format, format.Options{}, t.NoMatch)
		if !fires(rs, c, pos) {
			fails = append(fails, fmt.Sprintf("the %d match lines did not fire the correlation", len(t.Match)))
		}
		if len(neg) > 0 && fires(rs, c, neg) {
			fails = append(fails, fmt.Sprintf("the %d nomatch lines fired the correlation", len(t.NoMatch)))
		}
		return 2, fails
	}
	for _, want := range []bool{true, false} {
		lines := t.NoMatch
		if want {
			lines = t.Match
		}
		for _, l := range lines {
			// A case may be a multi-line record (a slow-log entry): its lines go
			// through one decoder together.
			evs, err := format.DecodeLines(t.Format, format.Options{}, strings.Split(strings.TrimRight(l, "\n"), "\n"))
			if err != nil {
				return 0, []string{err.Error()}
			}
			got := false
			for i := range evs {
				if evs[i].Kind == event.KindRaw {
					fails = append(fails, fmt.Sprintf("line not decoded as %s: %.120q", t.Format, l))
				}
				got = got || matches(rs, c, &evs[i])
			}
			if got != want {
				verb := "did not match"
				if got {
					verb = "matched"
				}
				fails = append(fails, fmt.Sprintf("%s: %.160q", verb, strings.TrimSpace(l)))
			}
		}
	}
	return len(t.Match) + len(t.NoMatch), fails
}
