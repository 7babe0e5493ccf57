package sigma

import (
	"bufio"
	"flag"
	"fmt"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

// combined is the Apache/nginx combined log format, enough for these tests
// (the real decoder lives in format/access).
var combined = regexp.MustCompile(`^(\S+) \S+ (\S+) \[([^\]]+)\] "(\S+) (\S+)(?: HTTP/(\S+))?" (\d{3}) (\S+) "([^"]*)" "([^"]*)"`)

// syslogLine is the BSD syslog file layout: "Dec 10 06:55:48 host prog[pid]: msg".
var syslogLine = regexp.MustCompile(`^(\w{3} +\d+ [\d:]{8}) (\S+) ([^\[\(: ]+)[^:]*: (.*)$`)

func readLines(t *testing.T, path string, f func(n int, line string)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		f(n, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestRealLogs runs the SigmaHQ web and linux rules over real logs (read in
// place from ../shared/data: apache-real, Apache-2.0; loghub OpenSSH and
// Linux, research use) and compares the number of matches per rule with a
// golden file. Every match is also re-checked with Eval, and every event
// Eval matches must come out of Match: the prefilter must never hide one.
func TestRealLogs(t *testing.T) {
	rulesDir := shareddata.Path(t, "sigma/rules")
	access := shareddata.Path(t, "apache-real/access.log")
	ssh := shareddata.Path(t, "loghub/OpenSSH/OpenSSH_2k.log")
	linux := shareddata.Path(t, "loghub/Linux/Linux_2k.log")
	rs, _ := Compile(loadRules(t, filepath.Join(rulesDir, "web"), filepath.Join(rulesDir, "linux")), DefaultPipeline())

	counts := map[string]int{}
	events := 0
	run := func(src string, ev *event.Event) {
		events++
		got := map[*Compiled]bool{}
		for _, c := range rs.Match(ev, nil) {
			got[c] = true
			counts[src+"\t"+c.Rule.Title]++
		}
		for _, c := range rs.Rules() {
			if c.IsCorrelation() || !routes(rs, c, ev) {
				continue
			}
			if c.Eval(ev) != got[c] {
				t.Errorf("%s line %d: %q Eval=%v Match=%v", src, ev.Ref.Line, c.Rule.Title, !got[c], got[c])
			}
		}
	}
	unparsed := 0
	readLines(t, access, func(n int, line string) {
		m := combined.FindStringSubmatch(line)
		if m == nil {
			unparsed++ // line 8899 has an escaped quote in its user agent
			return
		}
		ts, _ := time.Parse("02/Jan/2006:15:04:05 -0700", m[3])
		status, _ := strconv.Atoi(m[7])
		bytes, _ := strconv.ParseInt(m[8], 10, 64)
		user := m[2]
		if user == "-" {
			user = ""
		}
		ua, ref := m[10], m[9]
		if ua == "-" {
			ua = ""
		}
		if ref == "-" {
			ref = ""
		}
		run("access", &event.Event{Time: ts.UTC(), Ref: event.Ref{Line: int64(n)}, Kind: event.KindWeb, Dataset: "apache.access",
			SourceIP: m[1], User: user, Method: m[4], URL: m[5], HTTPVersion: m[6], Status: status, Bytes: bytes,
			Referrer: ref, UserAgent: ua, Raw: line})
	})
	for _, f := range []struct{ name, path string }{{"openssh", ssh}, {"linux", linux}} {
		readLines(t, f.path, func(n int, line string) {
			ev := &event.Event{Ref: event.Ref{Line: int64(n)}, Kind: event.KindSystem, Raw: line}
			if m := syslogLine.FindStringSubmatch(line); m != nil {
				ev.Host, ev.Dataset, ev.Message = m[2], m[3], m[4]
				if ev.Dataset == "sshd" || ev.Dataset == "su" || strings.HasPrefix(m[4], "pam_unix") {
					ev.Kind = event.KindAuth
				}
			}
			run(f.name, ev)
		})
	}

	if unparsed != 1 {
		t.Errorf("%d access.log lines not in combined format, want 1", unparsed)
	}
	var lines []string
	for k, n := range counts {
		lines = append(lines, fmt.Sprintf("%s\t%d", k, n))
	}
	sort.Strings(lines)
	got := fmt.Sprintf("# events %d; source, rule title, matches\n", events) + strings.Join(lines, "\n") + "\n"
	golden := filepath.Join("testdata", "reallogs.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("matches differ from %s (run with -update after checking):\n%s", golden, got)
	}
	t.Logf("%d events:\n%s", events, got)
}

// routes reports whether Match would consider c for ev at all.
func routes(rs *RuleSet, c *Compiled, ev *event.Event) bool {
	for _, rt := range rs.byKind[ev.Kind] {
		if !rt.src.acceptsDataset(ev.Dataset) {
			continue
		}
		for _, r := range rt.rules {
			if r == c {
				return true
			}
		}
	}
	return false
}
