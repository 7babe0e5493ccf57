package source

import (
	"crypto/sha1"
	"crypto/sha256"
	"io"
	"testing"
)

// benchRead reads every stream of the file at p to the end, b.N times, and
// reports throughput in decompressed bytes.
func benchRead(b *testing.B, p string, size int64) {
	f := fileFor(b, p)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	defer func() {
		if used := cpuTime() - cpu; used > 0 {
			b.ReportMetric(float64(size)*float64(b.N)/used.Seconds()/1e6, "MB/cpu-s")
		}
	}()
	for range b.N {
		var n int64
		_, err := f.Read(Options{}, func(s *Stream) error {
			m, err := io.Copy(io.Discard, s.R)
			n += m
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		if n != size {
			b.Fatalf("read %d bytes, want %d", n, size)
		}
	}
}

const benchSize = 32 << 20

func BenchmarkReadPlain(b *testing.B) {
	data := bigLog(benchSize)
	benchRead(b, writeFile(b, b.TempDir(), "access.log", data), int64(len(data)))
}

func BenchmarkReadGzip(b *testing.B) {
	data := bigLog(benchSize)
	benchRead(b, writeFile(b, b.TempDir(), "access.log.1.gz", gzipBytes(b, data)), int64(len(data)))
}

func BenchmarkReadZstd(b *testing.B) {
	data := bigLog(benchSize)
	benchRead(b, writeFile(b, b.TempDir(), "access.log.1.zst", zstdBytes(b, data)), int64(len(data)))
}

func BenchmarkReadTarGz(b *testing.B) {
	data := bigLog(benchSize / 4)
	tarball := tarBytes(b, []entry{{name: "a.log", body: data}, {name: "b.log", body: data}, {name: "c.log", body: data}, {name: "d.log", body: data}})
	benchRead(b, writeFile(b, b.TempDir(), "logs.tgz", gzipBytes(b, tarball)), int64(4*len(data)))
}

func BenchmarkReadZip(b *testing.B) {
	data := bigLog(benchSize / 4)
	z := zipBytes(b, 8, []entry{{name: "a.log", body: data}, {name: "b.log", body: data}, {name: "c.log", body: data}, {name: "d.log", body: data}})
	benchRead(b, writeFile(b, b.TempDir(), "logs.zip", z), int64(4*len(data)))
}

// BenchmarkHashOnly is the floor under BenchmarkReadPlain: SHA-256 and SHA-1
// of the same bytes, no I/O.
func BenchmarkHashOnly(b *testing.B) {
	buf := bigLog(1 << 20)
	b.SetBytes(int64(len(buf)))
	h1, h2 := sha256.New(), sha1.New()
	cpu := cpuTime()
	for range b.N {
		h1.Write(buf)
		h2.Write(buf)
	}
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(len(buf))*float64(b.N)/used.Seconds()/1e6, "MB/cpu-s")
	}
}
