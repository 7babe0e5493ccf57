package weberror

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func ekv(k, v string) event.KV { return event.KV{Key: k, Value: v} }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// decodeAll runs a decoder over lines (line numbers from 1) and flushes it.
func decodeAll(t testing.TB, name string, opts format.Options, lines []string) []event.Event {
	t.Helper()
	f, err := format.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := f.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	var out []event.Event
	emit := func(e *event.Event) {
		c := *e
		c.Extra = append([]event.KV(nil), e.Extra...)
		out = append(out, c)
	}
	for i, l := range lines {
		dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
	}
	dec.Flush(emit)
	return out
}

// Sources of the sample lines:
//
//   - [nginx-local]: testdata/nginx-error.log, written by nginx 1.22.1 with php-fpm 8.2 (see testdata/SOURCE.md)
//
//   - [apache-local]: testdata/apache-error.log, written by Apache httpd 2.4 (Debian) with mod_php 8.2
//
//   - [loghub]: /work/shared/data/loghub/Apache/Apache_2k.log (httpd 2.2 style)
//
//     -
//
// [apache-doc]: https://httpd.apache.org/docs/2.4/logs.html
func TestDecode(t *testing.T) {
	tests := []struct {
		name   string
		format string
		lines  []string
		want   event.Event // Raw is the lines joined; Ref.Line is 1
	}{
		{
			name:   "nginx-local FastCGI PHP warnings",
			format: "nginx.error",
			lines:  []string{`2026/11/22 22:26:02 [error] 18844#18844: *24 FastCGI sent in stderr: "PHP message: PHP Warning:  kizuki test warning in /tmp/kzng/html/a.php on line 1; PHP message: PHP Warning:  Undefined variable $undefined_var in /tmp/kzng/html/a.php on line 1" while reading response header from upstream, client: 127.0.0.1, server: kizuki.test, request: "GET /a.php?cmd=cat+/etc/passwd HTTP/1.1", upstream: "fastcgi://unix:/tmp/kzng/php.sock:", host: "127.0.0.1:18080", referrer: "http://evil.example/x"`},
			want: event.Event{
				Time: utc("2026-11-22T13:26:02Z"), Kind: event.KindWebError, Dataset: "nginx.error", Level: "error", PID: 18844,
				Message:  `FastCGI sent in stderr: "PHP message: PHP Warning:  kizuki test warning in /tmp/kzng/html/a.php on line 1; PHP message: PHP Warning:  Undefined variable $undefined_var in /tmp/kzng/html/a.php on line 1" while reading response header from upstream`,
				SourceIP: "127.0.0.1", Host: "kizuki.test", Method: "GET", URL: "/a.php?cmd=cat+/etc/passwd", HTTPVersion: "HTTP/1.1",
				Referrer: "http://evil.example/x",
				Extra: []event.KV{
					ekv("nginx.connection", "24"),
					ekv("upstream.address", "fastcgi://unix:/tmp/kzng/php.sock:"),
					ekv("http.request.header.host", "127.0.0.1:18080"),
					ekv("php.message", "PHP Warning:  kizuki test warning in /tmp/kzng/html/a.php on line 1; PHP message: PHP Warning:  Undefined variable $undefined_var in /tmp/kzng/html/a.php on line 1"),
				},
			},
		},
		{
			name:   "nginx-local multi-line PHP fatal error",
			format: "nginx.error",
			lines: []string{
				`2026/11/22 22:26:02 [error] 18844#18844: *26 FastCGI sent in stderr: "PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function undefined_fn() in /tmp/kzng/html/b.php:1`,
				`Stack trace:`,
				`#0 {main}`,
				`  thrown in /tmp/kzng/html/b.php on line 1" while reading response header from upstream, client: 127.0.0.1, server: kizuki.test, request: "GET /b.php?a=<script> HTTP/1.1", upstream: "fastcgi://unix:/tmp/kzng/php.sock:", host: "127.0.0.1:18080"`,
			},
			want: event.Event{
				Time: utc("2026-11-22T13:26:02Z"), Kind: event.KindWebError, Dataset: "nginx.error", Level: "error", PID: 18844,
				Message:  "FastCGI sent in stderr: \"PHP message: PHP Fatal error:  Uncaught Error: Call to undefined function undefined_fn() in /tmp/kzng/html/b.php:1\nStack trace:\n#0 {main}\n  thrown in /tmp/kzng/html/b.php on line 1\" while reading response header from upstream",
				SourceIP: "127.0.0.1", Host: "kizuki.test", Method: "GET", URL: "/b.php?a=<script>", HTTPVersion: "HTTP/1.1",
				Extra: []event.KV{
					ekv("nginx.connection", "26"),
					ekv("upstream.address", "fastcgi://unix:/tmp/kzng/php.sock:"),
					ekv("http.request.header.host", "127.0.0.1:18080"),
					ekv("php.message", "PHP Fatal error:  Uncaught Error: Call to undefined function undefined_fn() in /tmp/kzng/html/b.php:1\nStack trace:\n#0 {main}\n  thrown in /tmp/kzng/html/b.php on line 1"),
				},
			},
		},
		{
			// a bare quote in the request line and a ", client: " inside the
			// attacker-chosen path: neither may fool the context parser
			name:   "nginx-local open() failed with quote, spoofed context in path",
			format: "nginx.error",
			lines:  []string{`2026/11/22 22:25:51 [error] 18844#18844: *12 open() "/tmp/kzng/html/x, client: 6.6.6.6, server: evil" failed (2: No such file or directory), client: 127.0.0.1, server: kizuki.test, request: "GET /"quote HTTP/1.0"`},
			want: event.Event{
				Time: utc("2026-11-22T13:25:51Z"), Kind: event.KindWebError, Dataset: "nginx.error", Level: "error", PID: 18844,
				Message:  `open() "/tmp/kzng/html/x, client: 6.6.6.6, server: evil" failed (2: No such file or directory)`,
				SourceIP: "127.0.0.1", Host: "kizuki.test", Method: "GET", URL: `/"quote`, HTTPVersion: "HTTP/1.0",
				Extra: []event.KV{ekv("nginx.connection", "12")},
			},
		},
		{
			name:   "nginx-local TLS handshake on the HTTP port",
			format: "nginx.error",
			lines:  []string{"2026/11/22 22:25:51 [info] 18844#18844: *11 client sent invalid method while reading client request line, client: 127.0.0.1, server: kizuki.test, request: \"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\""},
			want: event.Event{
				Time: utc("2026-11-22T13:25:51Z"), Kind: event.KindWebError, Dataset: "nginx.error", Level: "info", PID: 18844,
				Message:  "client sent invalid method while reading client request line",
				SourceIP: "127.0.0.1", Host: "kizuki.test",
				Extra: []event.KV{ekv("nginx.connection", "11"), ekv("http.request.line", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03")},
			},
		},
		{
			name:   "nginx-local notice without connection, zone from options",
			format: "nginx.error",
			lines:  []string{`2026/11/22 22:25:43 [notice] 18843#18843: start worker process 18844`},
			want: event.Event{
				Time: utc("2026-11-22T13:25:43Z"), Kind: event.KindWebError, Dataset: "nginx.error", Level: "notice", PID: 18843,
				Message: "start worker process 18844",
			},
		},
		{
			name:   "apache-local 2.4 PHP warning with referer",
			format: "apache.error",
			lines:  []string{`[Sun Nov 22 22:33:27.147315 2026] [php:warn] [pid 10286:tid 10286] [client 127.0.0.1:50076] PHP Warning:  kizuki test warning in /tmp/kzap/html/a.php on line 1, referer: http://127.0.0.1:18081/`},
			want: event.Event{
				Time: utc("2026-11-22T13:33:27.147315Z"), Kind: event.KindWebError, Dataset: "apache.error", Level: "warn", PID: 10286,
				SourceIP: "127.0.0.1", SourcePort: 50076, Referrer: "http://127.0.0.1:18081/",
				Message: "PHP Warning:  kizuki test warning in /tmp/kzap/html/a.php on line 1",
				Extra: []event.KV{
					ekv("apache.module", "php"),
					ekv("php.message", "PHP Warning:  kizuki test warning in /tmp/kzap/html/a.php on line 1"),
				},
			},
		},
		{
			name:   "apache-local 2.4 IPv6 client, AH code",
			format: "apache.error",
			lines:  []string{`[Sun Nov 22 22:33:27.250611 2026] [auth_basic:error] [pid 10285:tid 10285] [client ::1:50114] AH01618: user bad user not found: /admin/`},
			want: event.Event{
				Time: utc("2026-11-22T13:33:27.250611Z"), Kind: event.KindWebError, Dataset: "apache.error", Level: "error", PID: 10285,
				SourceIP: "::1", SourcePort: 50114, Message: "AH01618: user bad user not found: /admin/",
				Extra: []event.KV{ekv("apache.module", "auth_basic"), ekv("error.code", "AH01618")},
			},
		},
		{
			name:   "apache-doc 2.2 client denied",
			format: "apache.error",
			lines:  []string{`[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test`},
			want: event.Event{
				Time: utc("2000-10-11T05:32:52Z"), Kind: event.KindWebError, Dataset: "apache.error", Level: "error",
				SourceIP: "127.0.0.1", Message: "client denied by server configuration: /export/home/live/ap/htdocs/test",
			},
		},
		{
			// Apache 2.4 with an OS error before the client and proxy_fcgi carrying PHP
			name:   "apache 2.4 os error and proxy_fcgi PHP message",
			format: "apache.error",
			lines:  []string{`[Thu Jun 27 09:38:12.123456 2024] [proxy_fcgi:error] [pid 1234:tid 5678] (104)Connection reset by peer: [client 192.0.2.44:5678] AH01075: Error dispatching request to : , referer: https://shop.example/`, `[Thu Jun 27 09:38:12.123456 2024] [proxy_fcgi:error] [pid 1234:tid 5678] [client 192.0.2.44:5678] AH01071: Got error 'PHP message: PHP Fatal error:  Uncaught PDOException in /var/www/db.php:12'`},
			want: event.Event{
				Time: utc("2024-06-27T00:38:12.123456Z"), Kind: event.KindWebError, Dataset: "apache.error", Level: "error", PID: 1234,
				SourceIP: "192.0.2.44", SourcePort: 5678, Referrer: "https://shop.example/",
				Message: "AH01075: Error dispatching request to : ",
				Extra: []event.KV{
					ekv("apache.module", "proxy_fcgi"), ekv("process.thread.id", "5678"),
					ekv("apache.os_error", "(104)Connection reset by peer"), ekv("error.code", "AH01075"),
				},
			},
		},
	}
	tokyo := time.FixedZone("JST", 9*3600)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeAll(t, tt.format, format.Options{Location: tokyo}, tt.lines)
			want := tt.want
			want.Ref = event.Ref{Line: 1}
			want.Raw = tt.lines[0]
			if tt.format == "nginx.error" {
				want.Raw = strings.Join(tt.lines, "\n")
			}
			if d := cmp.Diff(want, got[0], cmpopts.EquateEmpty()); d != "" {
				t.Errorf("event mismatch (-want +got):\n%s", d)
			}
			if tt.format == "apache.error" && len(got) != len(tt.lines) {
				t.Errorf("%d events for %d lines", len(got), len(tt.lines))
			}
		})
	}
}

