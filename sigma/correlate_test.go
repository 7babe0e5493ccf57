package sigma

import (
	"fmt"
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// Base rules over sshd records (the lines are from loghub OpenSSH_2k.log).
const sshBase = `title: failed ssh login
id: 00000000-0000-4000-8000-000000000001
name: failed_login
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password']
  condition: keywords
---
title: accepted ssh login
name: successful_login
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Accepted password']
  condition: keywords
---
title: session opened
name: session_opened
logsource: {product: linux, service: sshd}
detection:
  keywords: ['session opened']
  condition: keywords
`

var t0 = time.Date(2026, 12, 10, 6, 55, 48, 0, time.UTC)

// sshEv builds an sshd event at t0+sec; kind is "failed", "accepted" or "opened".
func sshEv(sec int, kind, ip, user string, line int64) *event.Event {
	var raw string
	switch kind {
	case "failed":
		raw = fmt.Sprintf("Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for %s from %s port 38926 ssh2", user, ip)
	case "accepted":
		raw = fmt.Sprintf("Dec 10 06:55:48 LabSZ sshd[24200]: Accepted password for %s from %s port 38926 ssh2", user, ip)
	case "opened":
		raw = fmt.Sprintf("Dec 10 06:55:48 LabSZ sshd[24200]: pam_unix(sshd:session): session opened for user %s by (uid=0)", user)
	}
	return &event.Event{Time: t0.Add(time.Duration(sec) * time.Second), Ref: event.Ref{Line: line},
		Kind: event.KindAuth, Dataset: "sshd", SourceIP: ip, User: user, Raw: raw}
}

// runCorrelation feeds events through Match and the Correlator, in the given
// order, and returns the matches.
func runCorrelation(t *testing.T, doc string, evs []*event.Event) []CorrelationMatch {
	t.Helper()
	rules, err := ParseFile("corr.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatalf("unsupported: %v", unsup)
	}
	c := rs.NewCorrelator()
	for _, ev := range evs {
		for _, m := range rs.Match(ev, nil) {
			c.Add(m, ev)
		}
	}
	first := c.Finish()
	if again := c.Finish(); !reflect.DeepEqual(summary(again), summary(first)) {
		t.Errorf("a second Finish differs: %q", summary(again))
	}
	return first
}

func summary(ms []CorrelationMatch) []string {
	var out []string
	for _, m := range ms {
		var g []string
		for _, kv := range m.Group {
			g = append(g, kv.Key+"="+kv.Value)
		}
		out = append(out, fmt.Sprintf("%s [%s] %s..%s n=%d v=%g refs=%d", m.Rule.Rule.Title, strings.Join(g, ","),
			m.First.Sub(t0), m.Last.Sub(t0), m.Count, m.Value, len(m.Refs)))
	}
	return out
}

func TestCorrelations(t *testing.T) {
	tests := []struct {
		name string
		corr string
		evs  []*event.Event
		want []string
	}{
		{"event_count gte", `title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 3}
`, []*event.Event{
			sshEv(0, "failed", "173.234.31.186", "webmaster", 1),
			sshEv(10, "failed", "173.234.31.186", "test9", 2),
			sshEv(20, "failed", "52.80.34.196", "test9", 3), // other group
			sshEv(30, "failed", "173.234.31.186", "admin", 4),
			sshEv(40, "failed", "173.234.31.186", "admin", 5),
			sshEv(200, "failed", "173.234.31.186", "admin", 6), // outside the window
		}, []string{"brute force [source.ip=173.234.31.186] 0s..30s n=4 v=3 refs=4"}},
		{"event_count below threshold", `title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {gt: 3}
`, []*event.Event{
			sshEv(0, "failed", "173.234.31.186", "a", 1),
			sshEv(10, "failed", "173.234.31.186", "a", 2),
			sshEv(20, "failed", "173.234.31.186", "a", 3),
			sshEv(61, "failed", "173.234.31.186", "a", 4), // 61s after the first: not in its window
		}, nil},
		{"event_count range and neq", `title: few
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {gt: 1, lte: 2}
`, []*event.Event{
			sshEv(0, "failed", "10.0.0.1", "a", 1),
			sshEv(5, "failed", "10.0.0.1", "a", 2),
			sshEv(0, "failed", "10.0.0.2", "a", 3),
			sshEv(1, "failed", "10.0.0.2", "a", 4),
			sshEv(2, "failed", "10.0.0.2", "a", 5),
		}, []string{
			"few [source.ip=10.0.0.1] 0s..5s n=2 v=2 refs=2",
			// windows are anchored at each event: [0s,60s] holds 3 events,
			// but [1s,61s] holds 2, which satisfies the condition
			"few [source.ip=10.0.0.2] 1s..2s n=2 v=2 refs=2",
		}},
		{"value_count", `title: password spraying
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 10m
  condition: {field: user.name, gte: 3}
`, []*event.Event{
			sshEv(0, "failed", "173.234.31.186", "webmaster", 1),
			sshEv(1, "failed", "173.234.31.186", "webmaster", 2),
			sshEv(2, "failed", "173.234.31.186", "test9", 3),
			sshEv(3, "failed", "52.80.34.196", "a", 4),
			sshEv(4, "failed", "52.80.34.196", "a", 5),
			sshEv(5, "failed", "52.80.34.196", "a", 6),
			sshEv(6, "failed", "173.234.31.186", "oracle", 7),
		}, []string{"password spraying [source.ip=173.234.31.186] 0s..6s n=4 v=3 refs=4"}},
		{"temporal any order", `title: login after failures
correlation:
  type: temporal
  rules: [successful_login, failed_login]
  group-by: [user.name]
  timespan: 5m
`, []*event.Event{
			sshEv(0, "accepted", "10.0.0.1", "root", 1),
			sshEv(60, "failed", "10.0.0.9", "root", 2),
			sshEv(0, "failed", "10.0.0.1", "bob", 3),
			sshEv(400, "accepted", "10.0.0.1", "bob", 4), // too late
		}, []string{"login after failures [user.name=root] 0s..1m0s n=2 v=2 refs=2"}},
		{"temporal_ordered", `title: failed then accepted
correlation:
  type: temporal_ordered
  rules: [failed_login, successful_login]
  group-by: [user.name]
  timespan: 5m
`, []*event.Event{
			sshEv(0, "accepted", "10.0.0.1", "root", 1), // wrong order for root
			sshEv(60, "failed", "10.0.0.9", "root", 2),
			sshEv(0, "failed", "10.0.0.1", "bob", 3),
			sshEv(100, "failed", "10.0.0.1", "bob", 4),
			sshEv(120, "accepted", "10.0.0.1", "bob", 5),
		}, []string{"failed then accepted [user.name=bob] 0s..2m0s n=3 v=2 refs=3"}},
		{"aliases", `title: same address
correlation:
  type: temporal
  rules: [failed_login, session_opened]
  group-by: [actor]
  timespan: 5m
  aliases:
    actor:
      failed_login: source.ip
      session_opened: host.name
`, []*event.Event{
			sshEv(0, "failed", "10.0.0.1", "root", 1),
			func() *event.Event { e := sshEv(30, "opened", "", "root", 2); e.Host = "10.0.0.1"; return e }(),
			func() *event.Event { e := sshEv(30, "opened", "", "root", 3); e.Host = "10.9.9.9"; return e }(),
		}, []string{"same address [actor=10.0.0.1] 0s..30s n=2 v=2 refs=2"}},
		{"chained: many failures then success", `title: brute force succeeded
correlation:
  type: temporal_ordered
  rules: [many_failed, successful_login]
  group-by: [user.name]
  timespan: 10m
---
title: many failed
name: many_failed
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 10m
  condition: {gte: 3}
`, []*event.Event{
			sshEv(0, "failed", "10.0.0.1", "root", 1),
			sshEv(1, "failed", "10.0.0.1", "root", 2),
			sshEv(2, "failed", "10.0.0.1", "root", 3),
			sshEv(3, "accepted", "10.0.0.1", "root", 4),
			sshEv(0, "failed", "10.0.0.1", "bob", 5),
			sshEv(3, "accepted", "10.0.0.1", "bob", 6),
		}, []string{"brute force succeeded [user.name=root] 2s..3s n=2 v=2 refs=4"}},
		{"value_sum", `title: big download
correlation:
  type: value_sum
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1h
  condition: {field: source.port, gt: 100000}
`, []*event.Event{
			func() *event.Event { e := sshEv(0, "failed", "10.0.0.1", "a", 1); e.SourcePort = 60000; return e }(),
			func() *event.Event { e := sshEv(1, "failed", "10.0.0.1", "a", 2); e.SourcePort = 50000; return e }(),
			func() *event.Event { e := sshEv(1, "failed", "10.0.0.2", "a", 3); e.SourcePort = 50000; return e }(),
		}, []string{"big download [source.ip=10.0.0.1] 0s..1s n=2 v=110000 refs=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := sshBase + "---\n" + tt.corr
			got := summary(runCorrelation(t, doc, tt.evs))

			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			// any arrival order gives the same result
			for seed := int64(1); seed <= 5; seed++ {
				evs := append([]*event.Event(nil), tt.evs...)
				rand.New(rand.NewSource(seed)).Shuffle(len(evs), func(i, j int) { evs[i], evs[j] = evs[j], evs[i] })
				if again := summary(runCorrelation(t, doc, evs)); !reflect.DeepEqual(again, got) {
					t.Errorf("shuffled (seed %d): %q", seed, again)
				}
			}
		})
	}
}

func TestCorrelationGenerate(t *testing.T) {
	doc := sshBase + `---
title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1m
  condition: {gte: 1}
`
	rules, err := ParseFile("g.yml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	rs, _ := Compile(rules, DefaultPipeline())
	for _, c := range rs.Rules() {
		want := c.Rule.Name != "failed_login" // generate defaults to false
		if c.Standalone != want {
			t.Errorf("%s: Standalone=%v, want %v", c.Rule.Title, c.Standalone, want)
		}
	}
	rules, _ = ParseFile("g.yml", []byte(strings.Replace(doc, "timespan: 1m\n", "timespan: 1m\n  generate: true\n", 1)))
	rs, _ = Compile(rules, DefaultPipeline())
	for _, c := range rs.Rules() {
		if !c.Standalone {
			t.Errorf("%s: not standalone with generate: true", c.Rule.Title)
		}
	}
}

func TestCorrelationUnsupported(t *testing.T) {
	for _, tt := range []struct{ corr, reason string }{
		{"title: x\ncorrelation:\n  type: event_count\n  rules: [nope]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {gte: 1}\n", `refers to rule "nope"`},
		{"title: x\ncorrelation:\n  type: value_percentile\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1m\n  condition: {field: user.name, gte: 1}\n", "value_percentile"},
		{"title: x\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [NoSuchField]\n  timespan: 1m\n  condition: {gte: 1}\n", "field NoSuchField is not mapped"},
		{"title: x\nname: a\ncorrelation:\n  type: temporal\n  rules: [b, failed_login]\n  group-by: [user.name]\n  timespan: 1m\n---\ntitle: y\nname: b\ncorrelation:\n  type: temporal\n  rules: [a, failed_login]\n  group-by: [user.name]\n  timespan: 1m\n", "cycle"},
	} {
		rules, err := ParseFile("c.yml", []byte(sshBase+"---\n"+tt.corr))
		if err != nil {
			t.Fatal(err)
		}
		_, unsup := Compile(rules, DefaultPipeline())
		if len(unsup) == 0 || !strings.Contains(unsup[0].Reason, tt.reason) {
			t.Errorf("unsupported %v, want reason containing %q", unsup, tt.reason)
		}
	}
}

func TestCorrelationRefsCapped(t *testing.T) {
	var evs []*event.Event
	for i := 0; i < 200; i++ {
		evs = append(evs, sshEv(i, "failed", "10.0.0.1", "root", int64(i+1)))
	}
	ms := runCorrelation(t, sshBase+"---\ntitle: many\ncorrelation:\n  type: event_count\n  rules: [failed_login]\n  group-by: [source.ip]\n  timespan: 1h\n  condition: {gte: 100}\n", evs)
	if len(ms) != 1 || ms[0].Count != 200 || len(ms[0].Refs) != MaxRefs || ms[0].Refs[0].Line != 1 {
		t.Errorf("%v", summary(ms))
	}
	if !ms[0].Last.Equal(t0.Add(99 * time.Second)) {
		t.Errorf("Last = %v, want the 100th event", ms[0].Last.Sub(t0))
	}
}

// TestCorrelationEntriesHoldNoPointers guards what keeps the correlation
// buffer cheap for the garbage collector over a long scan: an entry with a
// pointer (a string, a slice) would make every collection scan the buffer.
func TestCorrelationEntriesHoldNoPointers(t *testing.T) {
	var walk func(reflect.Type) string
	walk = func(ty reflect.Type) string {
		switch ty.Kind() {
		case reflect.Struct:
			for i := range ty.NumField() {
				if p := walk(ty.Field(i).Type); p != "" {
					return ty.Field(i).Name + "." + p
				}
			}
			return ""
		case reflect.Array:
			return walk(ty.Elem())
		case reflect.Pointer, reflect.String, reflect.Slice, reflect.Map, reflect.Interface, reflect.Func, reflect.Chan, reflect.UnsafePointer:
			return ty.Kind().String()
		}
		return ""
	}
	if p := walk(reflect.TypeFor[corrEntry]()); p != "" {
		t.Errorf("corrEntry holds a pointer: %s", p)
	}
}

// TestCorrelatorAddAllocs: recording a match of a group seen before costs
// no allocation beyond the buffer's (amortised) growth, for event counts
// and for distinct values (whose value is digested, not copied).
func TestCorrelatorAddAllocs(t *testing.T) {
	rules, err := ParseFile("c.yml", []byte(sshBase+`---
title: spraying
correlation:
  type: value_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1h
  condition: {field: user.name, gte: 5}
---
title: brute force
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 1h
  condition: {gte: 5}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs, unsup := Compile(rules, DefaultPipeline())
	if len(unsup) > 0 {
		t.Fatal(unsup)
	}
	ev := sshEv(1, "failed", "10.0.0.1", "root", 1)
	ms := rs.Match(ev, nil)
	if len(ms) != 1 {
		t.Fatalf("base rule matches: %v", titles(ms))
	}
	c := rs.NewCorrelator()
	if n := testing.AllocsPerRun(2000, func() { c.Add(ms[0], ev) }); n != 0 {
		t.Errorf("Add: %v allocations per match", n)
	}
}
