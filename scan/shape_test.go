package scan

import (
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// TestShape checks what a scan records of its inputs' events, and that it
// claims a shape only when every line of a stateless input was decoded: a
// filtered pass or an in-order decoder must leave it unknown, or a later
// pass would trust a shape observed on part of the lines.
func TestShape(t *testing.T) {
	dir := t.TempDir()
	combined := write(t, filepath.Join(dir, "combined.log"), []byte(accessLines))
	vhost := write(t, filepath.Join(dir, "vhost.log"), []byte(
		"kizuki.test:80 127.0.0.1 - - [22/Nov/2026:22:33:27 +0000] \"GET / HTTP/1.1\" 404 397 \"-\" \"curl/7.88.1\"\n"+
			"kizuki.test:80 127.0.0.2 - - [22/Nov/2026:22:33:28 +0000] \"GET /a HTTP/1.1\" 200 149 \"-\" \"curl/7.88.1\"\n"))
	auth := write(t, filepath.Join(dir, "auth.log"), []byte(
		"May 19 04:02:30 web01 sudo:      ops : TTY=pts/1 ; PWD=/home/ops ; USER=root ; COMMAND=/bin/bash\n"+
			"May 19 04:02:31 web01 sshd[1234]: Failed password for root from 203.0.113.7 port 4242 ssh2\n"))
	// JSON escapes a URL's slashes: the decoded URL is not the line's text.
	jsonl := write(t, filepath.Join(dir, "access.jsonl"), []byte(
		`{"@timestamp":"2025-05-19T03:10:00Z","source":{"ip":"203.0.113.7"},"http":{"request":{"method":"GET"}},"url":{"original":"\/uploads\/a.php"}}`+"\n"))
	// HTTP/0.9 with a space in the URL: the URL is the whole request after
	// the method, the request target stops at the last space.
	spaced := write(t, filepath.Join(dir, "spaced.log"), []byte(accessLines+
		"127.0.0.1 - - [22/Nov/2026:22:33:27 +0000] \"GET /a b.php\" 404 397 \"-\" \"curl/7.88.1\"\n"))
	general := write(t, filepath.Join(dir, "general.log"), []byte(
		"2025-05-19T03:12:44.123456Z\t   12 Query\tSELECT * FROM members\n"))
	tests := []struct {
		name    string
		path    string
		format  string
		skip    bool
		known   bool
		leading bool
		url     bool
		target  bool
		kinds   []event.Kind
	}{
		{"combined", combined, "", false, true, true, true, true, []event.Kind{event.KindWeb}},
		{"vhost address second", vhost, "", false, true, false, true, true, []event.Kind{event.KindWeb}},
		{"auth address inside", auth, "", false, true, false, true, true, []event.Kind{event.KindAuth}},
		{"json url escaped", jsonl, "", false, true, false, false, false, []event.Kind{event.KindWeb}},
		{"url with a space", spaced, "", false, true, true, true, false, []event.Kind{event.KindWeb}},
		{"filtered", combined, "", true, false, false, false, false, nil},
		{"in order", general, "mysql.general", false, false, false, false, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Args: []string{tc.path}, Format: tc.format}
			if tc.skip {
				cfg.Skip = func(*Input) func(string) bool {
					return func(l string) bool { return strings.Contains(l, "dashboard3") }
				}
			}
			in := run(t, cfg).Inputs[0]
			sh := in.Shape
			if sh.Known() != tc.known || sh.LeadingAddress != tc.leading || sh.URLInLine != tc.url {
				t.Errorf("%s (%s): known %v, leading address %v, URL in line %v; want %v, %v, %v",
					tc.name, in.Format, sh.Known(), sh.LeadingAddress, sh.URLInLine, tc.known, tc.leading, tc.url)
			}
			if sh.URLIsTarget != tc.target || sh.URLIsTarget && !sh.URLInRequest {
				t.Errorf("%s: URL is target %v (in request %v), want %v", tc.name, sh.URLIsTarget, sh.URLInRequest, tc.target)
			}
			for _, k := range tc.kinds {
				if !sh.Has(k) {
					t.Errorf("%s: kinds %b lack %v", tc.name, sh.Kinds, k)
				}
			}
			if tc.known && sh.Has(event.KindDB) {
				t.Errorf("%s: kinds %b claim database events", tc.name, sh.Kinds)
			}
		})
	}
}

// TestRequestTarget checks where RequestTarget finds a line's request target,
// and that it is the URL the access decoder gives for the usual requests.
func TestRequestTarget(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`1.2.3.4 - - [x] "GET /a?b=c HTTP/1.1" 200 1 "-" "ua"`, "/a?b=c"},
		{`1.2.3.4 - - [x] "GET /a b HTTP/1.1" 200 1`, "/a b"},
		{`1.2.3.4 - - [x] "GET /a" 200 1`, "/a"},
		{`1.2.3.4 - - [x] "GET  /a HTTP/1.1" 200 1`, " /a"},
		{`1.2.3.4 - - [x] "GET /a\" HTTP/1.1" 200 1`, `/a\`},
		{`1.2.3.4 - - [x] "-" 200 1`, ""},
		{`1.2.3.4 - - [x] "GET /a HTTP/1.1`, ""},
		{`no quotes`, ""},
	} {
		if got := RequestTarget(tc.line); got != tc.want {
			t.Errorf("RequestTarget(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestFromRequestTarget checks FromRequestTarget's promise, that
// RequestTarget(line) is a prefix of it, on lines made of the bytes that
// delimit the request field and its target ('"', ' ') and a few others.
func TestFromRequestTarget(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	alphabet := []byte{'"', ' ', '/', 'a', '?', '\\'}
	buf := make([]byte, 0, 24)
	for range 200000 {
		buf = buf[:0]
		for range rng.IntN(24) {
			buf = append(buf, alphabet[rng.IntN(len(alphabet))])
		}
		line := string(buf)
		if from, target := FromRequestTarget(line), RequestTarget(line); !strings.HasPrefix(from, target) {
			t.Fatalf("line %q: FromRequestTarget %q does not begin with RequestTarget %q", line, from, target)
		}
	}
}
