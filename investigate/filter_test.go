package investigate

import (
	"context"
	"fmt"
	"math/rand/v2"
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

// TestFilterSound checks Filter against the reference, the collector fed
// every line: a filter chosen from the shape a first pass saw must give the
// same facts. The inputs are built so that a wrong choice loses facts: an
// address that is not its line's first field (vhost_combined, sshd), events
// kept from everyone (sudo, from no suspect), a web shell requested by an
// address nobody suspects.
func TestFilterSound(t *testing.T) {
	dir := t.TempDir()
	ts := func(i int) string {
		return time.Date(2025, 5, 19, 3, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("02/Jan/2006:15:04:05 -0700")
	}
	var combined, vhost strings.Builder
	for i := range 400 {
		ip := fmt.Sprintf("192.0.2.%d", 1+i%50)
		req := fmt.Sprintf("GET /mypage.php?id=%d", i)
		switch {
		case i%7 == 0:
			ip = "203.0.113.7"
		case i%11 == 0:
			req = "GET /search.php?q=select+union+drop" // watched words, from no suspect
		case i%13 == 0:
			req = "GET /uploads/avatar.php?cmd=id" // the shell, from no suspect
		}
		line := fmt.Sprintf("%s - - [%s] \"%s HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0 sudo\"\n", ip, ts(i), req, 100+i)
		combined.WriteString(line)
		vhost.WriteString("shop.example:443 " + line)
	}
	auth := "May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n" +
		"May 19 04:02:31 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 4242 ssh2\n" +
		"May 19 04:02:35 web01 sshd[1234]: Accepted password for ops from 203.0.113.7 port 4243 ssh2\n" +
		"May 19 04:03:00 web01 CRON[5100]: (root) CMD (run-parts /etc/cron.hourly)\n"
	// No address at all: the address test holds vacuously, the kinds decide.
	sudo := "May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n" +
		"May 19 04:03:00 web01 useradd[5100]: new user: name=backup, UID=1001, GID=1001, home=/home/backup, shell=/bin/bash\n"
	// A quoted user name comes before the request: the first quoted field
	// is not where the URL is, and the shell is requested from no suspect.
	quoted := combined.String() + fmt.Sprintf("198.51.100.9 - \"x\" [%s] \"GET /uploads/avatar.php?cmd=id HTTP/1.1\" 200 10 \"-\" \"curl\"\n", ts(401))
	files := map[string]string{"combined.log": combined.String(), "quoted.log": quoted, "vhost.log": vhost.String(), "auth.log": auth, "sudo.log": sudo}
	for _, shells := range [][]string{nil, {"/uploads/avatar.php"}} {
		for name, body := range files {
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := scan.Config{Args: []string{p}, Workers: 2, Decode: format.Options{Location: time.UTC}}
			first, err := scan.Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			shape := first.Inputs[0].Shape
			collect := func(filtered, seek bool) (*facts, *Collector) {
				c := NewCollector([]string{"203.0.113.7"}, shells)
				cfg := cfg
				cfg.Handler = c
				if filtered {
					cfg.Skip = func(*scan.Input) func(string) bool { return c.Filter(shape) }
				}
				if seek {
					cfg.Seek = func(*scan.Input) func(string) (int, int64, int64) { return c.Seek(shape) }
				}
				if _, err := scan.Run(context.Background(), cfg); err != nil {
					t.Fatal(err)
				}
				return c.facts(func(int32) string { return p }), c
			}
			want, _ := collect(false, false)
			got, c := collect(true, false)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s, shells %v: filtered facts differ from every line's:\n got  %+v\n want %+v", name, shells, got, want)
			}
			if got, _ := collect(true, true); !reflect.DeepEqual(got, want) {
				t.Errorf("%s, shells %v: facts through Seek differ from every line's:\n got  %+v\n want %+v", name, shells, got, want)
			}
			// Seek takes the cheap filter's place where it rules lines out by
			// their first field and request target alone.
			if seeks := name == "combined.log" || name == "quoted.log" && shells == nil; (c.Seek(shape) != nil) != seeks {
				t.Errorf("%s, shells %v: Seek given %v, want %v", name, shells, c.Seek(shape) != nil, seeks)
			}
			// The cheap filter must be the one chosen where it is sound,
			// or this test proves nothing about it.
			cheap := name == "combined.log" || name == "quoted.log"
			if inRequest := name != "quoted.log"; shape.URLInRequest != inRequest {
				t.Errorf("%s: URLInRequest = %v, want %v", name, shape.URLInRequest, inRequest)
			}
			noise := strings.Split(combined.String(), "\n")[11] // watched words, no suspect
			if got := c.Filter(shape)(noise) && !c.Skip(noise); got != cheap {
				t.Errorf("%s, shells %v: cheap filter chosen %v, want %v", name, shells, got, cheap)
			}
			// Shells are looked for as they appear in lines only where every
			// URL was its line's text.
			if cheap && shells != nil {
				sh := shape
				sh.URLInLine = false
				if c.Filter(sh)(noise) {
					t.Errorf("shells followed though URLs were not their lines' text")
				}
			}
		}
	}
}

// TestFilterTargetSound is TestFilterSound for the exact shell test: on
// inputs whose URLs were all their lines' request targets, the filter looks
// a line's requested path up instead of searching for the shells' paths.
// Files are drawn at random from requests built to trip it — a shell's path
// with a query, a fragment, a longer name, another case, a prefix, escaped
// quotes, spaces, no protocol, a shell named only outside the request —
// from suspects and from others, and the facts gathered through the filter
// must be those gathered from every line. Draws where the exact test was
// chosen are counted: the test fails if there were too few to prove it.
func TestFilterTargetSound(t *testing.T) {
	const shell = "/uploads/avatar.php"
	requests := []string{
		"GET " + shell + " HTTP/1.1",
		"GET " + shell + "?cmd=id HTTP/1.1",
		"GET " + shell + "#x HTTP/1.1",
		"GET " + shell + "?a#b HTTP/1.0",
		"POST " + shell + "?cmd=cat+/etc/passwd&x=1 HTTP/2.0",
		"GET " + shell + "5 HTTP/1.1",
		"GET " + shell + "/ HTTP/1.1",
		"GET /Uploads/Avatar.php HTTP/1.1",
		"GET /x" + shell + " HTTP/1.1",
		"GET /uploads/avatar.ph HTTP/1.1",
		"GET /uploads/avatar.ph?p HTTP/1.1",
		"GET http://shop.example" + shell + " HTTP/1.1",
		"GET  " + shell + " HTTP/1.1",              // two spaces: the target starts with one
		"GET " + shell + "?q=\\\"x\\\" HTTP/1.1",   // Apache's escaped quotes cut RequestField short
		"GET " + shell + "?q=\\x22x\\x22 HTTP/1.1", // nginx's escapes
		"GET " + shell,                             // HTTP/0.9
		"GET " + shell + "?a b HTTP/1.1",           // a space in the URL
		"GET " + shell + " b",                      // ends in a word that is no protocol
		"GET " + shell + " HTTP/1 1",               // the decoder takes " HTTP/" nine bytes from the end
		"GET /a b.php",                             // a shell's path with a space, HTTP/0.9
		"GET /a b.php HTTP/1.1",
		"GET /index.php?next=" + shell + " HTTP/1.1",
		"GET /index.php HTTP/1.1",
		"GET / HTTP/1.1",
		"-",
		"\\x16\\x03\\x01",
		"GET",
	}
	agents := []string{"Mozilla/5.0", "curl " + shell, "-"}
	addrs := []string{"203.0.113.7", "192.0.2.1", "198.51.100.23"}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, 11))
	exact := 0
	for draw := range 120 {
		var b strings.Builder
		n := 1 + rng.IntN(12)
		for i := range n {
			at := time.Date(2025, 5, 19, 3, 0, i, 0, time.UTC).Format("02/Jan/2006:15:04:05 -0700")
			// A third of the draws keep to requests whose URL is their target.
			req := requests[rng.IntN(len(requests))]
			if draw%3 == 0 {
				req = requests[rng.IntN(13)]
			}
			fmt.Fprintf(&b, "%s - - [%s] \"%s\" %d %d \"-\" \"%s\"\n", addrs[rng.IntN(len(addrs))], at, req,
				[]int{200, 404, 302}[rng.IntN(3)], rng.IntN(5000), agents[rng.IntN(len(agents))])
		}
		p := filepath.Join(dir, fmt.Sprintf("draw%d.log", draw))
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg := scan.Config{Args: []string{p}, Workers: 2, Format: "access.combined", Decode: format.Options{Location: time.UTC}}
		first, err := scan.Run(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		shape := first.Inputs[0].Shape
		shells := [][]string{{shell, "/a b.php"}, {shell, "/a b.php", "/cmd.php", "/a/b.jsp", "/c?d", "/e#f", "/g.php", "/h.asp", "/i.aspx", "/j.php"}}[draw%2]
		collect := func(filtered, seek bool) *facts {
			c := NewCollector([]string{"203.0.113.7"}, shells)
			cfg := cfg
			cfg.Handler = c
			if filtered {
				cfg.Skip = func(*scan.Input) func(string) bool { return c.Filter(shape) }
			}
			if seek {
				cfg.Seek = func(*scan.Input) func(string) (int, int64, int64) { return c.Seek(shape) }
			}
			if _, err := scan.Run(context.Background(), cfg); err != nil {
				t.Fatal(err)
			}
			return c.facts(func(int32) string { return p })
		}
		want := collect(false, false)
		if got := collect(true, false); !reflect.DeepEqual(got, want) {
			t.Errorf("draw %d (shape %+v, shells %v): filtered facts differ from every line's:\n got  %+v\n want %+v\n%s",
				draw, shape, shells, got, want, b.String())
		}
		if got := collect(true, true); !reflect.DeepEqual(got, want) {
			t.Errorf("draw %d (shape %+v, shells %v): facts through Seek differ from every line's:\n got  %+v\n want %+v\n%s",
				draw, shape, shells, got, want, b.String())
		}
		if shape.Known() && shape.LeadingAddress && shape.URLIsTarget && shape.Has(event.KindWeb) {
			exact++
		}
	}
	if exact < 30 {
		t.Errorf("the exact shell test was chosen in %d draws of 120: too few to prove it", exact)
	}
}

