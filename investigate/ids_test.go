package investigate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/scan"
)

// TestIDCountStable: the distinct record ids counted for an incident must
// not depend on how the scan spread the log's blocks over workers, also
// when an actor returned more ids than the cap. Actor a walks 300 distinct
// ids (over a cap of 100), b walks 60 and c 150 (over it too), partly the
// same as a's; which ids a capped set keeps varies with the workers, so a
// count that unioned those sets would vary with them.
func TestIDCountStable(t *testing.T) {
	old := maxIDs
	maxIDs = 100
	t.Cleanup(func() { maxIDs = old })
	const a, b, c = "203.0.113.9", "203.0.113.10", "203.0.113.11"
	var lines []string
	for i := 0; i < 60000; i++ {
		ts := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
		ip, req := fmt.Sprintf("192.0.2.%d", i%250), fmt.Sprintf("GET /static/%s.css", strings.Repeat("a", 40+i%60))
		switch i % 10 {
		case 0:
			ip, req = a, fmt.Sprintf("GET /account?id=%d", i/10%300)
		case 1:
			ip, req = b, fmt.Sprintf("GET /account?id=%d", i/10%60)
		case 2:
			ip, req = c, fmt.Sprintf("GET /member?uid=%d", 1000+i/10%150)
		}
		lines = append(lines, fmt.Sprintf("%s - - [%s] \"%s HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0\"\n", ip, ts, req, 100+i))
	}
	path := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() < 6<<20 {
		t.Fatalf("%d bytes: too few blocks to spread", fi.Size())
	}
	type count struct {
		ab, bOnly, all int
		abCapped       bool
		sizes          [3]int
	}
	run := func(workers int) count {
		coll := NewCollector([]string{a, b, c}, nil)
		cfg := scan.Config{Args: []string{path}, Workers: workers, Handler: coll, Decode: format.Options{Location: time.UTC}}
		if _, err := scan.Run(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		fa := coll.facts(coll.path)
		var got count
		got.ab, got.abCapped = distinctIDs(fa, []string{a, b})
		got.bOnly, _ = distinctIDs(fa, []string{b})
		got.all, _ = distinctIDs(fa, []string{a, b, c})
		for i, ip := range []string{a, b, c} {
			if fa.ips[ip].idsCapped != (i != 1) {
				t.Errorf("%d workers: %s capped = %v", workers, ip, fa.ips[ip].idsCapped)
			}
			got.sizes[i] = len(fa.ips[ip].ids)
		}
		return got
	}
	want := count{ab: 100, bOnly: 60, all: 100, abCapped: true, sizes: [3]int{100, 60, 100}}
	for _, workers := range []int{1, 2, 3, 4} {
		for r := 0; r < 3; r++ {
			if got := run(workers); got != want {
				t.Fatalf("%d workers, run %d: %+v, want %+v", workers, r, got, want)
			}
		}
	}
}
