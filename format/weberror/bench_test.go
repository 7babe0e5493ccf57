package weberror

import (
	"os"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

func benchLines(b *testing.B, name, file string) {
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(strings.Repeat(string(data), 50), "\n"), "\n")
	fm, err := format.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	dec, err := fm.New(format.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data) * 50))
	b.ReportAllocs()
	n := 0
	emit := func(e *event.Event) { n += len(e.Message) }
	for b.Loop() {
		for i, l := range lines {
			dec.Decode(l, event.Ref{Line: int64(i)}, emit)
		}
		dec.Flush(emit)
	}
}

func BenchmarkNginxError(b *testing.B) { benchLines(b, "nginx.error", "testdata/nginx-error.log") }

func BenchmarkApacheError(b *testing.B) { benchLines(b, "apache.error", "testdata/apache-error.log") }