func TestProxyFCGIPHP(t *testing.T) {
	got := decodeAll(t, "apache.error", format.Options{}, []string{`[Thu Jun 27 09:38:12.123456 2024] [proxy_fcgi:error] [pid 1234:tid 5678] [client 192.0.2.44:5678] AH01071: Got error 'PHP message: PHP Fatal error:  Uncaught PDOException in /var/www/db.php:12'`})
	if pm, _ := got[0].Get("php.message"); pm != "PHP Fatal error:  Uncaught PDOException in /var/www/db.php:12" {
		t.Errorf("php.message = %q", pm)
	}
}

func TestNotErrorLog(t *testing.T) {
	lines := []string{
		"",
		"Stack trace:",
		`127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET / HTTP/1.1" 200 3 "-" "curl/7.88.1"`,
		"2026/11/22 22:25:43 [bogus] 1#1: x",
		"2026/13/22 22:25:43 [error] 1#1: month 13",
		"[Sun Xyz 04 04:47:44 2005] [notice] bad month",
		"\xff\xfe\x00",
	}
	for _, name := range []string{"nginx.error", "apache.error"} {
		for _, e := range decodeAll(t, name, format.Options{}, lines) {
			if e.Kind != event.KindRaw {
				t.Errorf("%s: %q decoded as %v, want raw", name, e.Raw, e.Kind)
			}
		}
	}
	if f, _ := format.Sniff(lines); f != nil {
		t.Errorf("Sniff(garbage) = %s", f.Name)
	}
}

