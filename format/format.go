// Package format recognises log formats and decodes their lines into events.
//
// Each format family lives in its own sub-package (format/access, format/syslog,
// format/auditd, ...) and registers itself with Register from an init function;
// import format/all to get every family. Sniff picks the best format for a
// sample of an input's first lines.
package format

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// Options configure decoders. The zero value is valid: times without a zone are
// UTC and years are inferred from the current year only when RefTime is zero.
type Options struct {
	// Location interprets timestamps that carry no zone or offset (RFC 3164
	// syslog, MySQL general logs, ...). Nil means UTC.
	Location *time.Location
	// RefTime is the latest time the input can hold (its modification time, or
	// that of the newer file of a rotated set). Formats without a year (RFC 3164)
	// place each line in the latest year that is not after RefTime.
	RefTime time.Time
	// AccessFormat is a web server log format string: an nginx log_format
	// ("$remote_addr - $remote_user [$time_local] ...") or an Apache LogFormat
	// ("%h %l %u %t \"%r\" %>s %b"). Empty means the standard formats.
	AccessFormat string
}

// Loc returns the location for zone-less timestamps.
func (o Options) Loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

// Emit receives decoded events. The event is only valid during the call: the
// receiver copies what it keeps.
type Emit func(*event.Event)

// A Decoder turns the lines of one input into events.
//
// Decode is called once for every line, in order, without the line terminator.
// It emits zero events (the line continues a record being assembled), one, or
// more (a line that completes a pending record and starts another). A line that
// is not in the decoder's format must be emitted as a raw event (see Raw): lines
// are never dropped. Flush emits whatever record is still pending at the end.
//
// Decoders are not safe for concurrent use; the pipeline makes one per input
// (or, for Stateless formats, one per worker).
type Decoder interface {
	Decode(line string, ref event.Ref, emit Emit)
	Flush(emit Emit)
}

// Format describes one log format.
type Format struct {
	// Name is the format's identifier, as given to --format and written in
	// findings: "nginx.access", "syslog", "auditd", "mysql.slow", ...
	Name string
	// Description is one line for `kizuki formats` and --help.
	Description string
	// Stateless formats decode every line on its own, so the pipeline may split
	// a large input into chunks and decode them in parallel.
	Stateless bool
	// Sniff scores how well a sample of an input's first non-empty lines fits
	// the format: 0 (not at all) to 100 (certain). Typically the percentage of
	// sample lines that decode.
	Sniff func(sample []string) int
	// New returns a decoder configured by opts, or an error when opts are
	// invalid for this format (for example a malformed AccessFormat).
	New func(opts Options) (Decoder, error)
}

var (
	mu      sync.RWMutex
	formats = map[string]*Format{}
)

// Register makes a format available by name. It panics on duplicate names or
// incomplete descriptions, which are programming errors.
func Register(f *Format) {
	if f.Name == "" || f.Sniff == nil || f.New == nil {
		panic("format: Register of incomplete format " + f.Name)
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := formats[f.Name]; dup {
		panic("format: Register called twice for " + f.Name)
	}
	formats[f.Name] = f
}

// Lookup returns the format registered under name.
func Lookup(name string) (*Format, error) {
	mu.RLock()
	defer mu.RUnlock()
	if f, ok := formats[name]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(namesLocked(), ", "))
}

// All returns every registered format, sorted by name.
func All() []*Format {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]*Format, 0, len(formats))
	for _, n := range namesLocked() {
		out = append(out, formats[n])
	}
	return out
}

func namesLocked() []string {
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MinScore is the lowest sniff score Sniff accepts.
const MinScore = 30

// Sniff returns the format that best fits sample (the first non-empty lines of
// an input) and its score, or nil when no format scores at least MinScore.
// Ties go to the format whose name sorts first, so the choice is deterministic.
func Sniff(sample []string) (*Format, int) {
	var best *Format
	bestScore := 0
	for _, f := range All() {
		if s := f.Sniff(sample); s > bestScore {
			best, bestScore = f, s
		}
	}
	if bestScore < MinScore {
		return nil, bestScore
	}
	return best, bestScore
}

// Raw fills ev as a raw event for a line no decoder understood.
func Raw(ev *event.Event, line string, ref event.Ref) {
	ev.Reset()
	ev.Kind = event.KindRaw
	ev.Raw = line
	ev.Ref = ref
}

// SniffLines is a Sniff helper for line-oriented formats: it returns the
// percentage of sample lines for which match reports true.
func SniffLines(sample []string, match func(string) bool) int {
	if len(sample) == 0 {
		return 0
	}
	n := 0
	for _, l := range sample {
		if match(l) {
			n++
		}
	}
	return n * 100 / len(sample)
}

// DecodeLines decodes a handful of lines (a rule's test cases, an evidence
// line being explained) with a fresh decoder of the named format, and returns
// copies of the events it emits: numbered from line 1, offsets as if the lines
// were one file.
func DecodeLines(name string, opts Options, lines []string) ([]event.Event, error) {
	f, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	d, err := f.New(opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []event.Event
	emit := func(ev *event.Event) {
		c := *ev
		c.Extra = append([]event.KV(nil), ev.Extra...)
		out = append(out, c)
	}
	var off int64
	for i, l := range lines {
		d.Decode(l, event.Ref{Line: int64(i + 1), Offset: off}, emit)
		off += int64(len(l)) + 1
	}
	d.Flush(emit)
	return out, nil
}
