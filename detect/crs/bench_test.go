package crs

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

// cpuTime is the process's user+system CPU time. The machines these
// benchmarks run on are shared, so wall-clock ns/op swings with other
// people's load; CPU time per operation (the "cpu-ns/op" metric) does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU adds cpu-ns/op and, from it, single-core req/s.
func reportCPU(b *testing.B, start time.Duration) {
	per := float64(cpuTime()-start) / float64(b.N)
	b.ReportMetric(per, "cpu-ns/op")
	if per > 0 {
		b.ReportMetric(1e9/per, "req/cpu-s")
	}
}

// replayScreen times MayMatch over evs, round and round, with a fresh
// Screen (cold memos) at the start of every round, and reports CPU time per
// request.
func replayScreen(b *testing.B, c *Checker, evs []event.Event) {
	s := c.NewScreen()
	s.MayMatch(&evs[0]) // build the prefilter outside the timing
	s = c.NewScreen()
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		k := i % len(evs)
		if k == 0 {
			s = c.NewScreen()
		}
		s.MayMatch(&evs[k])
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

const benchUA = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/34.0.1825.4 Safari/537.36"

// BenchmarkNew measures New, what every scan with CRS pays before its first
// line: reading the options. Coraza's compilation of CRS and the
// prefilter's build happen on first use (BenchmarkStartCoraza,
// BenchmarkStartPrefilter).
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		if _, err := New(Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCheckMiss evaluates a distinct benign request every time (an
// escaped space keeps MayMatch from ruling it out): the Coraza cost per
// request that matches nothing.
func BenchmarkCheckMiss(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]event.Event, b.N)
	size := 0
	for i := range evs {
		evs[i] = event.Event{Kind: event.KindWeb, Method: "GET", HTTPVersion: "HTTP/1.1", UserAgent: benchUA,
			URL: "/blog/tags/puppet?flav=rss20&q=a%20b&page=" + strconv.Itoa(i), Referrer: "http://www.semicomplete.com/"}
		size += len(evs[i].URL) + len(evs[i].UserAgent) + len(evs[i].Referrer)
	}
	b.SetBytes(int64(size / max(b.N, 1)))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := range evs {
		c.Check(&evs[i])
	}
	reportCPU(b, start)
	if st := c.Stats(); st.Evaluated != uint64(b.N) {
		b.Fatalf("stats %+v: not every request reached Coraza", st)
	}
}

// BenchmarkCheckMissParallel is BenchmarkCheckMiss on all cores.
func BenchmarkCheckMissParallel(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int64
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(time.Now().UnixNano()) // distinct enough to miss the cache
			ev := event.Event{Kind: event.KindWeb, Method: "GET", HTTPVersion: "HTTP/1.1", UserAgent: benchUA,
				URL: "/blog/tags/puppet?flav=rss20&page=" + strconv.Itoa(i)}
			c.Check(&ev)
		}
	})
	n = int64(b.N)
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkCheckHit serves a repeated request from the cache.
func BenchmarkCheckHit(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := event.Event{Kind: event.KindWeb, Method: "GET", HTTPVersion: "HTTP/1.1", UserAgent: benchUA,
		URL: "/blog/tags/puppet?flav=rss20", Referrer: "http://www.semicomplete.com/"}
	c.Check(&ev)
	b.SetBytes(int64(len(ev.URL) + len(ev.UserAgent) + len(ev.Referrer)))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		c.Check(&ev)
	}
	reportCPU(b, start)
}

// BenchmarkMayMatch is the prefilter on a plain request (the common case: it
// has to read everything to say false).
func BenchmarkMayMatch(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	ev := event.Event{Kind: event.KindWeb, Method: "GET", HTTPVersion: "HTTP/1.1", UserAgent: benchUA,
		URL: "/presentations/logstash-monitorama-2013/images/kibana-search.png", Referrer: "http://semicomplete.com/presentations/logstash-monitorama-2013/"}
	if c.MayMatch(&ev) {
		b.Fatal("benchmark request is not plain")
	}
	b.SetBytes(int64(len(ev.URL) + len(ev.UserAgent) + len(ev.Referrer)))
	b.ReportAllocs()
	b.ResetTimer()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		c.MayMatch(&ev)
	}
	reportCPU(b, start)
}

// loadCombined decodes the first n lines of a combined-format access log.
// The fields point into one buffer, as a scan's events point into the
// block being decoded: a benchmark over scattered strings would measure
// cache misses a scan does not have.
func loadCombined(b *testing.B, path string, n int) []event.Event {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var buf strings.Builder
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for k := 0; k < n && sc.Scan(); k++ {
		buf.Write(sc.Bytes())
		buf.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	var evs []event.Event
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		m := combinedRE.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		evs = append(evs, event.Event{Kind: event.KindWeb, SourceIP: m[1], Method: m[2], URL: m[3], HTTPVersion: m[4],
			Referrer: m[6], UserAgent: m[7]})
	}
	return evs
}

// BenchmarkMayMatchScan screens access logs the way a detect worker does
// in a scan, one operation per line: one Screen from the first line to the
// last of each pass, so memos start empty and fill as the log repeats
// itself. "generated" is the first 200,000 lines of the generated 50 MB
// access log in bench/data (skipped when absent), "real" the apache-real
// log (../shared/data).
func BenchmarkMayMatchScan(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, set := range []string{"generated", "real"} {
		b.Run(set, func(b *testing.B) {
			var evs []event.Event
			switch set {
			case "generated":
				files, _ := filepath.Glob("../../bench/data/access-50MB-*.log")
				if len(files) == 0 {
					b.Skip("no generated access log in bench/data")
				}
				sort.Strings(files)
				evs = loadCombined(b, files[0], 200000)
			case "real":
				evs = loadCombined(b, filepath.Join(shareddata.Path(b, "apache-real"), "access.log"), 20000)
			}
			replayScreen(b, c, evs)
		})
	}
}

// BenchmarkCheckAttacks evaluates every regression payload an access log
// can carry (the loggable stages of the CRS regression tests), at paranoia
// 1 with no verdict cache: the Coraza cost per request that reaches it,
// which in a scan are mostly attacks. One op is one evaluation.
//
// "kizuki_rx" is what scans run; "rx" is Coraza's own operator (rx.go).
func BenchmarkCheckAttacks(b *testing.B) {
	var evs []event.Event
	for _, tc := range loadRegression(b) {
		if tc.loggable {
			evs = append(evs, tc.ev)
		}
	}
	for _, plain := range []bool{false, true} {
		name := gatedRxName
		if plain {
			name = "rx"
		}
		b.Run(name, func(b *testing.B) {
			c, err := New(Options{CacheSize: -1})
			if err != nil {
				b.Fatal(err)
			}
			c.plainRx = plain
			c.evaluate(&request{method: "GET", uri: "/", proto: "HTTP/1.1"}) // compile CRS outside the timing
			b.ReportAllocs()
			b.ResetTimer()
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				r := requestOf(&evs[i%len(evs)])
				c.evaluate(&r)
			}
			reportCPU(b, start)
		})
	}
}