func TestNginxEntryCap(t *testing.T) {
	lines := []string{"2026/11/22 22:25:43 [error] 1#1: *1 start"}
	long := strings.Repeat("x", 4096)
	for i := 0; i < 2*maxEntry/len(long); i++ {
		lines = append(lines, long)
	}
	evs := decodeAll(t, "nginx.error", format.Options{}, lines)
	if len(evs[0].Raw) > maxEntry {
		t.Errorf("entry of %d bytes, cap is %d", len(evs[0].Raw), maxEntry)
	}
	if evs[0].Kind != event.KindWebError || evs[len(evs)-1].Kind != event.KindRaw {
		t.Errorf("first %v, last %v; want web_error then raw overflow lines", evs[0].Kind, evs[len(evs)-1].Kind)
	}
}

// TestNginxHostileContext: an entry stuffed with fake context must still
// decode, in linear time (the test would time out otherwise). This fake
// (a '"' in the path opening a request value that swallows the real
// context) does win: see the comment in parser.nginx.
func TestNginxHostileContext(t *testing.T) {
	fake := strings.Repeat(`, client: 6.6.6.6, server: s, request: "x`, 50000)
	line := `2026/11/22 22:25:51 [error] 1#1: *1 open() "/x` + fake + `" failed (2: No such file or directory), client: 192.0.2.1, server: kizuki.test, request: "GET /a HTTP/1.1"`
	evs := decodeAll(t, "nginx.error", format.Options{}, []string{line})
	if len(evs) != 1 || evs[0].Kind != event.KindWebError {
		t.Fatalf("got %d events, first %v", len(evs), evs[0].Kind)
	}
	if evs[0].Message != `open() "/x` || evs[0].Raw != line {
		t.Errorf("message %.40q, raw kept: %v", evs[0].Message, evs[0].Raw == line)
	}
}

