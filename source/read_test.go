package source

import (
	"archive/tar"
	"bytes"
	"errors"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSniff(t *testing.T) {
	tarHead := tarBytes(t, []entry{{name: "a.log", body: []byte("x\n")}})
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"gzip", gzipBytes(t, []byte(apacheLines)), kindGzip},
		{"xz", xzBytes(t, []byte(apacheLines)), kindXz},
		{"zstd", zstdBytes(t, []byte(apacheLines)), kindZstd},
		{"zip", zipBytes(t, 8, []entry{{name: "a.log", body: []byte("x")}}), kindZip},
		{"empty zip", []byte("PK\x05\x06" + strings.Repeat("\x00", 18)), kindZip},
		{"tar", tarHead, kindTar},
		{"plain apache line", []byte(apacheLines), kindPlain},
		// A text line that happens to begin with the bzip2 letters must stay text.
		{"text starting BZh", []byte("BZh9 is not a compressed file\n"), kindPlain},
		{"gzip magic alone", []byte{0x1f, 0x8b}, kindPlain},
		{"empty", nil, kindPlain},
		{"ustar too early", []byte("ustar"), kindPlain},
	}
	for _, tc := range tests {
		if got := sniff(tc.in); got != tc.want {
			t.Errorf("%s: sniff = %q, want %q", tc.name, got, tc.want)
		}
	}
	bz, err := os.ReadFile("testdata/access.log.bz2")
	if err != nil {
		t.Fatal(err)
	}
	if got := sniff(bz); got != kindBzip2 {
		t.Errorf("bzip2 fixture: sniff = %q", got)
	}
}

// TestReadCompressions reads one file per compression and checks content,
// the compression reported, and that the digest is that of the on-disk bytes.
func TestReadCompressions(t *testing.T) {
	dir := t.TempDir()
	plain := []byte(apacheLines)
	bz, err := os.ReadFile("testdata/access.log.bz2")
	if err != nil {
		t.Fatal(err)
	}
	bz2, err := os.ReadFile("testdata/access-twice.log.bz2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		disk []byte
		want []byte
		comp string
	}{
		{"access.log", plain, plain, ""},
		{"empty.log", nil, nil, ""},
		{"access.log.1.gz", gzipBytes(t, plain), plain, "gzip"},
		// `cat a.gz b.gz > c.gz` is common after log shipping: both members must be read.
		{"multi.log.gz", append(gzipBytes(t, plain), gzipBytes(t, []byte("second member\n"))...), append(append([]byte{}, plain...), "second member\n"...), "gzip"},
		{"access.log.2.bz2", bz, plain, "bzip2"},
		{"twice.log.bz2", bz2, append(append([]byte{}, plain...), plain...), "bzip2"},
		{"access.log.3.xz", xzBytes(t, plain), plain, "xz"},
		{"multi.log.xz", append(xzBytes(t, plain), xzBytes(t, plain)...), append(append([]byte{}, plain...), plain...), "xz"},
		{"access.log.4.zst", zstdBytes(t, plain), plain, "zstd"},
		{"multi.log.zst", append(zstdBytes(t, plain), zstdBytes(t, plain)...), append(append([]byte{}, plain...), plain...), "zstd"},
		// Sniffed by content, not name: a gzip file called .log is still gzip.
		{"misnamed.log", gzipBytes(t, plain), plain, "gzip"},
		{"misnamed.gz", plain, plain, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, tc.disk)
			streams, d, err := readAllDigests(t, fileFor(t, p), Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if len(streams) != 1 {
				t.Fatalf("got %d streams, want 1", len(streams))
			}
			s := streams[0]
			if s.Err != nil {
				t.Fatalf("stream error: %v", s.Err)
			}
			if !bytes.Equal(s.Data, tc.want) {
				t.Errorf("content: got %d bytes, want %d", len(s.Data), len(tc.want))
			}
			if s.Compression != tc.comp || s.Member != "" || s.Container != "" || s.Name != p {
				t.Errorf("stream = %q %q %q %q", s.Name, s.Member, s.Compression, s.Container)
			}
			if want := sumOf(tc.disk); d != want {
				t.Errorf("digest = %+v, want %+v", d, want)
			}
			if s.Digest != d {
				t.Errorf("stream digest %+v differs from file digest %+v", s.Digest, d)
			}
		})
	}
}