// TestPathSet checks the shell lookup against urlPath on targets built
// around the set's paths, for sets small enough to be compared one path
// at a time and one large enough to be hashed, and that mayBegin rules out
// no text a path begins (and does rule texts out where it can).
func TestPathSet(t *testing.T) {
	few := []string{"/uploads/avatar.php", "/a", "/q?x", "/f#y", "/"}
	many := append(slices.Clone(few), "/b.php", "/c.php", "/d.php", "/e.php", "/g/h.jsp", "/i.asp", "/j.aspx")
	// None shorter than 4 bytes: the first 4 bytes are looked up first.
	long := []string{"/uploads/avatar.php", "/b.p", "/a.php", "/q?x", "/upl", "/uploads/avatar.phpx"}
	for _, paths := range [][]string{few, few[:3], many, long, long[:1]} {
		set := newPathSet(paths)
		ruledOut := 0
		if (set.many != nil) != (len(paths) > 8) {
			t.Fatalf("%d paths: hashed %v", len(paths), set.many != nil)
		}
		if quick := set.many == nil && !slices.ContainsFunc(paths, func(p string) bool { return len(p) < 4 }); (set.quick != nil) != quick {
			t.Fatalf("%v: quick test %v, want %v", paths, set.quick != nil, quick)
		}
		want := map[string]bool{}
		for _, p := range paths {
			want[p] = true
		}
		for _, p := range append(slices.Clone(paths), "", "/uploads", "/A", "/b.ph", "/b.phpx", "//", "/up", "/b.", "/a.ph", "/upk") {
			for _, tail := range []string{"", "?", "?cmd=id", "#", "#x?y", "x", "/", " ", "?x#y", "%3F"} {
				u := p + tail
				if got := set.hasPathOf(u); got != want[urlPath(u)] {
					t.Errorf("%d paths: hasPathOf(%q) = %v, want %v", len(paths), u, got, !got)
				}
				// mayBegin may rule a text out only if no path begins it.
				for _, text := range []string{u, u + " HTTP/1.1\" 200", "/" + u} {
					if set.mayBegin(text) {
						continue
					}
					ruledOut++
					for _, p := range paths {
						if strings.HasPrefix(text, p) && !strings.ContainsAny(p, "?#") {
							t.Errorf("%d paths: mayBegin(%q) = false, but %q begins it", len(paths), text, p)
						}
					}
				}
			}
		}
		if few := set.many == nil; few != (ruledOut > 0) {
			t.Errorf("%d paths: mayBegin ruled out %d texts", len(paths), ruledOut)
		}
	}
}

