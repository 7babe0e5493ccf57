package access

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

// FuzzDecode feeds arbitrary lines to every standard layout and to a custom
// format, checking that decoding never panics and that every string field of
// a decoded event is a piece of the line (nothing is invented or copied from
// an earlier line).
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/nginx-combined.log", "testdata/nginx-custom.log"} {
		for _, l := range formattest.ReadLines(f, name) {
			f.Add(l)
		}
	}
	f.Add(`::1 - - [22/Nov/2026:22:25:50 +0000] "GET / HTTP/1.1" 200 3 "-" "\`)
	f.Add(`h:1 a - b [10/Oct/2000:13:55:36 -0700] "\\" 200 - "" ""`)
	layouts := []*layout{combined, common, vhostCombined, mustCompile(customNginx, "x"),
		mustCompile(`$remote_addr [$time_iso8601] $request_method $uri$is_args$args $status $upstream_addr rt=$request_time $msec`, "x"),
		mustCompile(`%h %{usec}t %m %U%q %H %>s %{X-Forwarded-For}i "%{User-Agent}i`, "x")}
	f.Fuzz(func(t *testing.T, line string) {
		for _, l := range layouts {
			d := newDecoder(l)
			n := 0
			d.Decode(line, event.Ref{Line: 1}, func(e *event.Event) {
				n++
				if e.Raw != line {
					t.Fatalf("Raw = %q, want the line", e.Raw)
				}
				for _, v := range []string{e.SourceIP, e.User, e.Method, e.URL, e.HTTPVersion, e.Referrer, e.UserAgent, e.Host} {
					if !strings.Contains(line, v) {
						t.Fatalf("field %q is not part of line %q", v, line)
					}
				}
				for _, kv := range e.Extra {
					if !strings.Contains(line, kv.Value) {
						t.Fatalf("extra %s=%q is not part of line %q", kv.Key, kv.Value, line)
					}
				}
				if e.Kind == event.KindWeb && e.Time.Location() != time.UTC {
					t.Fatalf("time %v not in UTC", e.Time)
				}
			})
			if n != 1 {
				t.Fatalf("%d events for one line", n)
			}
		}
	})
}

// FuzzNCSA checks that the unrolled common/combined decoder gives exactly
// what the generic step walk gives for the same layouts.
func FuzzNCSA(f *testing.F) {
	for _, name := range []string{"testdata/nginx-combined.log", "testdata/apache-real-2000.log"} {
		for i, l := range formattest.ReadLines(f, name) {
			if i < 50 {
				f.Add(l)
			}
		}
	}
	f.Add(`127.0.0.1 x frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 more`)
	f.Add(`1 - - [10/Oct/2000:13:55:36 -0700] "\x16" 200 - "-" "-"` + "\r")
	f.Fuzz(func(t *testing.T, line string) {
		for _, l := range []*layout{combined, common} {
			fast, slow := parser{l: l}, parser{l: l}
			var a, b event.Event
			okA := fast.parseNCSA(line, &a)
			okB := slow.walk(line, &b)
			if okA != okB {
				t.Fatalf("ncsa %d: unrolled %v, walk %v for %q", l.ncsa, okA, okB, line)
			}
			if okA && !cmp.Equal(a, b, cmpopts.EquateEmpty()) {
				t.Fatalf("ncsa %d: events differ for %q:\n%s", l.ncsa, line, cmp.Diff(b, a, cmpopts.EquateEmpty()))
			}
		}
	})
}

// TestNCSASameAsWalk runs the FuzzNCSA comparison over every real line.
func TestNCSASameAsWalk(t *testing.T) {
	var lines []string
	for _, name := range []string{"testdata/nginx-combined.log", "testdata/apache-real-2000.log", "testdata/apache-vhost_combined.log"} {
		lines = append(lines, formattest.ReadLines(t, name)...)
	}
	for _, line := range lines {
		for _, l := range []*layout{combined, common} {
			fast, slow := parser{l: l}, parser{l: l}
			var a, b event.Event
			okA, okB := fast.parseNCSA(line, &a), slow.walk(line, &b)
			if okA != okB || !cmp.Equal(a, b, cmpopts.EquateEmpty()) {
				t.Fatalf("ncsa %d: unrolled %v, walk %v for %q:\n%s", l.ncsa, okA, okB, line, cmp.Diff(b, a, cmpopts.EquateEmpty()))
			}
		}
	}
}

// TestTimeLocal checks the hand-written parser and its cache against
// time.Parse over a random walk of times, zones and seconds.
func TestTimeLocal(t *testing.T) {
	const layout = "02/Jan/2006:15:04:05 -0700"
	rng := rand.New(rand.NewPCG(1, 2))
	var p parser
	tm := time.Date(1999, 12, 31, 23, 58, 0, 0, time.UTC)
	zones := []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("", 9*3600), time.FixedZone("", 5*3600+45*60)}
	for i := 0; i < 20000; i++ {
		switch rng.IntN(4) {
		case 0:
			tm = tm.Add(time.Duration(rng.IntN(3)) * time.Second)
		case 1:
			tm = tm.Add(time.Duration(rng.IntN(200)) * time.Second)
		case 2:
			tm = tm.Add(time.Duration(rng.IntN(1e6)) * time.Second)
		}
		s := tm.In(zones[rng.IntN(len(zones))]).Format(layout)
		want, _ := time.Parse(layout, s)
		got, ok := p.timeLocal(s)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("timeLocal(%q) = %v, %v; want %v", s, got, ok, want.UTC())
		}
	}
	for _, bad := range []string{"10/Oct/2000:13:55:36 +07", "32/Oct/2000:13:55:36 -0700", "10/Oct/2000:24:55:36 -0700", "10/oct/2000:13:55:36 -0700", "10/Oct/2000:13:55:3x -0700"} {
		if _, ok := p.timeLocal(bad); ok {
			t.Errorf("timeLocal(%q) accepted", bad)
		}
	}
	// a cached minute must not accept a broken second
	p.timeLocal("10/Oct/2000:13:55:36 -0700")
	if _, ok := p.timeLocal("10/Oct/2000:13:55:x6 -0700"); ok {
		t.Error("cached minute accepted a bad second")
	}
}
