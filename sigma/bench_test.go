package sigma

import (
	"syscall"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

// cpuTime is the process's user+system CPU time. On a shared machine the
// wall-clock ns/op mostly measures waiting for a core; cpu-ns/op does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkMatch runs every SigmaHQ web rule over a realistic access-log
// event (apache-real/access.log line 1) that matches none of them.
func BenchmarkMatch(b *testing.B) {
	base := shareddata.Path(b, "sigma/rules")
	rs, _ := Compile(loadRules(b, base+"/web"), DefaultPipeline())
	ev := webEv()
	b.SetBytes(int64(len(ev.Raw)))
	b.ReportAllocs()
	dst := make([]*Compiled, 0, 8)
	start := cpuTime()
	for b.Loop() {
		dst = rs.Match(ev, dst[:0])
	}
	reportCPU(b, start)
	if len(dst) != 0 {
		b.Fatalf("benign event matched %d rules", len(dst))
	}
}

// BenchmarkMatchAttack is the same with a path traversal request that
// passes the prefilter and matches.
func BenchmarkMatchAttack(b *testing.B) {
	base := shareddata.Path(b, "sigma/rules")
	rs, _ := Compile(loadRules(b, base+"/web"), DefaultPipeline())
	ev := with(func(e *event.Event) {
		e.URL = "/cgi-bin/../../../../etc/passwd"
		e.Raw = `203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /cgi-bin/../../../../etc/passwd HTTP/1.1" 404 0 "-" "curl/7.68.0"`
	})
	b.SetBytes(int64(len(ev.Raw)))
	b.ReportAllocs()
	dst := make([]*Compiled, 0, 8)
	start := cpuTime()
	for b.Loop() {
		dst = rs.Match(ev, dst[:0])
	}
	reportCPU(b, start)
}

// BenchmarkMatchLinux runs every SigmaHQ linux rule over an sshd record.
func BenchmarkMatchLinux(b *testing.B) {
	base := shareddata.Path(b, "sigma/rules")
	rs, _ := Compile(loadRules(b, base+"/linux"), DefaultPipeline())
	ev := sshEv(0, "failed", "173.234.31.186", "webmaster", 1)
	b.SetBytes(int64(len(ev.Raw)))
	b.ReportAllocs()
	dst := make([]*Compiled, 0, 8)
	start := cpuTime()
	for b.Loop() {
		dst = rs.Match(ev, dst[:0])
	}
	reportCPU(b, start)
}

// BenchmarkMatchNoPrefilter measures the same web set with the prefilter
// disabled (every routed rule evaluated), to show what it saves.
func BenchmarkMatchNoPrefilter(b *testing.B) {
	base := shareddata.Path(b, "sigma/rules")
	rs, _ := Compile(loadRules(b, base+"/web"), DefaultPipeline())
	ev := webEv()
	var rules []*Compiled
	for _, rt := range rs.byKind[ev.Kind] {
		rules = append(rules, rt.rules...)
	}
	b.SetBytes(int64(len(ev.Raw)))
	b.ReportAllocs()
	for b.Loop() {
		sc := rs.getScratch()
		for _, c := range rules {
			c.root.eval(ev, sc)
		}
		rs.pool.Put(sc)
	}
}

func BenchmarkCompileLinux(b *testing.B) {
	base := shareddata.Path(b, "sigma/rules")
	rules := loadRules(b, base+"/linux")
	b.ReportAllocs()
	for b.Loop() {
		Compile(rules, DefaultPipeline())
	}
}