// TestWordSet checks the address set against a map on sets of 0 to 300
// addresses (IPv6 ones longer than 16 bytes among them) and lookups of
// members, near misses (a byte changed, added or removed, the same first
// 16 bytes) and "", alone and as the first field of lines of every length
// around 16 bytes.
func TestWordSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for _, n := range []int{0, 1, 2, 7, 70, 300} {
		var words []string
		want := map[string]bool{}
		for range n {
			w := fmt.Sprintf("%d.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256))
			if rng.IntN(10) == 0 {
				w = fmt.Sprintf("2001:db8::%x", rng.IntN(1<<16)) // and IPv6
			}
			if rng.IntN(10) == 0 {
				w = fmt.Sprintf("2001:db8:%x:%x::%x", rng.IntN(1<<16), rng.IntN(1<<16), rng.IntN(1<<16))
			}
			words = append(words, w)
			want[w] = true
		}
		if n == 7 {
			words = append(words, "", words[0]) // the empty word, a duplicate
			want[""] = true
		}
		set := newWordSet(words)
		probe := []string{"", "1.2.3.4", "::1", "x"}
		for _, w := range words {
			if w == "" {
				continue
			}
			probe = append(probe, w, w+"0", w[1:], "0"+w, w[:len(w)-1], w[:len(w)/2]+"9"+w[len(w)/2+1:], w+w, "x"+w+w, w[:len(w)-1]+"x",
				w[:min(8, len(w))]+"12345678901234"+w[max(0, len(w)-8):])
		}
		for _, w := range probe {
			if got := set.has(w); got != want[w] {
				t.Errorf("%d words: has(%q) = %v, want %v", n, w, got, want[w])
			}
			// As a line's first field, before lines' usual texts and
			// others, and cut short.
			for _, rest := range []string{"", " - - [19/May/2025:03:00:00 +0000] \"GET / HTTP/1.1\" 200 1", " ", "  x", "\tx y", "x y z w v u t s r"} {
				line := w + rest
				for _, l := range []string{line, line[:min(len(line), 15)], line[:min(len(line), 16)], line[:min(len(line), 17)]} {
					if got := set.hasFirstField(l); got != want[scan.FirstField(l)] {
						t.Errorf("%d words: hasFirstField(%q) = %v, want %v", n, l, got, !got)
					}
				}
			}
		}
	}
}

