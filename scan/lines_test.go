package scan

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

type cutLine struct {
	num       int64
	text      string
	truncated bool
}

func readAll(t *testing.T, r io.Reader, maxLine int) ([]cutLine, int64, error) {
	t.Helper()
	br := newBlockReader(r, maxLine)
	var out []cutLine
	var end int64
	for {
		b, err := br.Next()
		if err != nil {
			return out, end, err
		}
		eachLine(b, maxLine, func(num, _ int64, line string, cut bool) {
			out = append(out, cutLine{num, line, cut})
		})
		end = br.offset
	}
}

func TestBlockReader(t *testing.T) {
	long := strings.Repeat("A", 100)
	tests := []struct {
		name    string
		in      string
		maxLine int
		want    []cutLine
	}{
		{"empty", "", 64, nil},
		{"one line no newline", "abc", 64, []cutLine{{1, "abc", false}}},
		{"lines", "a\nbb\n\nccc\n", 64, []cutLine{{1, "a", false}, {2, "bb", false}, {3, "", false}, {4, "ccc", false}}},
		{"overlong middle", "x\n" + long + "\ny\n", 10, []cutLine{{1, "x", false}, {2, long[:10], true}, {3, "y", false}}},
		{"overlong last unterminated", "x\n" + long, 10, []cutLine{{1, "x", false}, {2, long[:10], true}}},
		{"crlf kept for decoder", "a\r\nb\r\n", 64, []cutLine{{1, "a\r", false}, {2, "b\r", false}}},
	}
	for _, tc := range tests {
		for _, wrap := range []struct {
			name string
			f    func(io.Reader) io.Reader
		}{{"whole", func(r io.Reader) io.Reader { return r }}, {"onebyte", iotest.OneByteReader}} {
			t.Run(tc.name+"/"+wrap.name, func(t *testing.T) {
				got, end, err := readAll(t, wrap.f(strings.NewReader(tc.in)), tc.maxLine)
				if !errors.Is(err, io.EOF) {
					t.Fatalf("err = %v, want EOF", err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got %d lines %+v, want %d", len(got), got, len(tc.want))
				}
				for i := range got {
					if got[i] != tc.want[i] {
						t.Errorf("line %d = %+v, want %+v", i, got[i], tc.want[i])
					}
				}
				if end != int64(len(tc.in)) {
					t.Errorf("offset at end = %d, want %d", end, len(tc.in))
				}
			})
		}
	}
}

func TestBlockReaderKeepsDataBeforeError(t *testing.T) {
	boom := errors.New("gzip: truncated")
	r := io.MultiReader(strings.NewReader("a\nb\npartial"), iotest.ErrReader(boom))
	got, _, err := readAll(t, r, 64)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
	if len(got) != 3 || got[2].text != "partial" {
		t.Fatalf("got %+v, want the three lines before the error", got)
	}
}

func TestBlockReaderBoundedMemory(t *testing.T) {
	// A 50 MB line must not be held: the reader's buffer stays at its size.
	r := io.MultiReader(strings.NewReader("first\n"), io.LimitReader(neverNewline{}, 50<<20), strings.NewReader("\nlast\n"))
	br := newBlockReader(r, 1<<16)
	var lines []string
	for {
		b, err := br.Next()
		if err != nil {
			break
		}
		for _, l := range strings.Split(strings.TrimSuffix(b.text, "\n"), "\n") {
			lines = append(lines, l[:min(len(l), 8)])
		}
		if cap(br.buf) > blockSize+1<<16+1 {
			t.Fatalf("buffer grew to %d", cap(br.buf))
		}
	}
	if len(lines) != 3 || lines[0] != "first" || lines[2] != "last" {
		t.Fatalf("lines = %q", lines)
	}
}

type neverNewline struct{}

func (neverNewline) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'Z'
	}
	return len(p), nil
}
