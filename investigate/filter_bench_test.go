package investigate

import (
	"context"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/scan"
)

// filterBench reads KIZUKI_BENCH_LOG (a generated access log; the 50 MB
// one will do) for the filter benchmarks: its first MiB of whole lines, a
// Collector with 70 of the whole log's addresses and 5 web-shell paths as
// suspects, the log's shape as the first pass saw it, and a CPU clock.
func filterBench(b *testing.B) (text string, c *Collector, shape scan.Shape, cpu func() time.Duration) {
	p := os.Getenv("KIZUKI_BENCH_LOG")
	if p == "" {
		b.Skip("KIZUKI_BENCH_LOG names no log")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	res, err := scan.Run(context.Background(), scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}})
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// The filter meets a block's lines just read, in cache: time it on the
	// first MiB, with the suspects drawn from the whole log.
	text = string(data[:1<<20])
	text = text[:strings.LastIndexByte(text, '\n')+1]
	seen := map[string]bool{}
	var ips []string
	for i := 0; i < len(lines) && len(ips) < 70; i += 997 {
		if ip := scan.FirstField(lines[i]); !seen[ip] {
			seen[ip] = true
			ips = append(ips, ip)
		}
	}
	c = NewCollector(ips, []string{"/uploads/shell.php", "/wp-content/uploads/x.php", "/images/cmd.jsp", "/a.php", "/tmp/b.aspx"})
	cpu = func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	runtime.GC() // the set-up's garbage is not the filter's
	return text, c, res.Inputs[0].Shape, cpu
}

// BenchmarkFilter times the second pass's line filter alone over
// filterBench's lines.
func BenchmarkFilter(b *testing.B) {
	text, c, shape, cpu := filterBench(b)
	block := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	skip := c.Filter(shape)
	b.SetBytes(int64(len(text)))
	start := cpu()
	for b.Loop() {
		kept := 0
		for _, l := range block {
			if !skip(l) {
				kept++
			}
		}
		if kept == len(block) {
			b.Fatal("every line kept")
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(b.N*len(block)), "cpu-ns/line")
}

// BenchmarkSeek is BenchmarkFilter for Seek: the same lines, suspects and
// shells, passed over by Seek as scan does (a call, then the kept line
// taken, until the block's end).
func BenchmarkSeek(b *testing.B) {
	text, c, shape, cpu := filterBench(b)
	seek := c.Seek(shape)
	if seek == nil {
		b.Fatal("no Seek for the log's shape")
	}
	n := strings.Count(text, "\n")
	b.SetBytes(int64(len(text)))
	start := cpu()
	for b.Loop() {
		kept := 0
		for pos := 0; pos < len(text); kept++ {
			k, _, _ := seek(text[pos:])
			if pos += k; pos < len(text) {
				pos += strings.IndexByte(text[pos:], '\n') + 1
			}
		}
		if kept >= n {
			b.Fatal("every line kept")
		}
	}
	b.ReportMetric(float64(cpu()-start)/float64(b.N*n), "cpu-ns/line")
}
