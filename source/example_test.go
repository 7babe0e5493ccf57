package source_test

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/kizuki-dfir/kizuki/source"
)

// The scan pipeline's loop: expand the arguments, read each file's streams
// line by line, keep the digest as evidence.
func Example() {
	opts := source.Options{Stdin: bytes.NewReader(logsTarGz())} // as if: kizuki scan - < logs.tgz
	files, problems, err := source.Expand([]string{"-"}, opts)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range problems {
		fmt.Println("warning:", p)
	}
	for _, f := range files {
		digest, err := f.Read(opts, func(s *source.Stream) error {
			sc := bufio.NewScanner(s.R)
			lines := 0
			for sc.Scan() {
				lines++ // a decoder would get sc.Text() here
			}
			if err := sc.Err(); err != nil {
				// Truncation or a bomb: report it against the stream, keep going.
				fmt.Printf("%s: %v (too large: %v)\n", s.Name, err, errors.Is(err, source.ErrTooLarge))
				return nil
			}
			fmt.Printf("%s: %d lines, compression %q in %q, member sha256 %.12s…\n",
				s.Name, lines, s.Compression, s.Container, s.Digest().SHA256)
			return nil
		})
		if err != nil {
			fmt.Println("error:", err)
		}
		fmt.Printf("%s: hashed %t, %d members, renamed %d\n", f.Path, digest.Bytes > 0, f.Archive.Members, f.Archive.Renamed)
	}
	// Output:
	// -!var/log/auth.log: 2 lines, compression "" in "tar+gzip", member sha256 9bdda0c27369…
	// -!etc/passwd: 1 lines, compression "" in "tar+gzip", member sha256 e787b373a745…
	// -: hashed true, 2 members, renamed 1
}

// logsTarGz is a small tar.gz with a hostile member name.
func logsTarGz() []byte {
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	for _, m := range []struct{ name, body string }{
		{"var/log/auth.log", "Dec 10 06:55:46 host sshd[24200]: Invalid user webmaster from 203.0.113.9\nDec 10 06:55:48 host sshd[24200]: Failed password for invalid user webmaster from 203.0.113.9 port 38926 ssh2\n"},
		{"../../etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"},
	} {
		tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg})
		io.WriteString(tw, m.body)
	}
	tw.Close()
	gz.Close()
	return b.Bytes()
}
