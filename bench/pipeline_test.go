// Package bench_test holds the whole-pipeline benchmarks: scan.Run and
// triage.Run over generated files (bench/loggen), as `kizuki scan` runs them.
// The comparison with other tools is bench/run.sh (make bench).
package bench_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/bench/loggen"
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
