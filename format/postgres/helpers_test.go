package postgres

import (
	"flag"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func checkGolden(t *testing.T, name, in string) []event.Event {
	t.Helper()
	return formattest.GoldenDecode(t, name, in, *update)
}

// benchDecode measures decoding lines with a fresh decoder per iteration.
func benchDecode(b *testing.B, name string, lines []string) {
	f, err := format.Lookup(name)
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	emit := func(*event.Event) {}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		d, _ := f.New(format.Options{})
		for i, l := range lines {
			d.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
		}
		d.Flush(emit)
	}
}

// fuzzDecoder checks that a decoder neither panics nor loses a line: the
// events' Raw, in order, reproduce the input.
func fuzzDecoder(f *testing.F, name string) {
	f.Fuzz(func(t *testing.T, in string) {
		evs := formattest.Decode(t, name, format.Options{}, strings.Split(in, "\n"))
		var all strings.Builder
		for _, ev := range evs {
			all.WriteString(ev.Raw)
			all.WriteByte('\n')
		}
		if got := all.String(); got != in+"\n" {
			t.Fatalf("events' Raw do not reproduce the input:\n got %q\nwant %q", got, in+"\n")
		}
	})
}
