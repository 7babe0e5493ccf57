package access

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// Benchmarks read testdata/apache-real-2000.log (real combined lines) through
// a bufio.Scanner, as the pipeline does, handing each line to the decoder
// without copying. BenchmarkBaselineSplit is the yardstick: the same scan
// with the combined fields merely cut apart; the decoder should reach at
// least 60% of its MB/s.

func benchData(b *testing.B) []byte {
	b.Helper()
	data, err := os.ReadFile("testdata/apache-real-2000.log")
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// scanLines calls fn for every line of data, sharing the scanner's buffer.
func scanLines(data []byte, fn func(string)) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(scanBuf[:], 1<<20)
	for sc.Scan() {
		l := sc.Bytes()
		if len(l) == 0 {
			continue
		}
		fn(unsafe.String(&l[0], len(l)))
	}
}

var (
	sink    int
	scanBuf [64 << 10]byte // reused so that GC work does not blur the comparison
)

func BenchmarkBaselineSplit(b *testing.B) {
	data := benchData(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		scanLines(data, func(l string) {
			var f [9]string
			// host ident user [time] "request" status bytes "referer" "agent"
			for i, sep := range [...]string{" ", " ", " [", "] \"", "\" ", " ", " \"", "\" \"", "\""} {
				j := strings.Index(l, sep)
				if j < 0 {
					f[i] = l
					break
				}
				f[i], l = l[:j], l[j+len(sep):]
			}
			sink += len(f[8])
		})
	}
}

func benchDecoder(b *testing.B, name string, data []byte) {
	dec := newTestDecoder(b, name)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	raw := 0
	emit := func(e *event.Event) {
		if e.Kind == event.KindRaw {
			raw++
		}
		sink += e.Status
	}
	var ref event.Ref
	for b.Loop() {
		scanLines(data, func(l string) {
			ref.Line++
			dec.Decode(l, ref, emit)
		})
	}
	if raw > b.N { // a few real lines are truncated; most must decode
		b.Fatalf("%d raw events in %d runs", raw, b.N)
	}
}

func BenchmarkCombined(b *testing.B) {
	benchDecoder(b, "access.combined", benchData(b))
}

func BenchmarkCommon(b *testing.B) {
	// the same real lines cut to the common format
	var buf bytes.Buffer
	scanLines(benchData(b), func(l string) {
		if i := strings.Index(l, ` "`); i > 0 {
			if j := strings.Index(l[i+2:], `" `); j > 0 {
				rest := l[i+2+j+2:]
				if k := strings.Index(rest, ` "`); k > 0 {
					buf.WriteString(l[:i+2+j+2] + rest[:k] + "\n")
				}
			}
		}
	})
	benchDecoder(b, "access.common", buf.Bytes())
}

func BenchmarkCustomNginx(b *testing.B) {
	data, err := os.ReadFile("testdata/nginx-custom.log")
	if err != nil {
		b.Fatal(err)
	}
	benchDecoder(b, customNginx, bytes.Repeat(data, 100))
}

func BenchmarkSniff(b *testing.B) {
	var sample []string
	scanLines(benchData(b), func(l string) {
		if len(sample) < 100 {
			sample = append(sample, strings.Clone(l))
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		format.Sniff(sample)
	}
}