// TestCollectorCopies checks that the collector copies what it keeps, as
// scan.Handler requires (block buffers are recycled once handled, and test
// binaries overwrite them on release): over an 8 MiB access log whose lines
// give it every kind of fact a web log gives (web shells and their
// commands, uploads, downloaded files, record ids), the facts gathered by a
// scan must be those gathered from the same lines decoded one by one into
// buffers of their own.
func TestCollectorCopies(t *testing.T) {
	var b strings.Builder
	// The counts stay under the collector's caps (commands kept per shell,
	// uploads and files per address), past which what is kept depends on
	// which worker saw what first.
	for i := 0; b.Len() < 8<<20; i++ {
		ip := fmt.Sprintf("192.0.2.%d", i%200)
		if i%7 == 0 {
			ip = fmt.Sprintf("203.0.113.%d", i/7%7)
		}
		req := []string{
			fmt.Sprintf("GET /shell%d.php", i%3),
			fmt.Sprintf("GET /upload%d/avatar.php", i%11),
			fmt.Sprintf("GET /backup/db%d.sql.gz", i%150),
			fmt.Sprintf("GET /mypage.php?id=%d", i),
			fmt.Sprintf("GET /static/%s.css", strings.Repeat("a", i%50)),
		}[i%5]
		switch {
		case i%400 == 0:
			req += fmt.Sprintf("?cmd=id%d", i)
		case i%300 == 1:
			req = "POST" + req[3:]
		}
		fmt.Fprintf(&b, "%s - - [19/May/2025:%02d:%02d:%02d +0000] \"%s HTTP/1.1\" 200 %d \"-\" \"ua\"\n", ip, i/3600%24, i/60%60, i%60, req, i)
	}
	p := filepath.Join(t.TempDir(), "access.log")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var ips []string
	for i := range 7 {
		ips = append(ips, fmt.Sprintf("203.0.113.%d", i))
	}
	shells := []string{"/shell0.php", "/shell1.php", "/shell2.php"}
	c := NewCollector(ips, shells)
	cfg := scan.Config{Args: []string{p}, Workers: 2, Handler: c, Decode: format.Options{Location: time.UTC}}
	res, err := scan.Run(context.Background(), cfg)
	if err != nil || len(res.Inputs) != 1 {
		t.Fatal(err, len(res.Inputs))
	}
	got := c.facts(func(int32) string { return p })
	want := collectLines(t, NewCollector(ips, shells), res.Inputs[0], b.String(), p)
	if len(want.shells) != 3 || len(want.ips) != 7 {
		t.Fatalf("%d shells and %d addresses followed, want 3 and 7", len(want.shells), len(want.ips))
	}
	for ip, f := range want.ips {
		if len(f.uploads) == 0 || len(f.files) == 0 || len(f.ids) == 0 {
			t.Fatalf("%s: %d uploads, %d files, %d record ids: the test proves little", ip, len(f.uploads), len(f.files), len(f.ids))
		}
	}
	for p, s := range want.shells {
		if len(s.cmds) == 0 {
			t.Fatalf("shell %s: no commands", p)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("facts of the scan differ from those of the lines decoded one by one")
	}
}

// collectLines feeds c every line of text, each decoded (with in's format,
// citing in's id) from a copy of its own: what a scan must collect, whatever
// becomes of its buffers.
func collectLines(t *testing.T, c *Collector, in *scan.Input, text, path string) *facts {
	t.Helper()
	ft, err := format.Lookup(in.Format)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := ft.New(format.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	h := c.Worker()
	var off int64
	for i, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		dec.Decode(strings.Clone(strings.TrimSuffix(line, "\n")), event.Ref{Input: in.ID, Line: int64(i + 1), Offset: off}, func(ev *event.Event) { h(ev) })
		off += int64(len(line))
	}
	return c.facts(func(int32) string { return path })
}

// TestSeekKeepsFilterLines checks Seek against Filter line by line: over
// texts drawn from lines built to trip it (suspects and near misses as
// first fields, short lines, no space, blank lines, "\r\n" ends, a last
// line with no end, web shells' paths in and around request targets), the
// lines Seek stops at must be, in order, the lines Filter keeps (and that
// are not blank), and the lines and blank lines it passes over must be
// counted as a line-by-line walk counts them.
func TestSeekKeepsFilterLines(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "first.log")
	if err := os.WriteFile(p, []byte("192.0.2.1 - - [19/May/2025:03:00:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"ua\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := scan.Run(context.Background(), scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}})
	if err != nil {
		t.Fatal(err)
	}
	shape := first.Inputs[0].Shape
	if !shape.Known() || !shape.LeadingAddress || !shape.URLIsTarget {
		t.Fatalf("shape %+v: not the one Seek serves", shape)
	}
	const shell = "/uploads/avatar.php"
	suspects := []string{"203.0.113.7", "1.2.3.4", "2001:db8:85a3:8d3:1319:8a2e:370:7348"}
	firsts := append(slices.Clone(suspects), "203.0.113.70", "203.0.113.", "1.2.3.45", "2001:db8:85a3:8d3:1319:8a2e:370:734", "192.0.2.1", "", "-")
	requests := []string{"GET " + shell + " HTTP/1.1", "GET " + shell + "?cmd=id HTTP/1.1", "GET " + shell + "x HTTP/1.1",
		"POST /uploads/avatar.ph HTTP/1.1", "GET /index.php HTTP/1.1", "GET " + shell, "GET", "-", "GET /a b.php HTTP/1.1"}
	odd := []string{"", "\r", " ", "x", "203.0.113.7", "203.0.113.7\r", "203.0.113.7 ", "1.2.3.4\t-", "\"GET " + shell + " HTTP/1.1\"",
		"x \"GET " + shell + "\"", "x \"GET  " + shell + " HTTP/1.1\"", "x \"" + shell + "\"", "203.0.113.7x y", strings.Repeat("9", 40) + " x"}
	rng := rand.New(rand.NewPCG(13, 17))
	kept, passed := 0, 0
	for draw := range 600 {
		var b strings.Builder
		for range rng.IntN(30) {
			if rng.IntN(4) == 0 {
				b.WriteString(odd[rng.IntN(len(odd))])
			} else {
				fmt.Fprintf(&b, "%s - - [19/May/2025:03:00:00 +0000] \"%s\" 200 %d \"-\" \"ua\"", firsts[rng.IntN(len(firsts))], requests[rng.IntN(len(requests))], rng.IntN(999))
			}
			b.WriteString([]string{"\n", "\r\n", "\n"}[rng.IntN(3)])
		}
		if rng.IntN(3) == 0 { // a last line with no end
			b.WriteString(odd[rng.IntN(len(odd))] + ("1.2.3.4 - - \"GET " + shell + " HTTP/1.1\"")[rng.IntN(20):])
		}
		text := b.String()
		shells := [][]string{nil, {shell, "/a b.php"}, {shell, "/a b.php", "/cmd.php", "/a/b.jsp", "/c?d", "/e#f", "/g.php", "/h.asp", "/i.aspx", "/j.php"}}[draw%3]
		c := NewCollector(suspects, shells)
		filter, seek := c.Filter(shape), c.Seek(shape)
		if seek == nil {
			t.Fatalf("shells %v: no Seek for the shape", shells)
		}
		// The walk scan makes with the filter alone.
		var want []int
		var wantLines, wantBlank int64
		for pos := 0; pos < len(text); wantLines++ {
			line, next := text[pos:], len(text)
			if i := strings.IndexByte(line, '\n'); i >= 0 {
				line, next = line[:i], pos+i+1
			}
			switch line = strings.TrimSuffix(line, "\r"); {
			case line == "":
				wantBlank++
			case !filter(line):
				want = append(want, pos)
			}
			pos = next
		}
		// The walk with Seek: each line it stops at is taken, then it goes on.
		var got []int
		var lines, blank int64
		for pos := 0; pos < len(text); {
			k, n, nb := seek(text[pos:])
			if k < 0 || k > len(text)-pos {
				t.Fatalf("draw %d: Seek returned %d of %d bytes", draw, k, len(text)-pos)
			}
			lines, blank, pos = lines+n, blank+nb, pos+k
			if pos == len(text) {
				break
			}
			got = append(got, pos)
			lines++
			if i := strings.IndexByte(text[pos:], '\n'); i >= 0 {
				pos += i + 1
			} else {
				pos = len(text)
			}
		}
		if !slices.Equal(got, want) || lines != wantLines || blank != wantBlank {
			t.Errorf("draw %d, shells %v: Seek kept lines at %v (%d lines, %d blank), Filter %v (%d, %d)\n%q",
				draw, shells, got, lines, blank, want, wantLines, wantBlank, text)
		}
		kept += len(want)
		passed += int(wantLines) - len(want)
	}
	if kept < 1000 || passed < 1000 {
		t.Errorf("%d lines kept and %d passed over: too few to prove Seek", kept, passed)
	}
}
