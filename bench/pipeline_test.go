// Package bench_test holds the whole-pipeline benchmarks: scan.Run and
// triage.Run over generated files (bench/loggen), as `kizuki scan` runs them.
// The comparison with other tools is bench/run.sh (make bench).
package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/bench/loggen"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/triage"
)

// input writes a generated file of about size bytes into a temp folder.
func input(b *testing.B, kind string, size int64) (string, loggen.Meta) {
	b.Helper()
	p := filepath.Join(b.TempDir(), kind+".log")
	f, err := os.Create(p)
	if err != nil {
		b.Fatal(err)
	}
	m, err := loggen.Write(f, kind, size, 0.001, 1)
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		b.Fatal(err)
	}
	return p, m
}

func report(b *testing.B, m loggen.Meta, start time.Time) {
	b.SetBytes(m.Bytes)
	b.ReportMetric(float64(m.Lines)*float64(b.N)/time.Since(start).Seconds(), "lines/s")
}

// BenchmarkParse is the pipeline with no handler: read, hash, split into
// blocks, decode on every core.
func BenchmarkParse(b *testing.B) {
	for _, kind := range []string{"access", "auth", "mysql-general"} {
		b.Run(kind, func(b *testing.B) {
			p, m := input(b, kind, 20_000_000)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				res, err := scan.Run(context.Background(), scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}})
				if err != nil {
					b.Fatal(err)
				}
				if s := res.Summary(); s.Lines != m.Lines || s.Unparsed != 0 {
					b.Fatalf("lines %d (want %d), unparsed %d", s.Lines, m.Lines, s.Unparsed)
				}
			}
			report(b, m, start)
		})
	}
}

// BenchmarkTriage is `kizuki scan` without writing the case folder: the rule
// pack, with OWASP CRS at paranoia 1 (crs) or off (nocrs), incidents and the
// second pass over the suspects.
func BenchmarkTriage(b *testing.B) {
	for _, c := range []struct {
		name     string
		kind     string
		size     int64
		paranoia int
	}{
		{"access-nocrs", "access", 20_000_000, 0},
		// Coraza evaluates a fifth of these requests (the ones with a query
		// string or a method other than GET/HEAD): a smaller file.
		{"access-crs", "access", 2_000_000, 1},
		{"auth", "auth", 20_000_000, 1},
		{"mysql-general", "mysql-general", 20_000_000, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			p, m := input(b, c.kind, c.size)
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				res, err := triage.Run(context.Background(), triage.Config{
					Version: "bench", TimeZone: "UTC", Paranoia: c.paranoia,
					Scan: scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}},
				})
				if err != nil {
					b.Fatal(err)
				}
				if res.Findings.Summary.Lines != m.Lines {
					b.Fatalf("lines %d, want %d", res.Findings.Summary.Lines, m.Lines)
				}
			}
			report(b, m, start)
		})
	}
}

// eachLine calls fn for every line of text, as the pipeline's block splitter
// does (no copy: lines are substrings).
func eachLine(text string, fn func(i int, line string)) {
	for i := 0; text != ""; i++ {
		j := strings.IndexByte(text, '\n')
		if j < 0 {
			fn(i, text)
			return
		}
		fn(i, text[:j])
		text = text[j+1:]
	}
}

var sink int

// BenchmarkDecode compares each decoder, on one core and in memory, with the
// floor: the same line splitting with the combined-format fields merely cut
// apart (bench/floor, format/access's BenchmarkBaselineSplit). Run with
// -cpu 1; the target is at least 60% of the floor's MB/s.
func BenchmarkDecode(b *testing.B) {
	gen := func(b *testing.B, kind string) (string, loggen.Meta) {
		var sb strings.Builder
		m, err := loggen.Write(&sb, kind, 20_000_000, 0.001, 1)
		if err != nil {
			b.Fatal(err)
		}
		return sb.String(), m
	}
	b.Run("floor", func(b *testing.B) {
		text, m := gen(b, "access")
		b.SetBytes(m.Bytes)
		b.ReportAllocs()
		seps := [...]string{" ", " ", " [", "] \"", "\" ", " ", " \"", "\" \"", "\""}
		for b.Loop() {
			eachLine(text, func(_ int, l string) {
				var f [9]string
				for i, sep := range seps {
					j := strings.Index(l, sep)
					if j < 0 {
						f[i] = l
						break
					}
					f[i], l = l[:j], l[j+len(sep):]
				}
				sink += len(f[8])
			})
		}
	})
	for _, c := range []struct{ kind, format string }{
		{"access", "access.combined"}, {"auth", "syslog"}, {"syslog", "syslog"},
		{"mysql-general", "mysql.general"}, {"mysql-slow", "mysql.slow"},
	} {
		b.Run(c.kind, func(b *testing.B) {
			text, m := gen(b, c.kind)
			f, err := format.Lookup(c.format)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(m.Bytes)
			b.ReportAllocs()
			raw := 0
			emit := func(ev *event.Event) {
				if ev.Kind == event.KindRaw {
					raw++
				}
			}
			for b.Loop() {
				dec, err := f.New(format.Options{Location: time.UTC})
				if err != nil {
					b.Fatal(err)
				}
				eachLine(text, func(i int, l string) { dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit) })
				dec.Flush(emit)
			}
			if raw > 0 {
				b.Fatalf("%d unparsed events", raw)
			}
		})
	}
}
