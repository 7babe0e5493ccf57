package report

import (
	"io"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// countingWriter counts bytes so SetBytes reports CSV output throughput.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkTimelineWrite is the `--timeline all` hot path: one row per
// parsed event. The row is typical of an access-log event.
func BenchmarkTimelineWrite(b *testing.B) {
	row := TimelineRow{
		Time: time.Date(2026, 3, 14, 2, 11, 9, 0, time.UTC), Desc: "Event",
		Message: `GET /product.php?id=1%27%20UNION%20SELECT%20name,email FROM customers HTTP/1.1 200 5120 "sqlmap/1.7.2#stable (https://sqlmap.org)"`,
		Actor:   "203.0.113.66", Path: "/var/log/nginx/access.log", Line: 48013, SHA256: shaAccess,
	}
	var cw countingWriter
	tl := NewTimeline(&cw)
	tl.Write(row)
	tl.Flush()
	b.SetBytes(cw.n / 2) // roughly one row
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row.Line = int64(i)
		if err := tl.Write(row); err != nil {
			b.Fatal(err)
		}
	}
	tl.Flush()
}

// BenchmarkEventRow is EventRow plus Write: the whole per-event cost of
// `--timeline all` in this package.
func BenchmarkEventRow(b *testing.B) {
	e := &event.Event{
		Time: time.Date(2026, 3, 14, 2, 11, 9, 0, time.UTC), Ref: event.Ref{Line: 48013}, Dataset: "nginx.access",
		SourceIP: "203.0.113.66",
		Raw:      `203.0.113.66 - - [14/Mar/2026:11:11:09 +0900] "GET /product.php?id=1 HTTP/1.1" 200 5120 "-" "Mozilla/5.0 (X11; Linux x86_64)"`,
	}
	tl := NewTimeline(io.Discard)
	b.SetBytes(int64(len(e.Raw)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := tl.Write(EventRow(e, "/var/log/nginx/access.log", shaAccess)); err != nil {
			b.Fatal(err)
		}
	}
	tl.Flush()
}

func BenchmarkWriteHTML(b *testing.B) {
	f := fixture()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if err := WriteHTML(io.Discard, f, Options{Lang: "ja"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVisibleClean(b *testing.B) {
	s := `203.0.113.66 - - [14/Mar/2026:11:11:09 +0900] "GET /product.php?id=1 HTTP/1.1" 200 5120 "-" "Mozilla/5.0"`
	b.SetBytes(int64(len(s)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		visible(s, textCap)
	}
}
