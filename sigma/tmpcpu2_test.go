package sigma

import (
	"runtime"
	"testing"
)

func TestTmpCPU2(t *testing.T) {
	base := sharedData(t, "sigma/rules")
	rs, _ := Compile(loadRules(t, base+"/web"), DefaultPipeline())
	runtime.LockOSThread()
	ev := webEv()
	const N = 5000
	for _, rt := range rs.byKind[ev.Kind] {
		sc := rs.getScratch()
		st := threadCPU()
		for i := 0; i < N; i++ {
			sc.reset()
			cand := sc.cand[:len(rt.always)]
			for j := range rt.scan {
				if v, ok := sc.lowered(ev, &rt.scan[j]); ok {
					rt.ac.scan(v, cand)
				}
			}
		}
		t.Logf("route %s scan: %v", rt.src.ls, (threadCPU()-st)/N)
		for _, c := range rt.rules {
			st := threadCPU()
			for i := 0; i < N; i++ {
				sc.reset()
				c.root.eval(ev, sc)
			}
			if d := (threadCPU() - st) / N; d > 300 {
				t.Logf("  %v %s", d, c.Rule.Title)
			}
		}
	}
}
