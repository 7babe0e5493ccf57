package weberror

import (
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

// FuzzDecode feeds arbitrary text, split into lines, to both decoders and
// checks that they never panic, never drop or duplicate a line, and that
// every decoded string is a piece of the input.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"testdata/nginx-error.log", "testdata/apache-error.log"} {
		lines := formattest.ReadLines(f, name)
		for i := 0; i+3 <= len(lines); i += 3 {
			f.Add(strings.Join(lines[i:i+3], "\n"))
		}
	}
	f.Add("[Sun Dec 04 04:47:44 2005] [error] [client 1.2.3.4] x, referer: ")
	f.Add("2026/11/22 22:25:51 [info] 1#1: *1 m, client: 1.2.3.4, server: s, request: \"\"\nx")
	f.Fuzz(func(t *testing.T, text string) {
		lines := strings.Split(text, "\n")
		for _, name := range []string{"nginx.error", "apache.error"} {
			fm, _ := format.Lookup(name)
			dec, err := fm.New(format.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			emit := func(e *event.Event) {
				got += strings.Count(e.Raw, "\n") + 1
				if !strings.Contains(text, e.Raw) {
					t.Fatalf("%s: Raw %q not in input", name, e.Raw)
				}
				for _, v := range []string{e.SourceIP, e.Message, e.Method, e.URL, e.HTTPVersion, e.Referrer, e.Host, e.Level} {
					if !strings.Contains(text, v) {
						t.Fatalf("%s: field %q not in input", name, v)
					}
				}
				for _, kv := range e.Extra {
					if !strings.Contains(text, kv.Value) {
						t.Fatalf("%s: extra %s=%q not in input", name, kv.Key, kv.Value)
					}
				}
			}
			for i, l := range lines {
				dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
			}
			dec.Flush(emit)
			if got != len(lines) {
				t.Fatalf("%s: events cover %d lines, input has %d", name, got, len(lines))
			}
		}
	})
}