func TestSniff(t *testing.T) {
	for file, want := range map[string]string{
		"testdata/nginx-error.log":  "nginx.error",
		"testdata/apache-error.log": "apache.error",
	} {
		if f, score := format.Sniff(formattest.ReadLines(t, file)); f == nil || f.Name != want || score < 90 {
			t.Errorf("Sniff(%s) = %v, %d; want %s", file, f, score, want)
		}
	}
}

// TestLoghubApache decodes loghub's 2,000 real Apache error lines in place.
func TestLoghubApache(t *testing.T) {
	lines := formattest.ReadLines(t, filepath.Join(shareddata.Path(t), "loghub", "Apache", "Apache_2k.log"))
	parsed, clients := 0, 0
	for _, e := range decodeAll(t, "apache.error", format.Options{}, lines) {
		if e.Kind == event.KindWebError && !e.Time.IsZero() && e.Level != "" && e.Message != "" {
			parsed++
		} else {
			t.Logf("line %d not parsed: %q", e.Ref.Line, e.Raw)
		}
		if e.SourceIP != "" {
			clients++
		}
	}
	if pct := float64(parsed) * 100 / float64(len(lines)); pct < 99.5 {
		t.Errorf("parsed %d of %d lines (%.2f%%), want >= 99.5%%", parsed, len(lines), pct)
	}
	// grep -c '\[client ' Apache_2k.log
	if clients != 32 {
		t.Errorf("%d events with a client IP, want 32", clients)
	}
}

func TestGolden(t *testing.T) {
	for _, c := range []struct{ log, format string }{
		{"nginx-error.log", "nginx.error"},
		{"apache-error.log", "apache.error"},
	} {
		t.Run(c.log, func(t *testing.T) {
			var b strings.Builder
			for _, e := range decodeAll(t, c.format, format.Options{}, formattest.ReadLines(t, filepath.Join("testdata", c.log))) {
				if e.Kind != event.KindWebError {
					t.Errorf("line %d not decoded: %q", e.Ref.Line, e.Raw)
				}
				j, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				b.Write(j)
				b.WriteByte('\n')
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(c.log, ".log")+".golden.jsonl")
			formattest.Golden(t, golden, []byte(b.String()), *update)
		})
	}
}
