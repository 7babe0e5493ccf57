package source

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Kinds of content recognised by their first bytes.
const (
	kindPlain = ""
	kindGzip  = "gzip"
	kindBzip2 = "bzip2"
	kindXz    = "xz"
	kindZstd  = "zstd"
	kindTar   = "tar"
	kindZip   = "zip"
)

// sniffLen is how many leading bytes sniff needs: the ustar magic sits at
// offset 257 of a tar header.
const sniffLen = 512

// maxXzDict caps the LZMA2 dictionary an xz stream may declare. The xz
// decoder allocates the declared size up front, so a 60-byte file could
// otherwise ask for 1.5 GiB. xz -9 uses 64 MiB.
const maxXzDict = 128 << 20

// maxZstdWindow caps the zstd window for the same reason; 128 MiB covers
// `zstd --long` (2^27).
const maxZstdWindow = 128 << 20

// sniff names what b, the first bytes of a stream, holds.
func sniff(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8:
		return kindGzip
	case len(b) >= 10 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h' && b[3] >= '1' && b[3] <= '9' &&
		(bytes.Equal(b[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) || // block magic (pi)
			bytes.Equal(b[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})): // end of stream (sqrt pi): empty input
		// The level digit and block magic are checked too: a text log may
		// well begin with "BZh".
		return kindBzip2
	case bytes.HasPrefix(b, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return kindXz
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return kindZstd
	case bytes.HasPrefix(b, []byte("PK\x03\x04")), bytes.HasPrefix(b, []byte("PK\x05\x06")):
		return kindZip
	case len(b) >= 262 && string(b[257:262]) == "ustar":
		return kindTar
	}
	return kindPlain
}

// peek returns up to sniffLen leading bytes of r without consuming them.
func peek(r *bufio.Reader) []byte {
	b, _ := r.Peek(sniffLen) // fewer bytes (short input, read error) are fine: the error resurfaces on Read
	return b
}

// stopError carries an error returned by the caller's fn, so Read can tell it
// from damage in the input.
type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }

// Read opens f READ-ONLY and calls fn for each stream it holds, in order: one
// stream for a plain or compressed file; one per regular member of a
// tar/tar.gz/tgz/tar.bz2/tar.xz/tar.zst/zip (members that are themselves
// compressed are decompressed too; non-regular members are skipped and
// counted in f.Archive). A member that is itself an archive is delivered as a
// stream whose R fails with ErrNestedArchive.
//
// It hashes the file's on-disk bytes (SHA-256 and SHA-1 together) in the same
// read that feeds the streams; after fn returns, whatever fn did not read is
// drained into the hash, and the digest is returned. A zip's table of
// contents is at its end, so a zip cannot be streamed: Read hashes a zip in
// one sequential pass first, then reads the members it needs with ReadAt
// (from the page cache, for any file that fits in memory). For every file,
// Read checks that the size and modification time did not change while it
// was reading, so the digest belongs to the bytes that were decoded.
//
// A live log that grows while it is read is read up to where it ended when
// Read got there: the digest is of exactly the bytes read and decoded
// (Digest.Bytes of them), returned with an error wrapping ErrChanged so the
// caller can record that the file on disk has moved on. A zip that changes
// gets no digest, as its members were read after the hash pass.
//
// If fn returns an error, Read stops and returns it with a zero Digest. If the
// input is damaged (a truncated tar, a corrupt zip directory), Read still
// hashes the whole file and returns the digest together with an error saying
// what was wrong. Stdin (and a named pipe) supports plain and compressed
// streams and tar; a zip there returns an error, as zip needs random access.
// Stdin can only be read once; a file can be read again.
func (f *File) Read(opts Options, fn func(*Stream) error) (Digest, error) {
	var (
		src      io.Reader
		osf      *os.File
		seekable bool
		before   os.FileInfo
	)
	if f.Path == "-" && (f.Abs == "" || f.Abs == "-") {
		src = opts.Stdin
		if src == nil {
			src = os.Stdin
		}
	} else {
		name := f.Abs
		if name == "" {
			name = f.Path
		}
		var err error
		osf, err = openEvidence(name)
		if err != nil {
			return Digest{}, fmt.Errorf("open %s: %w", f.Path, err)
		}
		defer osf.Close()
		before, err = osf.Stat()
		if err != nil {
			return Digest{}, fmt.Errorf("stat %s: %w", f.Path, err)
		}
		if before.IsDir() {
			return Digest{}, fmt.Errorf("read %s: is a directory", f.Path)
		}
		seekable = before.Mode().IsRegular()
		src = osf
	}

	h := newHasher(src, opts.FingerprintOnly)
	defer h.close()
	br := bufio.NewReaderSize(h, 64<<10)
	rd := &reader{f: f, opts: opts, max: opts.maxBytes(), fn: fn}
	f.Archive = nil

	var err error
	kind := sniff(peek(br))
	switch kind {
	case kindZip:
		if !seekable {
			return Digest{}, fmt.Errorf("read %s: zip archive on a stream (stdin or pipe): zip needs random access; save it to a file first", f.Path)
		}
		if _, err := io.Copy(io.Discard, br); err != nil {
			return Digest{}, fmt.Errorf("read %s: %w", f.Path, err)
		}
		err = rd.zip(osf, h.n)
		if err == nil {
			err = errors.Join(rd.damaged...)
		}
	case kindTar:
		err = rd.tar(br, kindTar)
	case kindGzip, kindBzip2, kindXz, kindZstd:
		err = rd.compressed(br, kind, h.digest)
	default:
		err = rd.emit(&Stream{Name: f.Path, ModTime: f.ModTime, R: br, digest: h.digest})
	}
	var stop stopError
	if errors.As(err, &stop) {
		return Digest{}, stop.err
	}
	if _, derr := io.Copy(io.Discard, br); derr != nil {
		return Digest{}, fmt.Errorf("read %s: %w", f.Path, errors.Join(err, derr))
	}
	if err != nil {
		err = fmt.Errorf("read %s: %w", f.Path, err)
	}
	if seekable {
		after, serr := osf.Stat()
		if serr != nil {
			return Digest{}, fmt.Errorf("stat %s: %w", f.Path, serr)
		}
		if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || h.n != after.Size() {
			cerr := fmt.Errorf("read %s: size %d when opened, %d now, %d bytes read and hashed: %w",
				f.Path, before.Size(), after.Size(), h.n, ErrChanged)
			if kind == kindZip {
				// The members were read after the hash pass: they may not
				// be the bytes hashed.
				return Digest{}, errors.Join(err, cerr)
			}
			return h.digest(), errors.Join(err, cerr)
		}
	}
	return h.digest(), err
}