// TestDigestMatchesSha256sum checks the digest against the sha256sum tool, an
// independent implementation, on a real log when the shared data is present.
func TestDigestMatchesSha256sum(t *testing.T) {
	tool, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum not installed")
	}
	p := filepath.Join(shareddata.Path(t), "apache-real", "access.log")
	out, err := exec.Command(tool, p).Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(string(out))[0]
	var n int64
	d, err := fileFor(t, p).Read(Options{}, func(s *Stream) error {
		n, err = io.Copy(io.Discard, s.R)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.SHA256 != want {
		t.Errorf("SHA256 = %s, sha256sum says %s", d.SHA256, want)
	}
	if d.Bytes != n || n < 1_000_000 {
		t.Errorf("Bytes = %d, streamed %d", d.Bytes, n)
	}
}

func TestReadArchives(t *testing.T) {
	dir := t.TempDir()
	mod := time.Date(2025, 5, 19, 3, 4, 5, 0, time.UTC)
	access := []byte(apacheLines)
	gzMember := gzipBytes(t, access)
	inner := tarBytes(t, []entry{{name: "x.log", body: []byte("x\n")}})
	tarEntries := []entry{
		{name: "var/", typ: tar.TypeDir},
		{name: "var/log/nginx/access.log", body: access, modTime: mod},
		{name: "var/log/nginx/access.log.1.gz", body: gzMember, modTime: mod},
		{name: "var/log/nginx/current", typ: tar.TypeSymlink, link: "access.log"},
		{name: "var/log/hard", typ: tar.TypeLink, link: "var/log/nginx/access.log"},
		{name: "var/log/fifo", typ: tar.TypeFifo},
		{name: "var/log/empty.log", body: nil},
		{name: "backup/inner.tar", body: inner},
		{name: "backup/inner.tar.gz", body: gzipBytes(t, inner)},
	}
	wantTar := []struct {
		member, comp string
		data         []byte
		nested       bool
		stored       []byte
	}{
		{"var/log/nginx/access.log", "", access, false, access},
		{"var/log/nginx/access.log.1.gz", "gzip", access, false, gzMember},
		{"var/log/empty.log", "", nil, false, nil},
		{"backup/inner.tar", "tar", nil, true, inner},
		{"backup/inner.tar.gz", "tar", nil, true, gzipBytes(t, inner)},
	}
	tarball := tarBytes(t, tarEntries)
	archives := []struct {
		name, container string
		disk            []byte
	}{
		{"logs.tar", "tar", tarball},
		{"logs.tgz", "tar+gzip", gzipBytes(t, tarball)},
		{"logs.tar.xz", "tar+xz", xzBytes(t, tarball)},
		{"logs.tar.zst", "tar+zstd", zstdBytes(t, tarball)},
	}
	if _, err := exec.LookPath("bzip2"); err == nil {
		archives = append(archives, struct {
			name, container string
			disk            []byte
		}{"logs.tar.bz2", "tar+bzip2", bzip2Bytes(t, tarball)})
	}
	for _, a := range archives {
		t.Run(a.name, func(t *testing.T) {
			p := writeFile(t, dir, a.name, a.disk)
			f := fileFor(t, p)
			streams, d, err := readAllDigests(t, f, Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			if d != sumOf(a.disk) {
				t.Errorf("file digest %+v, want %+v", d, sumOf(a.disk))
			}
			if len(streams) != len(wantTar) {
				t.Fatalf("got %d streams, want %d: %+v", len(streams), len(wantTar), streams)
			}
			for i, w := range wantTar {
				s := streams[i]
				if s.Member != w.member || s.Name != p+"!"+w.member || s.Compression != w.comp || s.Container != a.container {
					t.Errorf("stream %d = %q %q %q %q, want member %q comp %q container %q", i, s.Name, s.Member, s.Compression, s.Container, w.member, w.comp, a.container)
				}
				if w.nested {
					if !errors.Is(s.Err, ErrNestedArchive) {
						t.Errorf("%s: err = %v, want ErrNestedArchive", s.Member, s.Err)
					}
				} else if s.Err != nil || !bytes.Equal(s.Data, w.data) {
					t.Errorf("%s: err %v, %d bytes, want %d", s.Member, s.Err, len(s.Data), len(w.data))
				}
				// Member digests are of the stored bytes, drained by Read
				// even when R failed (nested archives).
				if s.Digest != sumOf(w.stored) {
					t.Errorf("%s: member digest %+v, want %+v", s.Member, s.Digest, sumOf(w.stored))
				}
			}
			want := &ArchiveStats{Kind: "tar", Members: len(wantTar), Skipped: 3}
			if *f.Archive != *want {
				t.Errorf("stats = %+v, want %+v", *f.Archive, *want)
			}
		})
	}
}

func TestReadZip(t *testing.T) {
	dir := t.TempDir()
	access := []byte(apacheLines)
	big := bigLog(300 << 10)
	entries := []entry{
		{name: "logs/"},
		{name: "logs/nginx/access.log", body: access},
		{name: "logs/nginx/access.log.2.gz", body: gzipBytes(t, access)},
		{name: "logs/big.log", body: big},
		{name: "logs/link", link: "/etc/passwd"},
		{name: "logs/inner.zip", body: zipBytes(t, 8, []entry{{name: "a", body: []byte("a")}})},
	}
	for _, method := range []uint16{0, 8, 93} {
		z := zipBytes(t, method, entries)
		p := writeFile(t, dir, "logs.zip", z)
		f := fileFor(t, p)
		streams, d, err := readAllDigests(t, f, Options{})
		if err != nil {
			t.Fatalf("method %d: Read: %v", method, err)
		}
		if d != sumOf(z) {
			t.Errorf("method %d: digest %+v, want %+v", method, d, sumOf(z))
		}
		want := []struct {
			member, comp string
			data, stored []byte
		}{
			{"logs/nginx/access.log", "", access, access},
			{"logs/nginx/access.log.2.gz", "gzip", access, gzipBytes(t, access)},
			{"logs/big.log", "", big, big},
			{"logs/inner.zip", "zip", nil, entries[5].body},
		}
		if len(streams) != len(want) {
			t.Fatalf("method %d: %d streams, want %d", method, len(streams), len(want))
		}
		for i, w := range want {
			s := streams[i]
			if s.Member != w.member || s.Compression != w.comp || s.Container != "zip" {
				t.Errorf("method %d stream %d: %q %q %q", method, i, s.Member, s.Compression, s.Container)
			}
			if w.data != nil && (s.Err != nil || !bytes.Equal(s.Data, w.data)) {
				t.Errorf("method %d %s: err %v, %d bytes want %d", method, s.Member, s.Err, len(s.Data), len(w.data))
			}
			if w.data == nil && !errors.Is(s.Err, ErrNestedArchive) {
				t.Errorf("method %d %s: err = %v, want ErrNestedArchive", method, s.Member, s.Err)
			}
			if s.Digest != sumOf(w.stored) {
				t.Errorf("method %d %s: member digest %+v, want %+v", method, s.Member, s.Digest, sumOf(w.stored))
			}
		}
		if want := (ArchiveStats{Kind: "zip", Members: 4, Skipped: 1}); *f.Archive != want {
			t.Errorf("method %d: stats %+v, want %+v", method, *f.Archive, want)
		}
	}
}

// TestHostileMemberNames checks that escaping and absolute member names are
// sanitised and counted, in tar and zip alike.
func TestHostileMemberNames(t *testing.T) {
	dir := t.TempDir()
	names := []struct{ stored, want string }{
		{"../../etc/passwd", "etc/passwd"},
		{"/etc/shadow", "etc/shadow"},
		{"a/../../b.log", "b.log"},
		{`..\..\windows\system32\x.log`, "windows/system32/x.log"},
		{`C:\Windows\evil.log`, "Windows/evil.log"},
		{"logs/x../y.log", "logs/x._/y.log"},
		{"..", "_"},
		{"esc\x1b[31mred.log", "esc%1B[31mred.log"},
		{"bad\xffutf8.log", "bad%FFutf8.log"},
		{"ok/fine.log", "ok/fine.log"},
		{"./ok/dot.log", "ok/dot.log"},
	}
	var entries []entry
	for _, n := range names {
		entries = append(entries, entry{name: n.stored, body: []byte(n.stored + "\n")})
	}
	for _, kind := range []string{"tar", "zip"} {
		var disk []byte
		if kind == "tar" {
			disk = tarBytes(t, entries)
		} else {
			disk = zipBytes(t, 8, entries)
		}
		p := writeFile(t, dir, "hostile."+kind, disk)
		f := fileFor(t, p)
		streams, _, err := readAll(t, f, Options{})
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if len(streams) != len(names) {
			t.Fatalf("%s: %d streams, want %d", kind, len(streams), len(names))
		}
		renamed := 0
		for i, n := range names {
			s := streams[i]
			if s.Member != n.want {
				t.Errorf("%s: %q -> %q, want %q", kind, n.stored, s.Member, n.want)
			}
			if strings.Contains(s.Member, "../") || strings.HasPrefix(s.Member, "/") || strings.Contains(s.Name, "!/") {
				t.Errorf("%s: unsafe display name %q", kind, s.Name)
			}
			wantRenamed := n.stored != n.want && "./"+n.want != n.stored
			if s.Renamed != wantRenamed {
				t.Errorf("%s: %q renamed = %v, want %v", kind, n.stored, s.Renamed, wantRenamed)
			}
			if s.Renamed {
				renamed++
			}
			// The content is untouched: only names are sanitised.
			if string(s.Data) != n.stored+"\n" {
				t.Errorf("%s: %q content %q", kind, n.stored, s.Data)
			}
		}
		if f.Archive.Renamed != renamed || renamed != 9 {
			t.Errorf("%s: Archive.Renamed = %d, counted %d, want 9", kind, f.Archive.Renamed, renamed)
		}
	}
}

// zeros is an endless reader of zero bytes, for bombs.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestBomb: 128 MiB of zeros compresses to a few hundred KiB; with a 1 MiB
// cap every format must stop at exactly the cap with ErrTooLarge.
func TestBomb(t *testing.T) {
	const bombSize = 128 << 20
	const limit = 1 << 20
	var gz bytes.Buffer
	{
		w, _ := gzipWriterBest(&gz)
		if _, err := io.CopyN(w, zeros{}, bombSize); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	zeroData := make([]byte, 8<<20) // zstd and xz bombs are smaller to build, same principle
	tests := []struct {
		name string
		disk []byte
	}{
		{"bomb.gz", gz.Bytes()},
		{"bomb.zst", zstdBytes(t, zeroData)},
		{"bomb.xz", xzBytes(t, zeroData)},
		{"bomb.tar.gz", gzipBytes(t, tarBytes(t, []entry{{name: "zeros.log", body: zeroData}}))},
		{"member-bomb.tar", tarBytes(t, []entry{{name: "zeros.log.gz", body: gz.Bytes()}})},
		{"member-bomb.zip", zipBytes(t, 8, []entry{{name: "zeros.log", body: zeroData}})},
	}
	t.Logf("gzip bomb: %d bytes on disk for %d decompressed", gz.Len(), bombSize)
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, tc.name, tc.disk)
			streams, d, err := readAll(t, fileFor(t, p), Options{MaxBytes: limit})
			if err != nil && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("Read: %v", err)
			}
			if len(streams) == 0 {
				t.Fatal("no stream")
			}
			s := streams[0]
			if !errors.Is(s.Err, ErrTooLarge) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("stream err = %v, Read err = %v; want ErrTooLarge", s.Err, err)
			}
			if len(s.Data) > limit {
				t.Errorf("delivered %d bytes, more than the %d cap", len(s.Data), limit)
			}
			if d != sumOf(tc.disk) {
				t.Errorf("digest of a bomb must still be of its on-disk bytes")
			}
		})
	}

	// A stream exactly at the cap is not a bomb.
	exact := bytes.Repeat([]byte("a"), limit)
	p := writeFile(t, dir, "exact.gz", gzipBytes(t, exact))
	streams, _, err := readAll(t, fileFor(t, p), Options{MaxBytes: limit})
	if err != nil || streams[0].Err != nil || len(streams[0].Data) != limit {
		t.Errorf("exactly MaxBytes: err %v / %v, %d bytes", err, streams[0].Err, len(streams[0].Data))
	}
}

