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

// keepHandler keeps the URL of every event without copying it, breaking
// Handler's contract on purpose.
type keepHandler struct {
	mu   sync.Mutex
	urls []string
}

func (h *keepHandler) Worker() func(*event.Event) {
	return func(ev *event.Event) {
		h.mu.Lock()
		h.urls = append(h.urls, ev.URL)
		h.mu.Unlock()
	}
}

// TestReleasedBlocksArePoisoned: in test binaries a recycled block is
// overwritten when released, so a handler that keeps an event's strings
// without copying them reads garbage and fails its own tests instead of
// passing them by luck until the buffer is reused.
func TestReleasedBlocksArePoisoned(t *testing.T) {
	if !poisonReleased {
		t.Fatal("poisoning is off in a test binary")
	}
	var log strings.Builder
	for i := range 3000 { // several blocks
		fmt.Fprintf(&log, "10.0.0.1 - - [16/Nov/2026:00:00:%02d +0000] \"GET /page/%06d HTTP/1.1\" 200 512 \"-\" \"curl/8.0\"\n", i%60, i)
	}
	path := write(t, filepath.Join(t.TempDir(), "access.log"), []byte(log.String()))
	h := &keepHandler{}
	run(t, Config{Args: []string{path}, Handler: h})
	if len(h.urls) != 3000 {
		t.Fatalf("%d events, want 3000", len(h.urls))
	}
	for _, u := range h.urls {
		if strings.HasPrefix(u, "/page/") {
			t.Fatalf("a kept URL %q survived its block's release", u)
		}
	}
}

// TestBlocksRecycled: a by-block scan reuses its buffers, so a 16 MiB log
// read with a handler that keeps nothing allocates far less than it reads
// (without recycling, every MiB read was a fresh MiB allocated and zeroed).
func TestBlocksRecycled(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 16<<20; i++ {
		fmt.Fprintf(&b, "192.0.2.%d - - [19/May/2025:03:00:00 +0000] \"GET /p%d/%s HTTP/1.1\" 200 %d \"-\" \"ua\"\n",
			i%250, i, strings.Repeat("x", i%97), i)
	}
	p := write(t, filepath.Join(t.TempDir(), "access.log"), []byte(b.String()))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	run(t, Config{Args: []string{p}, Workers: 1, Handler: &countHandler{}})
	runtime.ReadMemStats(&after)
	if alloc, size := after.TotalAlloc-before.TotalAlloc, uint64(b.Len()); alloc > size/2 {
		t.Errorf("%d bytes read, %d allocated: block buffers are not recycled", size, alloc)
	}
}