// reader holds what one File.Read call needs while walking the layers.
type reader struct {
	f    *File
	opts Options
	max  int64
	fn   func(*Stream) error
	// damaged collects errors in zip members that did not stop the reading.
	damaged []error
}

func (rd *reader) emit(s *Stream) error {
	if err := rd.fn(s); err != nil {
		return stopError{err}
	}
	return nil
}

// compressed handles a compressed file: one stream, or a compressed tar.
func (rd *reader) compressed(br *bufio.Reader, kind string, digest func() Digest) error {
	dr, closeFn, err := decompress(kind, br, rd.max)
	if err != nil {
		// The header is unreadable: deliver the failure as the stream's
		// content so the caller reports it against this file.
		return rd.emit(&Stream{Name: rd.f.Path, Compression: kind, ModTime: rd.f.ModTime, R: errReader{err}, digest: digest})
	}
	defer closeFn()
	dbr := bufio.NewReaderSize(dr, 64<<10)
	switch inner := sniff(peek(dbr)); inner {
	case kindTar:
		return rd.tar(dbr, "tar+"+kind)
	case kindZip:
		err := fmt.Errorf("zip archive inside %s: zip needs random access; decompress it to a file first: %w", kind, ErrNestedArchive)
		return rd.emit(&Stream{Name: rd.f.Path, Compression: kind, ModTime: rd.f.ModTime, R: errReader{err}, digest: digest})
	}
	return rd.emit(&Stream{Name: rd.f.Path, Compression: kind, ModTime: rd.f.ModTime, R: dbr, digest: digest})
}

func (rd *reader) stats(kind string) *ArchiveStats {
	if rd.f.Archive == nil {
		rd.f.Archive = &ArchiveStats{Kind: kind}
	}
	return rd.f.Archive
}

// tar streams the regular members of a tar archive read from r.
func (rd *reader) tar(r io.Reader, container string) error {
	st := rd.stats(kindTar)
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			// ErrInsecurePath (GODEBUG tarinsecurepath=0) still returns a
			// usable header; names are sanitised below anyway.
			return fmt.Errorf("tar: after %d members: %w", st.Members, err)
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeCont, tar.TypeGNUSparse:
		case tar.TypeDir:
			continue
		default:
			st.Skipped++
			continue
		}
		st.Members++
		m := newMember(hdr.Name)
		if m.renamed {
			st.Renamed++
		}
		err = rd.member(tr, m, container, hdr.ModTime)
		if err != nil {
			return err
		}
	}
}

