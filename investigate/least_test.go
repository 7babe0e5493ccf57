package investigate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/scan"
)

// TestCollectorBoundsStable: when an actor exceeds the collector's bounds
// (downloaded files, uploads, web-shell commands, notable events), what is
// kept must not depend on how the scan spread blocks over workers. The log
// is several blocks long so that workers see different parts, every bound is
// exceeded, and a second copy of it under another path gives every line a
// twin at the same line and offset (the order breaks such ties by path).
func TestCollectorBoundsStable(t *testing.T) {
	const suspect = "203.0.113.9"
	var lines []string
	for i := 0; i < 60000; i++ {
		ts := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
		var ip, req string
		switch i % 20 {
		case 0:
			ip, req = suspect, fmt.Sprintf("GET /backup/dump%d.sql.gz", i) // > maxFiles distinct files
		case 1:
			ip, req = suspect, fmt.Sprintf("POST /upload/file%d", i) // > maxUploads uploads
		case 2:
			ip, req = fmt.Sprintf("198.51.100.%d", i%50), fmt.Sprintf("GET /uploads/sh.php?cmd=id%%3B%d", i) // > maxShellCmds
		default:
			ip, req = fmt.Sprintf("192.0.2.%d", i%250), fmt.Sprintf("GET /static/%s.css", strings.Repeat("a", 40+i%60))
		}
		lines = append(lines, fmt.Sprintf("%s - - [%s] \"%s HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\"\n", ip, ts, req, 100+i))
	}
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole", "access.log")
	write := func(p string, ls []string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(strings.Join(ls, "")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(whole, lines)
	twin := filepath.Join(dir, "twin", "access.log")
	write(twin, lines)
	if fi, _ := os.Stat(whole); fi.Size() < 6<<20 {
		t.Fatalf("%d bytes: too few blocks to spread", fi.Size())
	}
	collect := func(workers int, args ...string) *facts {
		c := NewCollector([]string{suspect}, []string{"/uploads/sh.php"})
		cfg := scan.Config{Args: args, Workers: workers, Handler: c, Decode: format.Options{Location: time.UTC}}
		if _, err := scan.Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		return canonical(c, c.facts(c.path))
	}
	want := collect(1, whole, twin)
	f := want.ips[suspect]
	if f == nil || len(f.files) != maxFiles || len(f.uploads) != maxUploads || len(want.shells["/uploads/sh.php"].cmds) != maxShellCmds {
		t.Fatalf("the bounds are not reached: %+v", want)
	}
	for _, workers := range []int{2, 3, 4} {
		for run := 0; run < 3; run++ {
			if got := collect(workers, whole, twin); !reflect.DeepEqual(got, want) {
				diffFacts(t, want, got)
				t.Fatalf("%d workers, run %d: the kept facts differ from one worker's", workers, run)
			}
		}
	}
}

// canonical rewrites every reference's input id (which depends on which
// reader opened its file first) as the input's rank among the paths.
func canonical(c *Collector, f *facts) *facts {
	var paths []string
	for _, p := range c.paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	fix := func(r *event.Ref) { r.Input = int32(slices.Index(paths, c.paths[r.Input])) }
	for _, ip := range f.ips {
		fix(&ip.firstRef)
		for p, r := range ip.files {
			fix(&r)
			ip.files[p] = r
		}
		for i := range ip.uploads {
			fix(&ip.uploads[i].ref)
		}
		for i := range ip.sshSuccesses {
			fix(&ip.sshSuccesses[i].ref)
		}
	}
	for i := range f.notable {
		fix(&f.notable[i].ref)
	}
	for _, s := range f.shells {
		for i := range s.cmds {
			fix(&s.cmds[i].ref)
		}
	}
	return f
}

// diffFacts logs where two collections of facts differ.
func diffFacts(t *testing.T, a, b *facts) {
	for ip, x := range a.ips {
		y := b.ips[ip]
		if !reflect.DeepEqual(x.files, y.files) {
			n := 0
			for p, r := range x.files {
				if r2, ok := y.files[p]; !ok || r2 != r {
					if n++; n < 4 {
						t.Logf("%s file %s: %v / %v %v", ip, p, r, r2, ok)
					}
				}
			}
			t.Logf("%s files differ in %d", ip, n)
		}
		if !reflect.DeepEqual(x.uploads, y.uploads) {
			t.Logf("%s uploads differ", ip)
		}
		if x.firstRef != y.firstRef || x.first != y.first {
			t.Logf("%s first differ %v %v", ip, x.firstRef, y.firstRef)
		}
		if x.requests != y.requests || x.bytesOut != y.bytesOut || len(x.ids) != len(y.ids) {
			t.Logf("%s counts differ", ip)
		}
	}
	for p, x := range a.shells {
		y := b.shells[p]
		if !reflect.DeepEqual(x.cmds, y.cmds) {
			t.Logf("%s cmds differ", p)
		}
		if !reflect.DeepEqual(x.ips, y.ips) || x.first != y.first || x.last != y.last {
			t.Logf("%s other differ", p)
		}
	}
	if !reflect.DeepEqual(a.notable, b.notable) {
		t.Logf("notable differ")
	}
}
