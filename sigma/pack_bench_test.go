package sigma

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/access"
	"github.com/kizuki-dfir/kizuki/rules"
)

// packRuleSet compiles kizuki's own rule pack (rules/), the rules a scan
// runs by default.
func packRuleSet(tb testing.TB) *RuleSet {
	tb.Helper()
	var all []*Rule
	err := fs.WalkDir(rules.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yml") {
			return err
		}
		data, err := fs.ReadFile(rules.FS, p)
		if err != nil {
			return err
		}
		rs, err := ParseFile(p, data)
		if err != nil {
			return err
		}
		all = append(all, rs...)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	rs, unsup := Compile(all, DefaultPipeline())
	if len(unsup) > 0 {
		tb.Fatalf("rule pack: %v", unsup)
	}
	return rs
}

// generatedAccess decodes the first n lines of the generated access log of
// bench/data (make bench-data), skipping when it is absent: the benchmark
// must see the value repetition of real traffic (user agents, referrers,
// URLs), which a single hand-written event does not have.
func generatedAccess(tb testing.TB, n int) []event.Event {
	tb.Helper()
	lines := generatedLines(tb, n)
	ft, _ := format.Sniff(lines[:min(64, len(lines))])
	if ft == nil {
		tb.Fatal("generated access log: format not recognised")
	}
	dec, err := ft.New(format.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	evs := make([]event.Event, 0, len(lines))
	emit := func(ev *event.Event) {
		c := *ev
		c.Extra = append([]event.KV(nil), ev.Extra...)
		evs = append(evs, c)
	}
	for i, l := range lines {
		dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
	}
	dec.Flush(emit)
	return evs
}

// generatedLines reads the first n lines of the generated access log of
// bench/data (make bench-data), skipping when it is absent.
func generatedLines(tb testing.TB, n int) []string {
	tb.Helper()
	paths, _ := filepath.Glob("../bench/data/access-50MB-*.log")
	if len(paths) == 0 {
		tb.Skip("no generated access log in bench/data (make bench-data)")
	}
	f, err := os.Open(paths[0])
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(lines) < n && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return lines
}

// BenchmarkMatchGeneratedAccess runs the built-in rule pack over 20,000
// generated access-log events; one op is one event.
func BenchmarkMatchGeneratedAccess(b *testing.B) {
	rs := packRuleSet(b)
	evs := generatedAccess(b, 20000)
	b.ReportAllocs()
	dst := make([]*Compiled, 0, 8)
	start := cpuTime()
	i := 0
	for b.Loop() {
		dst = rs.Match(&evs[i], dst[:0])
		if i++; i == len(evs) {
			i = 0
		}
	}
	reportCPU(b, start)
}

// BenchmarkMatcherGeneratedAccess is BenchmarkMatchGeneratedAccess through
// one Matcher, as a detect worker matches: no pool per event.
func BenchmarkMatcherGeneratedAccess(b *testing.B) {
	rs := packRuleSet(b)
	evs := generatedAccess(b, 20000)
	m := rs.NewMatcher()
	b.ReportAllocs()
	dst := make([]*Compiled, 0, 8)
	start := cpuTime()
	i := 0
	for b.Loop() {
		dst = m.Match(&evs[i], dst[:0])
		if i++; i == len(evs) {
			i = 0
		}
	}
	reportCPU(b, start)
}

// BenchmarkCorrelatorGeneratedAccess feeds the matches of the rule pack over
// the generated 50 MB access log to a Correlator (one op: every Add of
// them), then times Finish, which sorts, groups and windows them.
func BenchmarkCorrelatorGeneratedAccess(b *testing.B) {
	rs := packRuleSet(b)
	evs := generatedAccess(b, 1<<30)
	type match struct {
		c  *Compiled
		ev *event.Event
	}
	var ms []match
	for i := range evs {
		for _, c := range rs.Match(&evs[i], nil) {
			ms = append(ms, match{c, &evs[i]})
		}
	}
	b.Run("Add", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			corr := rs.NewCorrelator()
			for _, m := range ms {
				corr.Add(m.c, m.ev)
			}
		}
	})
	corr := rs.NewCorrelator()
	for _, m := range ms {
		corr.Add(m.c, m.ev)
	}
	b.Run("Finish", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			n = len(corr.Finish())
		}
		b.ReportMetric(float64(n), "matches")
	})
}

// BenchmarkMatcherDecodedAccess decodes each line of the generated access
// log and matches it at once, as a detect worker does: the event and its
// strings are in cache when Match runs, which BenchmarkMatcherGeneratedAccess
// (events decoded up front, 20,000 of them cycled through) does not
// reproduce. Its sub-benchmark decode is the same loop without Match; the
// difference is what matching costs per line. One op is one line.
func BenchmarkMatcherDecodedAccess(b *testing.B) {
	rs := packRuleSet(b)
	lines := generatedLines(b, 200000)
	ft, _ := format.Sniff(lines[:64])
	for _, match := range []bool{false, true} {
		name := "decode"
		if match {
			name = "match"
		}
		b.Run(name, func(b *testing.B) {
			dec, err := ft.New(format.Options{})
			if err != nil {
				b.Fatal(err)
			}
			m := rs.NewMatcher()
			dst := make([]*Compiled, 0, 8)
			emit := func(ev *event.Event) {
				if match {
					dst = m.Match(ev, dst[:0])
				}
			}
			b.ReportAllocs()
			start := cpuTime()
			i := 0
			for b.Loop() {
				dec.Decode(lines[i], event.Ref{Line: int64(i + 1)}, emit)
				if i++; i == len(lines) {
					i = 0
				}
			}
			reportCPU(b, start)
		})
	}
}
