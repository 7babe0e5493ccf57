package scan

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// recordHandler keeps, for every event, where its line is and a copy of its
// text.
type recordHandler struct {
	mu   sync.Mutex
	seen []string
}

func (h *recordHandler) Worker() func(*event.Event) {
	return func(ev *event.Event) {
		h.mu.Lock()
		h.seen = append(h.seen, fmt.Sprintf("%d@%d %q", ev.Ref.Line, ev.Ref.Offset, ev.Raw))
		h.mu.Unlock()
	}
}

// TestSeekLikeSkip checks Config.Seek's plumbing: a scan given a Seek that
// keeps the lines its Skip filter keeps must hand the handler the same
// events, at the same lines and offsets, and count the same lines and blank
// lines (and the same invalid UTF-8), as the scan with the filter alone —
// on blocks Seek serves and on those it must not (invalid UTF-8 checked
// line by line, lines cut to a small line cap), with lines ending in
// "\r\n", blank lines and a last line with no end.
func TestSeekLikeSkip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	for i := 0; b.Len() < 3<<20; i++ { // several blocks
		switch rng.IntN(20) {
		case 0:
		case 1:
			b.WriteString("\r")
		case 2:
			b.WriteString("keep")
		default:
			fmt.Fprintf(&b, "%s line %d %s", []string{"keep", "drop", "keeper", "kee"}[rng.IntN(4)], i, strings.Repeat("x", rng.IntN(300)))
		}
		b.WriteString([]string{"\n", "\r\n", "\n", "\n"}[rng.IntN(4)])
	}
	text := b.String() + "keep the last line, with no end"
	dir := t.TempDir()
	clean := write(t, filepath.Join(dir, "clean.log"), []byte(text))
	// Invalid UTF-8 in the second block: its lines are checked one by one.
	dirty := write(t, filepath.Join(dir, "dirty.log"), []byte(text[:1500000]+"keep \xff\n"+text[1500000:]))
	// Whether a line is kept depends on its length: a line cut to the line
	// cap is judged as cut.
	keep := func(line string) bool { return FirstField(line) == "keep" && len(line)%2 == 0 }
	var seeks atomic.Int64
	seek := func(text string) (int, int64, int64) {
		seeks.Add(1)
		var lines, blank int64
		for pos := 0; pos < len(text); lines++ {
			line, next := text[pos:], len(text)
			if i := strings.IndexByte(line, '\n'); i >= 0 {
				line, next = line[:i], pos+i+1
			}
			if line = strings.TrimSuffix(line, "\r"); line == "" {
				blank++
			} else if keep(line) {
				return pos, lines, blank
			}
			pos = next
		}
		return len(text), lines, blank
	}
	for _, tc := range []struct {
		name    string
		path    string
		maxLine int
		trust   bool
		seeks   bool // whether Seek must have been called (the blocks with cut lines go without)
	}{
		{"clean", clean, 0, false, true},
		{"trusted", dirty, 0, true, true},
		{"invalid UTF-8 checked", dirty, 0, false, true},
		{"lines cut", clean, 200, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scanWith := func(withSeek bool) ([]string, *Input) {
				h := &recordHandler{}
				cfg := Config{Args: []string{tc.path}, Format: "raw", Workers: 2, MaxLine: tc.maxLine, TrustText: tc.trust, Handler: h,
					Skip: func(*Input) func(string) bool { return func(l string) bool { return !keep(l) } }}
				if withSeek {
					cfg.Seek = func(*Input) func(string) (int, int64, int64) { return seek }
				}
				res := run(t, cfg)
				slices.Sort(h.seen)
				return h.seen, res.Inputs[0]
			}
			want, wantIn := scanWith(false)
			seeks.Store(0)
			got, gotIn := scanWith(true)
			if !slices.Equal(got, want) {
				t.Errorf("%d events with Seek, %d with Skip alone; they differ", len(got), len(want))
			}
			if gotIn.Lines != wantIn.Lines || gotIn.Blank != wantIn.Blank || gotIn.Events != wantIn.Events || gotIn.Unparsed != wantIn.Unparsed {
				t.Errorf("account with Seek: %d lines, %d blank, %d events, %d unparsed; with Skip alone: %d, %d, %d, %d",
					gotIn.Lines, gotIn.Blank, gotIn.Events, gotIn.Unparsed, wantIn.Lines, wantIn.Blank, wantIn.Events, wantIn.Unparsed)
			}
			if !slices.Equal(gotIn.Problems, wantIn.Problems) {
				t.Errorf("problems with Seek %+v, with Skip alone %+v", gotIn.Problems, wantIn.Problems)
			}
			if n := seeks.Load(); tc.seeks && n == 0 {
				t.Errorf("Seek called %d times", n)
			}
			if len(want) < 1000 || int64(len(want)) > wantIn.Lines/3 {
				t.Errorf("%d of %d lines kept: the test proves little", len(want), wantIn.Lines)
			}
		})
	}
}
