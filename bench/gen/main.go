// Command gen writes deterministic, realistic log files for kizuki's
// benchmarks (package bench/loggen does the work):
//
//	go run ./bench/gen -kind access -size 2GB -attack 0.001 -seed 1 -out access.log
//
// The same flags always give the same bytes. A sidecar FILE.meta.json records
// what was written (bytes, lines, attack lines) so the benchmark can report
// lines per second without counting them again.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/bench/loggen"
)

func main() {
	kind := flag.String("kind", "access", "what to write: "+strings.Join(loggen.Kinds(), ", "))
	size := flag.String("size", "100MB", "approximate output size (10MB, 2GB, 10GiB; MB and GB are decimal)")
	attack := flag.Float64("attack", 0.001, "fraction of lines that are attack traffic (0 to 1)")
	seed := flag.Uint64("seed", 1, "random seed: the same flags always give the same bytes")
	out := flag.String("out", "", "output file (\"-\" or empty: standard output)")
	flag.Parse()
	n, err := loggen.ParseSize(*size)
	if err != nil {
		fatal(err)
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if *out != "" && *out != "-" {
		if f, err = os.Create(*out); err != nil {
			fatal(err)
		}
		w = f
	}
	start := time.Now()
	m, err := loggen.Write(w, *kind, n, *attack, *seed)
	if err == nil && f != nil {
		err = f.Close()
	}
	if err != nil {
		fatal(fmt.Errorf("write %s: %w", *out, err))
	}
	if f != nil {
		js, _ := json.MarshalIndent(m, "", "  ")
		if err := os.WriteFile(*out+".meta.json", append(js, '\n'), 0o644); err != nil {
			fatal(err)
		}
	}
	el := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "gen: %s %d bytes, %d lines (%d attack) in %.1fs (%.0f MB/s)\n",
		m.Kind, m.Bytes, m.Lines, m.AttackLines, el, float64(m.Bytes)/1e6/el)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(2)
}