// TestTruncated cuts compressed streams in the middle: the error must wrap
// io.ErrUnexpectedEOF, say "truncated", and the bytes before the cut must
// still be delivered.
func TestTruncated(t *testing.T) {
	data := bigLog(2 << 20)
	type maker func(testing.TB, []byte) []byte
	tests := []struct {
		name string
		make maker
	}{
		{"gzip", gzipBytes},
		{"xz", xzBytes},
		{"zstd", zstdBytes},
		{"bzip2", bzip2Bytes},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			full := tc.make(t, data)
			cut := full[:len(full)*3/4]
			p := writeFile(t, dir, "cut.log."+tc.name, cut)
			streams, d, err := readAll(t, fileFor(t, p), Options{})
			if err != nil {
				t.Fatalf("Read: %v", err)
			}
			s := streams[0]
			if !errors.Is(s.Err, io.ErrUnexpectedEOF) || !strings.Contains(s.Err.Error(), "truncated") || !strings.HasPrefix(s.Err.Error(), tc.name+": ") {
				t.Fatalf("err = %v, want %s truncation wrapping io.ErrUnexpectedEOF", s.Err, tc.name)
			}
			if !bytes.HasPrefix(data, s.Data) {
				t.Fatal("delivered bytes are not a prefix of the original")
			}
			if len(s.Data) < len(data)/4 {
				t.Errorf("only %d of %d bytes delivered before the cut", len(s.Data), len(data))
			}
			if d != sumOf(cut) {
				t.Error("digest must cover the truncated file's bytes")
			}
			t.Logf("%s: %d of %d bytes delivered; %v", tc.name, len(s.Data), len(data), s.Err)
		})
	}

	t.Run("tar", func(t *testing.T) {
		tarball := tarBytes(t, []entry{{name: "a.log", body: data}, {name: "b.log", body: data}})
		cut := tarball[:len(tarball)/3]
		p := writeFile(t, dir, "cut.tar", cut)
		streams, d, err := readAll(t, fileFor(t, p), Options{})
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("Read err = %v, want truncation", err)
		}
		if len(streams) != 1 || !errors.Is(streams[0].Err, io.ErrUnexpectedEOF) || !bytes.HasPrefix(data, streams[0].Data) || len(streams[0].Data) == 0 {
			t.Fatalf("streams: %d, err %v", len(streams), streams[0].Err)
		}
		if d != sumOf(cut) {
			t.Error("a damaged archive is still hashed whole")
		}
	})
}

