package crs

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// scanBlock is the size of the blocks a scan hands to its workers.
const scanBlock = 1 << 20

// loadWorkerShare decodes the lines of a combined-format log that one of
// two scan workers sees: every other 1 MiB block, in order. The memos then
// meet the mix of repeats and first sightings a worker meets in a scan of
// the whole file, which a prefix of the log does not have (its distinct
// URLs are fewer, so they stay in the memo). The fields point into the
// blocks, as a scan's events do.
func loadWorkerShare(b *testing.B, path string) []event.Event {
	b.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skip(err)
	}
	var evs []event.Event
	for off, k := 0, 0; off < len(data); k++ {
		end := min(off+scanBlock, len(data))
		if nl := bytes.LastIndexByte(data[off:end], '\n'); end < len(data) && nl >= 0 {
			end = off + nl + 1
		}
		if k%2 == 0 {
			block := string(data[off:end])
			for line := range strings.SplitSeq(block, "\n") {
				if ev, ok := splitCombined(line); ok {
					evs = append(evs, ev)
				}
			}
		}
		off = end
	}
	return evs
}

// splitCombined is a fast, loose reader of combined lines: enough for the
// fields MayMatch reads, on the generated logs.
func splitCombined(line string) (event.Event, bool) {
	parts := strings.Split(line, `"`)
	if len(parts) < 7 {
		return event.Event{}, false
	}
	req := strings.Fields(parts[1])
	if len(req) < 2 {
		return event.Event{}, false
	}
	ev := event.Event{Kind: event.KindWeb, Method: req[0], URL: req[1], Referrer: parts[3], UserAgent: parts[5]}
	if len(req) > 2 {
		ev.HTTPVersion = req[2]
	}
	return ev, true
}

// BenchmarkMayMatchWorker is MayMatch as one of two workers runs it over
// the generated 200 MB access log (skipped when absent): one op is one
// line, one Screen a pass over the worker's share.
func BenchmarkMayMatchWorker(b *testing.B) {
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	files, _ := filepath.Glob("../../bench/data/access-200MB-*.log")
	if len(files) == 0 {
		b.Skip("no generated 200 MB access log in bench/data")
	}
	sort.Strings(files)
	replayScreen(b, c, loadWorkerShare(b, files[0]))
}
