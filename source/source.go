// Package source finds the inputs a user names and streams their bytes: files,
// folders, globs, stdin; gzip/bzip2/xz/zstd sniffed by magic bytes;
// tar/tar.gz/tgz/zip read in place.
//
// Inputs are evidence. Every file is opened read-only, nothing is written,
// created or chmod-ed anywhere (no temp files, no extraction), and every
// input's on-disk bytes are hashed (SHA-256 and SHA-1) in the same pass that
// feeds the decoders. Archive members are streamed, never extracted; their
// names are sanitised so a hostile archive cannot make a display name absolute
// or climb out with "..".
//
// Expand turns the user's arguments into an ordered list of Files (rotation
// sets oldest first); File.Read streams each File's contents.
package source

import (
	"errors"
	"io"
	"time"
)

// DefaultMaxBytes is the decompressed size cap used when Options.MaxBytes is 0.
//
// It has to sit far above any real log (a busy web server writes a few GiB a
// day, and a month of rotated logs concatenated in one tarball is plausible)
// yet well below what a decompression bomb produces: a 64 MiB gzip of zeros
// already expands to 64 GiB, and zip/xz/zstd bombs go further. At the
// ~200 MB per CPU second gzip decodes here, the cap also bounds the time a
// bomb can waste to a few minutes.
const DefaultMaxBytes int64 = 64 << 30

// ErrTooLarge is wrapped by the error a Stream's reader returns once a
// decompression layer has produced more than Options.MaxBytes bytes.
var ErrTooLarge = errors.New("decompressed size limit exceeded")

// ErrChanged is wrapped by the error Read returns when a file's size or
// modification time changed while it was being read (a live log being
// written to). See File.Read for what the digest then covers.
var ErrChanged = errors.New("file changed while being read")

// ErrNestedArchive is wrapped by the error a Stream's reader returns when an
// archive member is itself an archive (a zip inside a tar, a tar inside a zip).
// Archives are read one level deep only, so a hostile input cannot recurse
// without bound; the caller reports the member so the user can extract it and
// scan the folder.
var ErrNestedArchive = errors.New("nested archive not read")

// Options configure Expand and File.Read. The zero value is valid.
type Options struct {
	// MaxBytes caps the decompressed bytes read from any one stream (a
	// decompression bomb is reported, not obeyed). Every decompression layer is
	// capped separately, so a bomb hidden in a member of a compressed archive
	// is caught too. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Stdin is read for the argument "-" (nil means os.Stdin).
	Stdin io.Reader
	// NoFollowSymlinks makes Expand skip (and report) symbolic links met while
	// walking a folder, instead of following them. Use it on a collected
	// evidence folder, where an absolute link would point into the analyst's
	// own machine. Links named explicitly as arguments are always followed.
	NoFollowSymlinks bool
	// FingerprintOnly makes Read skip SHA-256 and SHA-1 and compute only
	// Digest.Fingerprint: for a second read of files read and hashed
	// before in the same process, which compares fingerprints to show it
	// read the same bytes (see triage's investigation pass).
	FingerprintOnly bool
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

// File is one input found by Expand.
type File struct {
	Arg     string    // the argument as given that led here
	Path    string    // path as the user would write it (relative if given relative); "-" for stdin
	Abs     string    // absolute, cleaned path ("-" for stdin); symbolic links are not resolved
	Size    int64     // bytes on disk (-1 for stdin and named pipes)
	ModTime time.Time // zero for stdin
	Group   string    // rotation set key (e.g. "/abs/dir/access.log"); single files have their own Abs
	Seq     int       // position in the set, 0 = oldest

	// Archive holds what the last Read found in an archive: its kind and the
	// members it skipped or renamed, so the caller can report them. Nil until
	// Read meets a tar or zip.
	Archive *ArchiveStats
}

// ArchiveStats counts an archive's members.
type ArchiveStats struct {
	Kind    string // "tar" or "zip" (the tar may be compressed: see Stream.Container)
	Members int    // regular members streamed
	// Skipped counts members that hold no readable bytes of their own and were
	// not streamed: symbolic and hard links, devices, FIFOs. Directories are
	// not counted. (Sparse files are regular: their holes read as zeros,
	// under the MaxBytes cap.)
	Skipped int
	// Renamed counts members whose name had to be sanitised (absolute, "..",
	// backslashes, control characters, invalid UTF-8).
	Renamed int
}

// Stream is one sequence of bytes inside a File: the file itself, or one
// member of an archive.
type Stream struct {
	Name string // display name: f.Path, or f.Path + "!" + member for archive members
	// Member is the cleaned member path ("" for plain files): relative, no
	// ".." element, never contains "../", no control characters (escaped as
	// %XX, as are invalid UTF-8 bytes). See Renamed.
	Member string
	// Compression is the encoding undone to produce R for this stream: "",
	// "gzip", "bzip2", "xz", "zstd". An archive member that is itself an
	// archive has "tar" or "zip" here and an R that fails with
	// ErrNestedArchive.
	Compression string
	// Container is the archive holding this member: "tar", "tar+gzip",
	// "tar+bzip2", "tar+xz", "tar+zstd" or "zip"; "" for a plain file.
	Container string
	ModTime   time.Time
	// Renamed reports that the member's stored name was unsafe or unreadable
	// and Member is a sanitised form of it; Original is the stored name, quoted
	// with strconv.Quote so it is safe to print.
	Renamed  bool
	Original string
	// R is the decompressed bytes. After MaxBytes it returns an error
	// wrapping ErrTooLarge; a truncated compressed stream returns an error
	// wrapping io.ErrUnexpectedEOF with context. The bytes before a
	// truncation are delivered first.
	R io.Reader

	digest func() Digest
}

// Digest of the stream's own bytes, valid once R is at EOF or after Read
// drained it. For a plain or compressed file it is the file's digest (of its
// on-disk bytes). For an archive member it is the digest of the member's
// content as extracting it would produce: tar stores members as is; for zip
// this is after the zip's own Deflate is undone (the bytes `unzip` writes and
// the CRC-32 covers), so `sha256sum` of an extracted member matches.
func (s *Stream) Digest() Digest {
	if s.digest == nil {
		return Digest{}
	}
	return s.digest()
}