// TestPartialRead: whatever fn leaves unread is drained into the digests.
func TestPartialRead(t *testing.T) {
	dir := t.TempDir()
	data := bigLog(1 << 20)
	for _, name := range []string{"big.log", "big.log.gz", "big.tar"} {
		disk := data
		switch {
		case strings.HasSuffix(name, ".gz"):
			disk = gzipBytes(t, data)
		case strings.HasSuffix(name, ".tar"):
			disk = tarBytes(t, []entry{{name: "a.log", body: data}, {name: "b.log", body: []byte("b\n")}})
		}
		p := writeFile(t, dir, name, disk)
		var streams []*Stream
		d, err := fileFor(t, p).Read(Options{}, func(s *Stream) error {
			streams = append(streams, s)
			_, err := io.ReadFull(s.R, make([]byte, 100))
			if err == io.ErrUnexpectedEOF { // b.log is shorter than 100 bytes
				err = nil
			}
			return err
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d != sumOf(disk) {
			t.Errorf("%s: digest of a partly read file is wrong", name)
		}
		if name == "big.tar" {
			if len(streams) != 2 || streams[0].Digest() != sumOf(data) {
				t.Errorf("%s: member digest after partial read wrong", name)
			}
		}
	}
}

func TestFnErrorStops(t *testing.T) {
	dir := t.TempDir()
	tarball := tarBytes(t, []entry{{name: "a.log", body: []byte("a\n")}, {name: "b.log", body: []byte("b\n")}})
	p := writeFile(t, dir, "two.tar", tarball)
	calls := 0
	d, err := fileFor(t, p).Read(Options{}, func(*Stream) error {
		calls++
		return errStop
	})
	if !errors.Is(err, errStop) || calls != 1 || d != (Digest{}) {
		t.Errorf("err %v, calls %d, digest %+v: want errStop after 1 call and no digest", err, calls, d)
	}
}

func TestStdin(t *testing.T) {
	plain := []byte(apacheLines)
	stdin := &File{Arg: "-", Path: "-", Abs: "-", Size: -1}
	tests := []struct {
		name    string
		in      []byte
		members int
	}{
		{"plain", plain, 1},
		{"gzip", gzipBytes(t, plain), 1},
		{"tar.gz", gzipBytes(t, tarBytes(t, []entry{{name: "a.log", body: plain}, {name: "b.log", body: plain}})), 2},
	}
	for _, tc := range tests {
		streams, d, err := readAll(t, stdin, Options{Stdin: bytes.NewReader(tc.in)})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(streams) != tc.members || !bytes.Equal(streams[0].Data, plain) {
			t.Errorf("%s: %d streams", tc.name, len(streams))
		}
		if d != sumOf(tc.in) {
			t.Errorf("%s: digest of stdin wrong", tc.name)
		}
		if tc.members > 1 && streams[1].Name != "-!b.log" {
			t.Errorf("%s: name %q", tc.name, streams[1].Name)
		}
	}
	z := zipBytes(t, 8, []entry{{name: "a.log", body: plain}})
	_, err := stdin.Read(Options{Stdin: bytes.NewReader(z)}, func(*Stream) error {
		t.Error("fn called for a zip on stdin")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "zip") || !strings.Contains(err.Error(), "random access") {
		t.Errorf("zip on stdin: err = %v", err)
	}
}

// TestReadChangesNothing checks the forensic promise: after Read, every input
// has the same bytes, size, mode and modification time, the folder holds
// exactly the same entries, and no temporary file was made.
func TestReadChangesNothing(t *testing.T) {
	dir := t.TempDir()
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.CreateTemp would land here
	data := bigLog(200 << 10)
	writeFile(t, dir, "a/access.log", data)
	writeFile(t, dir, "a/access.log.1.gz", gzipBytes(t, data))
	writeFile(t, dir, "b/logs.tgz", gzipBytes(t, tarBytes(t, []entry{{name: "x.log", body: data}})))
	writeFile(t, dir, "b/logs.zip", zipBytes(t, 8, []entry{{name: "x.log", body: data}, {name: "../../escape.log", body: data}}))
	writeFile(t, dir, "b/bomb.gz", gzipBytes(t, make([]byte, 4<<20)))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	type state struct {
		size  int64
		mode  fs.FileMode
		mtime time.Time
		atime time.Time // kept on Linux thanks to O_NOATIME (or a noatime mount)
		sum   Digest
	}
	snapshot := func() map[string]state {
		m := map[string]state{}
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			s := state{size: fi.Size(), mode: fi.Mode(), mtime: fi.ModTime()}
			if fi.Mode().IsRegular() {
				s.atime = atime(fi) // folders: this very walk reads them
				b, err := readNoAtime(p)
				if err != nil {
					return err
				}
				s.sum = sumOf(b)
			}
			m[p] = s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// Old, read-only inputs: a write or chmod would fail or show.
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			os.Chtimes(p, old, old)
			os.Chmod(p, 0o444)
		}
		return nil
	})
	before := snapshot()
	files, problems, err := Expand([]string{dir}, Options{})
	if err != nil || len(problems) != 0 || len(files) != 5 {
		t.Fatalf("Expand: %d files, %v, %v", len(files), problems, err)
	}
	for _, f := range files {
		if _, _, err := readAll(t, f, Options{MaxBytes: 1 << 20}); err != nil {
			t.Fatalf("%s: %v", f.Path, err)
		}
	}
	after := snapshot()
	if len(after) != len(before) {
		t.Errorf("entries: %d before, %d after", len(before), len(after))
	}
	for p, b := range before {
		if a, ok := after[p]; !ok || a != b {
			t.Errorf("%s changed: %+v -> %+v", p, b, a)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files were made: %v", left)
	}
}

// TestZipOverlapBomb: members whose compressed data overlap (the construction
// behind 42 KB zips that claim petabytes) are refused with ErrTooLarge.
func TestZipOverlapBomb(t *testing.T) {
	body := make([]byte, 64<<10)
	z := zipBytes(t, 8, []entry{{name: "a.log", body: body}, {name: "b.log", body: body}, {name: "c.log", body: []byte("fine\n")}})
	// Point b.log's central directory entry at a.log's local header.
	cd := bytes.Index(z, []byte("PK\x01\x02"))
	second := cd + 4 + bytes.Index(z[cd+4:], []byte("PK\x01\x02"))
	if cd < 0 || second <= cd {
		t.Fatal("central directory not found")
	}
	copy(z[second+42:second+46], z[cd+42:cd+46])
	p := writeFile(t, t.TempDir(), "overlap.zip", z)
	streams, _, err := readAll(t, fileFor(t, p), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != 3 {
		t.Fatalf("%d streams", len(streams))
	}
	for i, s := range streams[:2] {
		if !errors.Is(s.Err, ErrTooLarge) || !strings.Contains(s.Err.Error(), "overlaps") {
			t.Errorf("member %d: err = %v, want overlap refused", i, s.Err)
		}
	}
	if streams[2].Err != nil || string(streams[2].Data) != "fine\n" {
		t.Errorf("the honest member must still be read: %v %q", streams[2].Err, streams[2].Data)
	}
}

// TestLiveLogGrows: a log appended to while it is read gives the digest of
// exactly the bytes read, with ErrChanged.
func TestLiveLogGrows(t *testing.T) {
	data := bigLog(1 << 20)
	p := writeFile(t, t.TempDir(), "syslog", data)
	f := fileFor(t, p)
	var read []byte
	d, err := f.Read(Options{}, func(s *Stream) error {
		buf := make([]byte, 1000)
		n, err := io.ReadFull(s.R, buf)
		read = append(read, buf[:n]...)
		if err != nil {
			return err
		}
		w, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		w.Write([]byte("Dec 10 07:00:00 host sshd[1]: appended while reading\n"))
		w.Close()
		rest, err := io.ReadAll(s.R)
		read = append(read, rest...)
		return err
	})
	if !errors.Is(err, ErrChanged) {
		t.Fatalf("err = %v, want ErrChanged", err)
	}
	now, _ := os.ReadFile(p)
	if d.Bytes != int64(len(read)) || d != sumOf(now[:d.Bytes]) {
		t.Errorf("digest %+v is not of the %d bytes read", d, len(read))
	}
}

// TestReadFIFO: an explicitly named FIFO (as `<(zcat ...)` gives) is read
// like stdin.
func TestReadFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(t, p, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	files, _, err := Expand([]string{p}, Options{})
	if err != nil || len(files) != 1 {
		t.Fatalf("Expand: %v %d", err, len(files))
	}
	in := gzipBytes(t, []byte(apacheLines))
	go func() {
		w, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.Write(in)
		w.Close()
	}()
	streams, d, err := readAll(t, files[0], Options{})
	if err != nil || len(streams) != 1 || string(streams[0].Data) != apacheLines || streams[0].Compression != "gzip" {
		t.Fatalf("FIFO: %v, %+v", err, streams)
	}
	if d != sumOf(in) {
		t.Error("FIFO digest wrong")
	}
}

// TestZipDamagedMember: a zip member whose bytes fail their CRC is reported,
// and the members after it are still read (zip members are independent).
func TestZipDamagedMember(t *testing.T) {
	z := zipBytes(t, 0, []entry{{name: "a.log", body: []byte("GET /index.html\n")}, {name: "b.log", body: []byte(apacheLines)}})
	i := bytes.Index(z, []byte("index"))
	z[i] = 'X' // stored bytes no longer match the CRC-32
	p := writeFile(t, t.TempDir(), "damaged.zip", z)
	streams, d, err := readAll(t, fileFor(t, p), Options{})
	if err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("Read err = %v, want the checksum damage reported", err)
	}
	if d != sumOf(z) {
		t.Error("a damaged zip is still hashed")
	}
	if len(streams) != 2 || streams[0].Err == nil || streams[1].Err != nil || string(streams[1].Data) != apacheLines {
		t.Errorf("streams: %+v", streams)
	}
}

// readNoAtime reads a file for the test's own checks without touching its
// access time, so the test sees only what Read did.
func readNoAtime(p string) ([]byte, error) {
	f, err := openEvidence(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
