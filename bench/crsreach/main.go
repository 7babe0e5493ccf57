// Command crsreach tells which requests of an access log get past the OWASP
// CRS prefilter (detect/crs MayMatch) and so cost a Coraza evaluation, grouped
// by the reason, with how many of them are distinct (what the verdict cache
// cannot absorb). It is the evidence behind docs/PERFORMANCE.md's CRS section.
//
//	go run ./bench/crsreach -n 300000 bench/data/access-50MB-*.log
//	go run ./bench/crsreach ../shared/data/apache-real/access.log
//
// With -verdicts each distinct request is also evaluated, and the reasons
// are split into attacks (CRS's score reaches the threshold) and benign
// requests (the prefilter's false positives: what a sharper prefilter could
// still save).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/kizuki-dfir/kizuki/detect/crs"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/all"
)

func main() {
	n := flag.Int("n", 300000, "lines read from the start of the file")
	top := flag.Int("top", 12, "reasons listed")
	verdicts := flag.Bool("verdicts", false, "evaluate the distinct requests: attacks and benign ones per reason")
	show := flag.Int("show", 0, "with -verdicts, print this many benign requests")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: crsreach [-n LINES] [-top N] ACCESS_LOG")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *n, *top, *verdicts, *show); err != nil {
		fmt.Fprintln(os.Stderr, "crsreach:", err)
		os.Exit(1)
	}
}

// reason names why a request that passed the prefilter did: its method, its
// query string (grouped by path, numeric path segments folded), or else its
// headers.
func reason(ev *event.Event) string {
	switch {
	case ev.Method != "GET" && ev.Method != "HEAD":
		return "method " + ev.Method
	case strings.Contains(ev.URL, "?"):
		return "query string on " + foldDigits(ev.URL[:strings.IndexByte(ev.URL, '?')])
	}
	return "headers: user agent " + clip(ev.UserAgent, 40) + " | referrer " + clip(ev.Referrer, 40)
}

func foldDigits(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = "N"
		}
	}
	return strings.Join(segs, "/")
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func run(path string, n, top int, verdicts bool, show int) error {
	c, err := crs.New(crs.Options{Paranoia: 1})
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(lines) < n && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	ft, _ := format.Sniff(lines[:min(64, len(lines))])
	if ft == nil {
		return fmt.Errorf("%s: format not recognised", path)
	}
	dec, err := ft.New(format.Options{})
	if err != nil {
		return err
	}
	reasons := map[string]int{}
	distinct := map[string]bool{}
	web, pass, attacks, benign := 0, 0, 0, 0
	emit := func(ev *event.Event) {
		if ev.Kind != event.KindWeb || ev.URL == "" {
			return
		}
		web++
		if !c.MayMatch(ev) {
			return
		}
		pass++
		k := ev.Method + "\x00" + ev.URL + "\x00" + ev.HTTPVersion + "\x00" + ev.UserAgent + "\x00" + ev.Referrer
		r := reason(ev)
		if verdicts && !distinct[k] {
			if c.Check(ev).Attack() {
				attacks++
				r = "attack: " + r
			} else {
				benign++
				r = "benign: " + r
				if benign <= show {
					fmt.Printf("benign: %s %q UA %q referrer %q\n", ev.Method, ev.URL, clip(ev.UserAgent, 60), clip(ev.Referrer, 60))
				}
			}
		}
		distinct[k] = true
		reasons[r]++
	}
	for i, l := range lines {
		dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
	}
	dec.Flush(emit)
	if web == 0 {
		return fmt.Errorf("%s (%s): no web requests", path, ft.Name)
	}
	pct := func(k int) float64 { return 100 * float64(k) / float64(web) }
	fmt.Printf("%s (%s): %d web requests; %d (%.1f%%) pass the CRS prefilter; %d (%.1f%%) of those are distinct\n",
		path, ft.Name, web, pass, pct(pass), len(distinct), pct(len(distinct)))
	if verdicts {
		fmt.Printf("of the distinct requests, %d are attacks and %d benign (reasons below count distinct requests once with their verdict, repeats without)\n", attacks, benign)
	}
	type kv struct {
		k string
		v int
	}
	var kvs []kv
	for k, v := range reasons {
		kvs = append(kvs, kv{k, v})
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].v > kvs[j].v || kvs[i].v == kvs[j].v && kvs[i].k < kvs[j].k })
	for i, x := range kvs {
		if i == top {
			break
		}
		fmt.Printf("%8d %5.1f%%  %s\n", x.v, pct(x.v), x.k)
	}
	return nil
}
