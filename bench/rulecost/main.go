// Command rulecost prints what each rule of the built-in pack costs on a log
// file: the file is decoded once into memory-resident lines, then every rule
// is compiled on its own and matched against every event, and the CPU time
// per event is printed, costliest first. It answers "which rule stands in the
// way" when the pipeline profile shows sigma.(*RuleSet).Match on top.
//
//	go run ./bench/rulecost -n 200000 bench/data/access-1GB-*.log
//
// Correlation rules are left out (they count matches of other rules and cost
// nothing per event here).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/kizuki-dfir/kizuki/detect"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/all"
	"github.com/kizuki-dfir/kizuki/rules"
	"github.com/kizuki-dfir/kizuki/sigma"
)

func main() {
	n := flag.Int("n", 200000, "lines read from the start of the file")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: rulecost [-n LINES] FILE")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *n); err != nil {
		fmt.Fprintln(os.Stderr, "rulecost:", err)
		os.Exit(1)
	}
}

func run(path string, n int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() && len(lines) < n {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	ft, _ := format.Sniff(lines[:min(64, len(lines))])
	if ft == nil {
		return fmt.Errorf("%s: format not recognised", path)
	}
	loaded, err := detect.LoadRules(detect.RuleSource{Name: "builtin", FS: rules.FS})
	if err != nil {
		return err
	}
	// decodeOnce runs the decoder over the lines and calls fn for each event.
	decodeOnce := func(fn func(*event.Event)) (time.Duration, int) {
		dec, err := ft.New(format.Options{})
		if err != nil {
			panic(err)
		}
		events := 0
		emit := func(ev *event.Event) { events++; fn(ev) }
		start := time.Now()
		for i, l := range lines {
			dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
		}
		dec.Flush(emit)
		return time.Since(start), events
	}
	// decode keeps the best of three runs: the machine may be shared.
	decode := func(fn func(*event.Event)) (time.Duration, int) {
		best, events := time.Duration(1<<62), 0
		for range 3 {
			el, n := decodeOnce(fn)
			best, events = min(best, el), n
		}
		return best, events
	}
	base, events := decode(func(*event.Event) {})
	all, _ := sigma.Compile(loaded.Rules, sigma.DefaultPipeline())
	var dst []*sigma.Compiled
	matchedAll := 0
	whole, _ := decode(func(ev *event.Event) { dst = all.Match(ev, dst[:0]); matchedAll += len(dst) })
	matchedAll /= 3

	type cost struct {
		title   string
		ns      float64
		matched int
	}
	var costs []cost
	for _, r := range loaded.Rules {
		if r.Correlation != nil {
			continue
		}
		rs, unsupported := sigma.Compile([]*sigma.Rule{r}, sigma.DefaultPipeline())
		if len(unsupported) > 0 {
			continue
		}
		matched := 0
		el, _ := decode(func(ev *event.Event) { dst = rs.Match(ev, dst[:0]); matched += len(dst) })
		matched /= 3
		costs = append(costs, cost{r.Title, float64(el-base) / float64(events), matched})
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].ns > costs[j].ns })
	fmt.Printf("%s: %s, %d lines, %d events; decoding alone %.0f ns/event; the whole pack %.0f ns/event more (%d matches)\n",
		path, ft.Name, len(lines), events, float64(base)/float64(events), float64(whole-base)/float64(events), matchedAll)
	fmt.Printf("%10s %9s  %s\n", "ns/event", "matches", "rule (compiled alone)")
	for _, c := range costs {
		if c.ns < 1 {
			continue
		}
		fmt.Printf("%10.0f %9d  %s\n", c.ns, c.matched, c.title)
	}
	return nil
}
