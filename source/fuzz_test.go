package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"
)

// FuzzRead feeds arbitrary bytes to Read, as a file and as stdin. Whatever the
// input: no panic, no unbounded output, safe member names, and a digest that
// is that of the input whenever Read succeeds.
func FuzzRead(f *testing.F) {
	plain := []byte(apacheLines)
	tarball := tarBytes(f, []entry{{name: "a.log", body: plain}, {name: "../../etc/passwd", body: plain}, {name: "z.gz", body: gzipBytes(f, plain)}})
	bz, _ := os.ReadFile("testdata/access.log.bz2")
	seeds := [][]byte{
		plain,
		gzipBytes(f, plain),
		bz,
		xzBytes(f, plain),
		zstdBytes(f, plain),
		tarball,
		gzipBytes(f, tarball),
		zipBytes(f, 8, []entry{{name: "/abs.log", body: plain}, {name: "a/", body: nil}, {name: "l", link: "/etc"}}),
		zipBytes(f, 93, []entry{{name: "z.log", body: plain}}),
		[]byte("PK\x05\x06" + strings.Repeat("\x00", 18)),
		gzipBytes(f, tarball)[:100],
		tarball[:700],
	}
	for _, s := range seeds {
		f.Add(s)
	}
	dir := f.TempDir()
	const max = 1 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fuzzer does not notice hangs: turn one into a crash, which it
		// records with its input.
		watchdog := time.AfterFunc(20*time.Second, func() { panic(fmt.Sprintf("Read hung on %d bytes: %q", len(data), data)) })
		defer watchdog.Stop()
		fh, err := os.CreateTemp(dir, "in")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(fh.Name())
		if _, err := fh.Write(data); err != nil {
			t.Fatal(err)
		}
		fh.Close()
		check := func(file *File, opts Options) {
			d, err := file.Read(opts, func(s *Stream) error {
				n, _ := io.Copy(io.Discard, s.R)
				if (s.Member != "" || s.Compression != "") && n > max {
					t.Errorf("%s: %d bytes, over the %d cap", s.Name, n, max)
				}
				if s.Container != "" {
					if s.Member == "" || strings.HasPrefix(s.Member, "/") || strings.Contains(s.Member, "../") || s.Member == ".." {
						t.Errorf("unsafe member name %q", s.Member)
					}
					if strings.IndexFunc(s.Member, unicode.IsControl) >= 0 {
						t.Errorf("control character in member name %q", s.Member)
					}
					if s.Name != file.Path+"!"+s.Member {
						t.Errorf("name %q", s.Name)
					}
				}
				return nil
			})
			if err == nil && d != sumOf(data) {
				t.Errorf("digest %+v, want %+v", d, sumOf(data))
			}
			if err != nil && d != (Digest{}) && d != sumOf(data) {
				t.Errorf("damaged input: digest %+v is neither zero nor the input's", d)
			}
		}
		check(fileFor(t, fh.Name()), Options{MaxBytes: max})
		stdin := &File{Arg: "-", Path: "-", Abs: "-", Size: -1}
		check(stdin, Options{MaxBytes: max, Stdin: bytes.NewReader(data)})
	})
}

// TestFuzzSeedsTerminate guards against a regression where an error path
// loops: every seed, cut at every 97th byte, must read to the end.
func TestFuzzSeedsTerminate(t *testing.T) {
	plain := []byte(apacheLines)
	tarball := tarBytes(t, []entry{{name: "a.log", body: plain}, {name: "b.log.gz", body: gzipBytes(t, plain)}})
	for _, in := range [][]byte{gzipBytes(t, tarball), zipBytes(t, 8, []entry{{name: "a.log", body: plain}}), xzBytes(t, plain), zstdBytes(t, plain)} {
		for cut := 0; cut < len(in); cut += 97 {
			stdin := &File{Arg: "-", Path: "-", Abs: "-", Size: -1}
			_, err := stdin.Read(Options{Stdin: bytes.NewReader(in[:cut])}, func(s *Stream) error {
				_, err := io.Copy(io.Discard, s.R)
				if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !strings.Contains(err.Error(), ":") {
					t.Errorf("error without context: %v", err)
				}
				return nil
			})
			_ = err // damaged inputs may fail; they must not hang or panic
		}
	}
}
