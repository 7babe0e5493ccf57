package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// apacheLines are real Apache combined-format lines from
// /work/shared/data/apache-real/access.log (github.com/elastic/examples,
// "Common Data Formats/apache_logs", Apache-2.0).
const apacheLines = `83.149.9.216 - - [17/May/2015:10:05:03 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-search.png HTTP/1.1" 200 203023 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
83.149.9.216 - - [17/May/2015:10:05:43 +0000] "GET /presentations/logstash-monitorama-2013/images/kibana-dashboard3.png HTTP/1.1" 200 171717 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
83.149.9.216 - - [17/May/2015:10:05:47 +0000] "GET /presentations/logstash-monitorama-2013/plugin/highlight/highlight.js HTTP/1.1" 200 26185 "http://semicomplete.com/presentations/logstash-monitorama-2013/" "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/32.0.1700.77 Safari/537.36"
`

// bigLog returns about n bytes of varied log lines, so compressed streams have
// many blocks and a truncation point in the middle still leaves data.
func bigLog(n int) []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "83.149.9.%d - - [17/May/2015:10:%02d:%02d +0000] \"GET /page/%d?q=%x HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0\"\n",
			i%256, (i/60)%60, i%60, i, i*7919, i*31)
	}
	return b.Bytes()
}

func gzipBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func xzBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w, err := xz.NewWriter(&b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(t testing.TB, data []byte) []byte {
	t.Helper()
	w, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	return w.EncodeAll(data, nil)
}

// bzip2Bytes uses the bzip2 tool (the standard library only decompresses).
// Small inputs have committed fixtures instead: see testdata/README.md.
func bzip2Bytes(t testing.TB, data []byte) []byte {
	t.Helper()
	path, err := exec.LookPath("bzip2")
	if err != nil {
		t.Skip("bzip2 tool not installed: needed to make this bzip2 fixture")
	}
	cmd := exec.Command(path, "-1", "-c")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bzip2: %v", err)
	}
	return out
}

type entry struct {
	name    string
	body    []byte
	typ     byte   // tar type; 0 = regular
	link    string // for links
	modTime time.Time
}

func tarBytes(t testing.TB, entries []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body)), Typeflag: e.typ, Linkname: e.link, ModTime: e.modTime, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			if _, err := w.Write(e.body); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBytes makes a zip; method 0 is Store, 8 Deflate, 93 zstd. A "link"
// entry is written as a symbolic link.
func zipBytes(t testing.TB, method uint16, entries []entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	w.RegisterCompressor(93, zstd.ZipCompressor())
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: method, Modified: e.modTime}
		body := e.body
		switch {
		case e.link != "":
			h.SetMode(os.ModeSymlink | 0o777)
			body = []byte(e.link)
		case strings.HasSuffix(e.name, "/"):
			h.SetMode(os.ModeDir | 0o755)
		default:
			h.SetMode(0o644)
		}
		fw, err := w.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileFor(t testing.TB, p string) *File {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	return &File{Arg: p, Path: p, Abs: abs, Size: fi.Size(), ModTime: fi.ModTime(), Group: abs}
}

func sumOf(data []byte) Digest {
	a := sha256.Sum256(data)
	b := sha1.Sum(data)
	return Digest{SHA256: hex.EncodeToString(a[:]), SHA1: hex.EncodeToString(b[:]), Bytes: int64(len(data)), Fingerprint: fingerprint(data)}
}

// got is what one stream delivered.
type got struct {
	Name, Member, Compression, Container string
	Renamed                              bool
	Data                                 []byte
	Err                                  error
	Digest                               Digest
}

// readAll reads every stream of f completely, keeping each stream's error
// rather than stopping, as the scan pipeline will.
func readAll(t testing.TB, f *File, opts Options) ([]got, Digest, error) {
	t.Helper()
	var out []got
	d, err := f.Read(opts, func(s *Stream) error {
		data, rerr := io.ReadAll(s.R)
		out = append(out, got{Name: s.Name, Member: s.Member, Compression: s.Compression, Container: s.Container,
			Renamed: s.Renamed, Data: data, Err: rerr})
		return nil
	})
	return out, d, err
}

// readAllDigests is readAll that also records each stream's digest after Read
// has drained it.
func readAllDigests(t testing.TB, f *File, opts Options) ([]got, Digest, error) {
	t.Helper()
	var out []got
	var streams []*Stream
	d, err := f.Read(opts, func(s *Stream) error {
		data, rerr := io.ReadAll(s.R)
		out = append(out, got{Name: s.Name, Member: s.Member, Compression: s.Compression, Container: s.Container,
			Renamed: s.Renamed, Data: data, Err: rerr})
		streams = append(streams, s)
		return nil
	})
	for i, s := range streams {
		out[i].Digest = s.Digest()
	}
	return out, d, err
}

var errStop = errors.New("stop requested by the test")

func gzipWriterBest(w io.Writer) (*gzip.Writer, error) { return gzip.NewWriterLevel(w, gzip.BestSpeed) }
