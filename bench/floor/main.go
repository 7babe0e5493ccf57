// Command floor measures the speed floor kizuki's access-log decoding is held
// against: a bare Go bufio line splitter that cuts the combined-format fields
// apart (host, ident, user, time, request, status, bytes, referer, agent) and
// does nothing else, on one core.
//
//	go run ./bench/floor FILE...
//
// It prints one line per file: bytes, lines, seconds, MB/s (decimal) and
// lines/s. The field cutting is the same as format/access's
// BenchmarkBaselineSplit, so the two yardsticks agree.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

var sink int

func main() {
	procs := flag.Int("procs", 1, "GOMAXPROCS (the floor is a one-core figure)")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: floor [-procs N] FILE...")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	for _, p := range flag.Args() {
		n, lines, el, err := split(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, "floor:", err)
			os.Exit(1)
		}
		fmt.Printf("floor: %s bytes=%d lines=%d seconds=%.3f MB/s=%.1f lines/s=%.0f\n",
			p, n, lines, el, float64(n)/1e6/el, float64(lines)/el)
	}
	if sink == 42 { // keep the field cutting from being optimised away
		fmt.Println()
	}
}

func split(path string) (bytes, lines int64, seconds float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, 0, err
	}
	defer f.Close()
	start := time.Now()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	seps := [...]string{" ", " ", " [", "] \"", "\" ", " ", " \"", "\" \"", "\""}
	for sc.Scan() {
		b := sc.Bytes()
		bytes += int64(len(b)) + 1
		lines++
		if len(b) == 0 {
			continue
		}
		l := unsafe.String(&b[0], len(b))
		var fld [9]string
		for i, sep := range seps {
			j := strings.Index(l, sep)
			if j < 0 {
				fld[i] = l
				break
			}
			fld[i], l = l[:j], l[j+len(sep):]
		}
		sink += len(fld[8])
	}
	if err := sc.Err(); err != nil {
		return 0, 0, 0, fmt.Errorf("read %s: %w", path, err)
	}
	return bytes, lines, time.Since(start).Seconds(), nil
}
