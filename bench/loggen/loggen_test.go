package loggen

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/all"
)

// wantFormat is the format kizuki's sniffer must pick for each kind: a
// generator whose output kizuki misreads would benchmark the wrong decoder.
var wantFormat = map[string]string{
	"access":        "access.combined",
	"auth":          "syslog",
	"syslog":        "syslog",
	"mysql-general": "mysql.general",
	"mysql-slow":    "mysql.slow",
}

func generate(t *testing.T, kind string, size int64, attack float64, seed uint64) ([]byte, Meta) {
	t.Helper()
	var buf bytes.Buffer
	m, err := Write(&buf, kind, size, attack, seed)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func TestDeterministic(t *testing.T) {
	for kind := range kinds {
		a, _ := generate(t, kind, 300_000, 0.01, 7)
		b, _ := generate(t, kind, 300_000, 0.01, 7)
		c, _ := generate(t, kind, 300_000, 0.01, 8)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: same seed, different bytes", kind)
		}
		if bytes.Equal(a, c) {
			t.Errorf("%s: different seeds, same bytes", kind)
		}
	}
}

// TestDecodes checks that kizuki sniffs each kind as intended and decodes
// every line into a structured event, and that the accounting in meta is right.
func TestDecodes(t *testing.T) {
	for kind, want := range wantFormat {
		t.Run(kind, func(t *testing.T) {
			data, m := generate(t, kind, 6_000_000, 0.01, 1)
			if m.Bytes != int64(len(data)) || m.Bytes < 6_000_000 {
				t.Fatalf("meta bytes %d, wrote %d", m.Bytes, len(data))
			}
			text := strings.TrimSuffix(string(data), "\n")
			lines := strings.Split(text, "\n")
			if int64(len(lines)) != m.Lines {
				t.Fatalf("meta lines %d, counted %d", m.Lines, len(lines))
			}
			f, score := format.Sniff(lines[:64])
			if f == nil || f.Name != want {
				t.Fatalf("sniffed %v (score %d), want %s", f, score, want)
			}
			dec, err := f.New(format.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var raw, events int
			emit := func(ev *event.Event) {
				events++
				if ev.Kind == event.KindRaw {
					if raw < 3 {
						t.Errorf("unparsed line %d: %q", ev.Ref.Line, ev.Raw)
					}
					raw++
				}
			}
			for i, l := range lines {
				dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
			}
			dec.Flush(emit)
			if raw > 0 || events == 0 {
				t.Errorf("%d of %d events unparsed", raw, events)
			}
			// Attack lines come in bursts, so the fraction is only near the
			// one asked for; a generator that ignores -attack fails here.
			frac := float64(m.AttackLines) / float64(m.Lines)
			if frac < 0.002 || frac > 0.05 {
				t.Errorf("attack fraction %.4f, asked 0.01", frac)
			}
		})
	}
}

func TestNoAttack(t *testing.T) {
	for kind := range kinds {
		_, m := generate(t, kind, 500_000, 0, 1)
		if m.AttackLines != 0 {
			t.Errorf("%s: %d attack lines with -attack 0", kind, m.AttackLines)
		}
	}
}

func TestUnknownKind(t *testing.T) {
	if _, err := Write(io.Discard, "nope", 10, 0, 1); err == nil {
		t.Error("unknown kind accepted")
	}
	if _, err := Write(io.Discard, "access", 10, 2, 1); err == nil {
		t.Error("attack fraction 2 accepted")
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"10MB", 10_000_000}, {"2GB", 2_000_000_000}, {"1.5gb", 1_500_000_000}, {"512MiB", 512 << 20}, {"1000", 1000}} {
		got, err := ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "-1GB", "GB", "ten"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q): no error", bad)
		}
	}
}

// BenchmarkGenerate measures the generator itself (it must write 2 GB in well
// under a minute).
func BenchmarkGenerate(b *testing.B) {
	for _, kind := range []string{"access", "auth", "mysql-general"} {
		b.Run(kind, func(b *testing.B) {
			b.ReportAllocs()
			var n int64
			for i := 0; b.Loop(); i++ {
				var w countWriter
				m, _ := Write(&w, kind, 10_000_000, 0.001, uint64(i))
				n = m.Bytes
			}
			b.SetBytes(n)
		})
	}
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// TestPrefix checks what bench/run.sh relies on when it gives slow peers a
// smaller file: a smaller size with the same seed is a prefix of a larger one.
func TestPrefix(t *testing.T) {
	for _, kind := range Kinds() {
		small, _ := generate(t, kind, 200_000, 0.01, 3)
		large, _ := generate(t, kind, 900_000, 0.01, 3)
		if !bytes.HasPrefix(large, small) {
			t.Errorf("%s: 200 kB output is not a prefix of the 900 kB one", kind)
		}
	}
}
