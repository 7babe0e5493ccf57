package crs

import (
	"io"
	"testing"

	coreruleset "github.com/corazawaf/coraza-coreruleset/v4"

	"github.com/kizuki-dfir/kizuki/event"
)

// BenchmarkStartCoraza is what a scan pays once for Coraza: compiling CRS
// on the first request the prefilter keeps, then evaluating the first
// requests. "one" is one benign request with an escaped query (what most
// scans of generated logs send first); "attacks" the first 40 loggable
// regression requests, which run many more of CRS's operators (those built
// on first use are built then). Each op closes its WAF, which drops Coraza's
// process-wide memo of compiled operators, so every op compiles afresh.
func BenchmarkStartCoraza(b *testing.B) {
	var attacks []event.Event
	for _, tc := range loadRegression(b) {
		if tc.loggable && len(attacks) < 40 {
			attacks = append(attacks, tc.ev)
		}
	}
	one := []event.Event{{Kind: event.KindWeb, Method: "GET", HTTPVersion: "HTTP/1.1", UserAgent: benchUA,
		URL: "/search?q=a%20b&page=2", Referrer: "http://www.example.com/"}}
	for _, set := range []struct {
		name string
		evs  []event.Event
	}{{"one", one}, {"attacks", attacks}} {
		b.Run(set.name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for i := 0; i < b.N; i++ {
				c, err := New(Options{CacheSize: -1})
				if err != nil {
					b.Fatal(err)
				}
				for k := range set.evs {
					r := requestOf(&set.evs[k])
					c.evaluate(&r)
				}
				if c.Stats().Errors > 0 || c.waf == nil {
					b.Fatalf("Coraza errors: %+v", c.Stats())
				}
				if cl, ok := c.waf.(io.Closer); ok {
					cl.Close()
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkStartPrefilter is what a scan of a web log pays once for the
// prefilter: building it on the first web request, and the query patterns
// and words on the first query value with escapes or punctuation (wide).
func BenchmarkStartPrefilter(b *testing.B) {
	b.ReportAllocs()
	start := cpuTime()
	for i := 0; i < b.N; i++ {
		f, err := newPrefilter(embeddedFS{coreruleset.FS})
		if err != nil {
			b.Fatal(err)
		}
		if rx, w := f.wide(); rx == nil || w == nil {
			b.Fatal("query patterns not built")
		}
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
}