// zip streams the regular members of the zip archive in ra.
func (rd *reader) zip(ra io.ReaderAt, size int64) error {
	st := rd.stats(kindZip)
	zr, err := zip.NewReader(ra, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return fmt.Errorf("zip: %w", err)
	}
	// Go's zip reads Store and Deflate; these are the other methods a log
	// archiver may have used. Each decoder gets the same size caps as a file.
	zr.RegisterDecompressor(12, func(r io.Reader) io.ReadCloser { return io.NopCloser(bzip2.NewReader(r)) })
	zr.RegisterDecompressor(93, func(r io.Reader) io.ReadCloser {
		d, err := zstd.NewReader(r, zstdOptions...)
		if err != nil {
			return io.NopCloser(errReader{err})
		}
		return d.IOReadCloser()
	})
	overlaps := zipOverlaps(zr.File)
	for i, zf := range zr.File {
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			continue
		case !mode.IsRegular():
			st.Skipped++
			continue
		}
		st.Members++
		m := newMember(zf.Name)
		if m.renamed {
			st.Renamed++
		}
		var rc io.ReadCloser
		switch {
		case overlaps[i]:
			// Members sharing compressed bytes are how a 42 KB zip claims
			// petabytes: each member alone is under the cap, together they
			// are not. No archiver writes them.
			err = fmt.Errorf("its data overlaps another member's (a zip bomb construction): %w", ErrTooLarge)
		case zf.Flags&0x1 != 0:
			err = errors.New("encrypted, cannot be read")
		default:
			rc, err = zf.Open()
		}
		if err != nil {
			// The member cannot be read, but the archive can: report it
			// as a stream that fails, and go on.
			err = rd.emit(&Stream{
				Name: rd.f.Path + "!" + m.name, Member: m.name, Container: kindZip, ModTime: zf.Modified,
				Renamed: m.renamed, Original: m.original,
				R: errReader{fmt.Errorf("zip member %s: %w", m.name, err)},
			})
		} else {
			err = rd.member(&layer{name: "zip member " + m.name, r: rc, max: rd.max}, m, kindZip, zf.Modified)
			rc.Close()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// zipOverlaps reports, for each entry, whether its compressed data overlaps
// that of another entry.
func zipOverlaps(files []*zip.File) []bool {
	type span struct {
		start, end int64
		i          int
	}
	spans := make([]span, 0, len(files))
	for i, zf := range files {
		off, err := zf.DataOffset()
		if err != nil || zf.CompressedSize64 == 0 || zf.CompressedSize64 > 1<<62 {
			continue // unreadable entries fail on Open with their own error
		}
		spans = append(spans, span{off, off + int64(zf.CompressedSize64), i})
	}
	sort.Slice(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	out := make([]bool, len(files))
	var end int64 = -1
	last := -1
	for _, s := range spans {
		if s.start < end {
			out[s.i] = true
			out[last] = true
		}
		if s.end > end {
			end, last = s.end, s.i
		}
	}
	return out
}

// member delivers one archive member whose stored bytes are r.
func (rd *reader) member(r io.Reader, m member, container string, mod time.Time) error {
	// The member's own reader is capped too: a sparse tar member can expand
	// terabytes of holes from a few bytes.
	mh := newHasher(&layer{name: container + " member", r: r, max: rd.max}, rd.opts.FingerprintOnly)
	defer mh.close()
	mb := bufio.NewReaderSize(mh, 32<<10)
	s := &Stream{
		Name:      rd.f.Path + "!" + m.name,
		Member:    m.name,
		Container: container,
		ModTime:   mod,
		Renamed:   m.renamed,
		Original:  m.original,
		R:         mb,
		digest:    mh.digest,
	}
	var closeFn func()
	switch kind := sniff(peek(mb)); kind {
	case kindTar, kindZip:
		s.Compression = kind
		s.R = errReader{fmt.Errorf("%s is a %s archive inside an archive: extract it and scan the folder: %w", s.Name, kind, ErrNestedArchive)}
	case kindGzip, kindBzip2, kindXz, kindZstd:
		s.Compression = kind
		dr, c, err := decompress(kind, mb, rd.max)
		if err != nil {
			s.R = errReader{err}
			break
		}
		closeFn = c
		dbr := bufio.NewReaderSize(dr, 32<<10)
		if inner := sniff(peek(dbr)); inner == kindTar || inner == kindZip {
			s.Compression = inner
			s.R = errReader{fmt.Errorf("%s is a %s-compressed %s archive inside an archive: extract it and scan the folder: %w", s.Name, kind, inner, ErrNestedArchive)}
		} else {
			s.R = dbr
		}
	}
	err := rd.emit(s)
	if closeFn != nil {
		closeFn()
	}
	if err != nil {
		return err
	}
	// Drain the stored bytes so the member digest is complete and the tar
	// reader is positioned at the next header.
	if _, err := io.Copy(io.Discard, mb); err != nil {
		err = fmt.Errorf("%s: %w", s.Name, err)
		if container == kindZip {
			// Zip members are independent: note the damage, read the rest.
			rd.damaged = append(rd.damaged, err)
			return nil
		}
		return err
	}
	return nil
}

var zstdOptions = []zstd.DOption{
	zstd.WithDecoderConcurrency(1), // the pipeline parallelises across files
	zstd.WithDecoderMaxWindow(maxZstdWindow),
	zstd.WithDecoderLowmem(true),
}

// decompress wraps br in the decoder for kind, capped at max output bytes.
// closeFn releases the decoder.
func decompress(kind string, br *bufio.Reader, max int64) (r io.Reader, closeFn func(), err error) {
	closeFn = func() {}
	var dr io.Reader
	switch kind {
	case kindGzip:
		zr, err := gzip.NewReader(br) // multistream: concatenated members are read in turn
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		dr = zr
	case kindBzip2:
		dr = bzip2.NewReader(br) // reads concatenated streams too
	case kindXz:
		if dict, ok := xzDict(peek(br)); ok && dict > maxXzDict {
			return nil, nil, fmt.Errorf("xz: dictionary of %d MiB declared, more than the %d MiB allowed: %w", dict>>20, maxXzDict>>20, ErrTooLarge)
		}
		xr, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("xz: %w", err)
		}
		dr = xr
	case kindZstd:
		d, err := zstd.NewReader(br, zstdOptions...)
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		dr = d
		closeFn = d.Close
	default:
		return nil, nil, fmt.Errorf("unknown compression %q", kind)
	}
	return &layer{name: kind, r: dr, max: max}, closeFn, nil
}

// xzDict reads the LZMA2 dictionary size declared by the first block of the
// xz stream starting at b. Later blocks are not checked (they would need the
// stream parsed); the first is what a bomb made by hand would use.
func xzDict(b []byte) (int64, bool) {
	// stream header: 6 magic, 2 flags, 4 CRC32; then block header:
	// size byte, flags byte, optional sizes (varints), filter flags.
	if len(b) < 14 {
		return 0, false
	}
	bh := b[12:]
	if bh[0] == 0 { // index indicator: no blocks
		return 0, false
	}
	hlen := (int(bh[0]) + 1) * 4
	if len(bh) < hlen {
		return 0, false
	}
	flags := bh[1]
	nfilters := int(flags&3) + 1
	p := bh[2:hlen]
	varint := func() (uint64, bool) {
		var v uint64
		for i := 0; i < 9 && i < len(p); i++ {
			v |= uint64(p[i]&0x7f) << (7 * i)
			if p[i]&0x80 == 0 {
				p = p[i+1:]
				return v, true
			}
		}
		return 0, false
	}
	if flags&0x40 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	if flags&0x80 != 0 {
		if _, ok := varint(); !ok {
			return 0, false
		}
	}
	for i := 0; i < nfilters; i++ {
		id, ok := varint()
		if !ok {
			return 0, false
		}
		psize, ok := varint()
		if !ok || uint64(len(p)) < psize {
			return 0, false
		}
		if id == 0x21 && psize == 1 { // LZMA2
			c := p[0] & 0x3f
			if c > 40 {
				return 1 << 40, true
			}
			if c == 40 {
				return 1<<32 - 1, true
			}
			return int64(2|(c&1)) << (c/2 + 11), true
		}
		p = p[psize:]
	}
	return 0, false
}

// layer is one decoding step: it caps its output at max bytes and gives
// truncation errors their context.
type layer struct {
	name string
	r    io.Reader
	n    int64
	max  int64
	err  error
}

func (l *layer) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.n >= l.max {
		// At the cap: more output means a bomb, EOF means the stream was
		// exactly max bytes long.
		var one [1]byte
		n, err := io.ReadFull(l.r, one[:])
		if n > 0 {
			l.err = fmt.Errorf("%s: more than %d bytes: %w", l.name, l.max, ErrTooLarge)
			return 0, l.err
		}
		if err == io.ErrUnexpectedEOF {
			err = io.EOF
		}
		l.err = l.wrap(err)
		return 0, l.err
	}
	if rem := l.max - l.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err != nil {
		l.err = l.wrap(err)
		err = l.err
	}
	return n, err
}

func (l *layer) wrap(err error) error {
	switch {
	case err == io.EOF:
		return io.EOF
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%s: truncated after %d bytes: %w", l.name, l.n, io.ErrUnexpectedEOF)
	case errors.Is(err, ErrTooLarge):
		return err
	}
	return fmt.Errorf("%s: damaged after %d bytes: %w", l.name, l.n, err)
}

// errReader is a stream that cannot be read, carrying the reason.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
