package scan

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/kizuki-dfir/kizuki/event"
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

// keepHandler keeps, for every event, its URL as a clone and as the string
// the event held (against the Handler contract, to see the buffer change).
type keepHandler struct {
	mu   sync.Mutex
	urls map[int64][2]string // line number -> clone, string kept as given
}

func (h *keepHandler) Worker() func(*event.Event) {
	return func(ev *event.Event) {
		h.mu.Lock()
		h.urls[ev.Ref.Line] = [2]string{strings.Clone(ev.URL), ev.URL}
		h.mu.Unlock()
	}
}

// TestReuseBlocks checks Config.ReuseBlocks on a 16 MiB access log: the
// events are the same with and without it (the copies a handler makes are
// equal), the buffers are really reused (strings kept without a copy
// change, which they must not without it), and the scan allocates a
// fraction of the bytes it reads.
func TestReuseBlocks(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 16<<20; i++ {
		fmt.Fprintf(&b, "192.0.2.%d - - [19/May/2025:03:00:00 +0000] \"GET /p%d/%s HTTP/1.1\" 200 %d \"-\" \"ua\"\n",
			i%250, i, strings.Repeat("x", i%97), i)
	}
	p := write(t, filepath.Join(t.TempDir(), "access.log"), []byte(b.String()))
	keep := func(reuse bool) map[int64][2]string {
		h := &keepHandler{urls: map[int64][2]string{}}
		run(t, Config{Args: []string{p}, Workers: 2, Handler: h, ReuseBlocks: reuse})
		return h.urls
	}
	alloc := func(reuse bool) uint64 { // with a handler that allocates nothing
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		run(t, Config{Args: []string{p}, Workers: 1, Handler: &countHandler{}, ReuseBlocks: reuse})
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	fresh, reused := keep(false), keep(true)
	if len(fresh) != len(reused) || len(fresh) < 20000 {
		t.Fatalf("%d events without reuse, %d with", len(fresh), len(reused))
	}
	changed := 0
	for line, f := range fresh {
		r := reused[line]
		if f[0] != f[1] {
			t.Fatalf("line %d: without reuse, the URL kept changed: %q, was %q", line, f[1], f[0])
		}
		if r[0] != f[0] {
			t.Fatalf("line %d: URL %q with reuse, %q without", line, r[0], f[0])
		}
		if r[1] != r[0] {
			changed++
		}
	}
	if changed == 0 {
		t.Error("with reuse, no URL kept without a copy changed: were buffers reused?")
	}
	freshAlloc, reusedAlloc := alloc(false), alloc(true)
	if size := uint64(b.Len()); freshAlloc < size || reusedAlloc > size/2 {
		t.Errorf("%d bytes read: allocated %d bytes with reuse, %d without", size, reusedAlloc, freshAlloc)
	}
	t.Logf("allocated %d bytes with reuse, %d without; %d kept URLs changed", reusedAlloc, freshAlloc, changed)
}
