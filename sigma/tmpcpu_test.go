package sigma

import (
	"github.com/kizuki-dfir/kizuki/event"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func threadCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
func TestTmpCPU(t *testing.T) {
	base := sharedData(t, "sigma/rules")
	rs, _ := Compile(loadRules(t, base+"/web"), DefaultPipeline())
	rl, _ := Compile(loadRules(t, base+"/linux"), DefaultPipeline())
	runtime.LockOSThread()
	for _, tc := range []struct {
		n  string
		rs *RuleSet
		ev *event.Event
	}{
		{"web benign", rs, webEv()},
		{"web attack", rs, with(func(e *event.Event) {
			e.URL = "/cgi-bin/../../../../etc/passwd"
			e.UserAgent = "curl/7.68.0"
			e.Raw = `203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET /cgi-bin/../../../../etc/passwd HTTP/1.1" 404 0 "-" "curl/7.68.0"`
		})},
		{"linux sshd", rl, sshEv(0, "failed", "173.234.31.186", "webmaster", 1)},
	} {
		dst := make([]*Compiled, 0, 8)
		const N = 20000
		st := threadCPU()
		for i := 0; i < N; i++ {
			dst = tc.rs.Match(tc.ev, dst[:0])
		}
		t.Logf("%s: %v CPU/op, %d matches", tc.n, (threadCPU()-st)/N, len(dst))
	}
}
