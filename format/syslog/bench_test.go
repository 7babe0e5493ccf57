package syslog

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

func benchLines(b *testing.B, lines []string) {
	d := NewDecoder(format.Options{RefTime: time.Date(2025, 5, 19, 0, 0, 0, 0, time.UTC)})
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	var n int
	emit := func(ev *event.Event) { n += len(ev.Extra) }
	for i := 0; i < b.N; i++ {
		for j, l := range lines {
			d.Decode(l, event.Ref{Line: int64(j)}, emit)
		}
	}
	_ = n
}

// BenchmarkOpenSSH decodes the real loghub OpenSSH sample (2,000 lines).
func BenchmarkOpenSSH(b *testing.B) {
	benchLines(b, formattest.ReadLines(b, shareddata.Path(b, "loghub/OpenSSH/OpenSSH_2k.log")))
}

// BenchmarkLinux decodes the real loghub Linux /var/log/messages sample.
func BenchmarkLinux(b *testing.B) {
	benchLines(b, formattest.ReadLines(b, shareddata.Path(b, "loghub/Linux/Linux_2k.log")))
}

// BenchmarkAuthLog decodes testdata/auth.log (every program, mail included).
func BenchmarkAuthLog(b *testing.B) {
	benchLines(b, formattest.ReadLines(b, filepath.Join("testdata", "auth.log")))
}

// BenchmarkRFC3339 decodes high-precision stamps, which are not cached.
func BenchmarkRFC3339(b *testing.B) {
	benchLines(b, []string{
		"2025-05-19T05:12:44.003861+02:00 web1 sshd-session[4242]: Failed password for root from 203.0.113.9 port 51234 ssh2",
		"2025-05-19T05:12:45.113861+02:00 web1 sshd-session[4242]: Failed password for root from 203.0.113.9 port 51234 ssh2",
	})
}
