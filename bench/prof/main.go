// Command prof runs a kizuki scan exactly as `kizuki scan` does (triage.Run,
// then triage.WriteCase into a case folder) under the Go profilers, and
// prints what the CLI does not: the time of each stage and the OWASP CRS
// counters (how many web requests the prefilter ruled out, how many the
// verdict cache answered, how many reached Coraza).
//
//	go run ./bench/prof -cpuprofile cpu.prof -out /tmp/case access.log
//	go tool pprof -top -nodecount 40 cpu.prof
//
// It lives apart from cmd/kizuki so that the shipped binary has no hidden
// flags; the wiring below mirrors cmd/kizuki/scan.go and must follow it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
	"github.com/kizuki-dfir/kizuki/triage"
)

type rulesFlag []string

func (r *rulesFlag) String() string     { return strings.Join(*r, ",") }
func (r *rulesFlag) Set(s string) error { *r = append(*r, s); return nil }

// account is the one JSON line prof prints.
type account struct {
	Bytes         int64   `json:"bytes"`
	Lines         int64   `json:"lines"`
	Events        int64   `json:"events"`
	Alerts        int     `json:"alerts"`
	Incidents     int     `json:"incidents"`
	ScanSeconds   float64 `json:"scan_seconds"`  // triage.Run: both passes, detection, incidents
	WriteSeconds  float64 `json:"write_seconds"` // triage.WriteCase: reports and evidence
	TotalSeconds  float64 `json:"total_seconds"`
	CPUSeconds    float64 `json:"cpu_seconds"`
	MBPerSec      float64 `json:"mb_per_s"`
	CRSChecked    uint64  `json:"crs_checked,omitempty"`
	CRSPrefilter  uint64  `json:"crs_prefiltered,omitempty"`
	CRSCacheHits  uint64  `json:"crs_cache_hits,omitempty"`
	CRSEvaluated  uint64  `json:"crs_evaluated,omitempty"`
	CRSErrors     uint64  `json:"crs_errors,omitempty"`
	CRSReachShare float64 `json:"crs_reached_share"` // of all lines, the share Coraza evaluated
	HeapSysMB     float64 `json:"heap_sys_mb"`
}

func main() {
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile here")
	memprofile := flag.String("memprofile", "", "write an allocation profile here (at the end)")
	heapprofile := flag.String("heapprofile", "", "write a heap profile (memory in use) here, -heapat into the scan")
	heapAt := flag.Duration("heapat", 5*time.Second, "when to take -heapprofile: what the scan holds while it runs, not after")
	out := flag.String("out", "", "case folder (default: a temporary folder, removed)")
	paranoia := flag.Int("paranoia", 1, "OWASP CRS paranoia level; 0 turns CRS off")
	workers := flag.Int("workers", 0, "decoding goroutines (0: GOMAXPROCS)")
	fmtName := flag.String("format", "", "force this format")
	var rulesOnly rulesFlag
	flag.Var(&rulesOnly, "rules-only", "use only this rule folder (an empty folder: no Sigma rules); repeatable")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: prof [flags] LOGS...")
		os.Exit(2)
	}
	if *heapprofile != "" {
		time.AfterFunc(*heapAt, func() {
			f, err := os.Create(*heapprofile)
			if err == nil {
				runtime.GC() // the profile shows live memory as of the last GC
				err = pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, "prof: heap profile:", err)
			}
		})
	}
	if err := run(*cpuprofile, *memprofile, *out, *paranoia, *workers, *fmtName, rulesOnly, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "prof:", err)
		os.Exit(1)
	}
}

func run(cpuprofile, memprofile, out string, paranoia, workers int, fmtName string, rulesOnly, args []string) error {
	if out == "" {
		d, err := os.MkdirTemp("", "kizuki-prof-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		out = d
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	cpu0 := cpuTime()
	c, err := evidence.Create(out, true)
	if err != nil {
		return err
	}
	if err := c.Record("scan", "bench", os.Args[1:], map[string]any{"inputs": args}); err != nil {
		return err
	}
	cfg := triage.Config{
		Version:   "bench",
		TimeZone:  "UTC",
		RuleDirs:  rulesOnly,
		RulesOnly: len(rulesOnly) > 0,
		Paranoia:  paranoia,
		Scan: scan.Config{
			Args:    args,
			Format:  fmtName,
			Decode:  format.Options{Location: time.UTC},
			Workers: workers,
		},
	}
	res, err := triage.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	scanned := time.Now()
	if err := triage.WriteCase(context.Background(), c, res, "bench", report.Options{Lang: "en", Location: time.UTC}); err != nil {
		return err
	}
	end := time.Now()
	s := res.Findings.Summary
	a := account{
		Bytes: s.Bytes, Lines: s.Lines, Events: s.Events, Alerts: s.Alerts, Incidents: s.Incidents,
		ScanSeconds:  scanned.Sub(start).Seconds(),
		WriteSeconds: end.Sub(scanned).Seconds(),
		TotalSeconds: end.Sub(start).Seconds(),
		CPUSeconds:   cpuTime() - cpu0,
	}
	a.MBPerSec = float64(a.Bytes) / 1e6 / a.TotalSeconds
	if st := res.CRS; st != nil {
		a.CRSChecked, a.CRSPrefilter, a.CRSCacheHits, a.CRSEvaluated, a.CRSErrors = st.Checked, st.Prefiltered, st.CacheHits, st.Evaluated, st.Errors
		if s.Lines > 0 {
			a.CRSReachShare = float64(st.Evaluated) / float64(s.Lines)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	a.HeapSysMB = float64(ms.HeapSys) / 1e6
	if memprofile != "" {
		f, err := os.Create(memprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return fmt.Errorf("write allocation profile: %w", err)
		}
	}
	js, _ := json.Marshal(a)
	fmt.Println(string(js))
	return nil
}
