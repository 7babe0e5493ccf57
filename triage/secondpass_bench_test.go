package triage

import (
	"context"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/investigate"
	"github.com/kizuki-dfir/kizuki/scan"
)

// BenchmarkSecondPass times the investigation pass alone over the log named
// by KIZUKI_BENCH_LOG (the generated 200 MB access log, say), with the
// suspects a full scan of it names. It reports CPU time per pass (cpu-ms/op)
// besides wall time: the machine it runs on is shared.
func BenchmarkSecondPass(b *testing.B) {
	p := os.Getenv("KIZUKI_BENCH_LOG")
	if p == "" {
		b.Skip("KIZUKI_BENCH_LOG names no log")
	}
	cfg := Config{Version: "bench", TimeZone: "UTC", Paranoia: 1,
		Scan: scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}}}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	ips, shells := investigate.New(res.Findings, nil, cfg.Scan.Decode).Suspects()
	b.Logf("%d suspect addresses, %d shells", len(ips), len(shells))
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	runtime.GC() // the first pass's garbage is not the second's
	b.ResetTimer()
	start := cpu()
	for b.Loop() {
		if _, _, changed, err := secondPass(context.Background(), cfg.Scan, res.Scan, ips, shells); err != nil || changed != nil {
			b.Fatal(err, changed)
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}
