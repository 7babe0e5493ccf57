// Package scan runs kizuki's pipeline over the inputs a user names: it expands
// them into streams (source), picks and runs a decoder for each (format), hands
// every event to a Handler (detection), and keeps an honest account of what it
// read and what it could not.
//
// Work is spread over all cores. Inputs of a stateless format are cut into
// blocks of whole lines decoded in parallel; other inputs are decoded in order,
// several inputs at a time. Memory stays bounded whatever the input size: a
// few blocks per worker are in flight, and events live only while handlers
// look at them.
package scan

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
	"github.com/kizuki-dfir/kizuki/format"
	_ "github.com/kizuki-dfir/kizuki/format/all"
	"github.com/kizuki-dfir/kizuki/source"
)

// DefaultMaxLine caps the bytes kept of one line. Longer lines are cut, decoded
// from their first DefaultMaxLine bytes, and counted: a 50 MB line costs no
// more memory than this.
const DefaultMaxLine = 1 << 20

// Handler receives the pipeline's events. Worker is called once per goroutine
// that produces events (many times per scan); the function it returns is only
// ever called from that goroutine, so it may keep unsynchronised state. Events
// are valid only during the call: copy (strings.Clone) whatever is kept.
type Handler interface {
	Worker() func(*event.Event)
}

// InputWatcher is implemented by handlers that want to know each input
// before its events arrive: Input is called with the id events will carry in
// Ref.Input and the input's display path.
type InputWatcher interface {
	Input(id int32, path string)
}

// Config says what to scan and how.
type Config struct {
	Args    []string       // files, folders, globs, "-" for stdin
	Source  source.Options // decompression caps, stdin
	Format  string         // force this format for every input; "" sniffs each
	Decode  format.Options // zone, custom access format (RefTime is set per input)
	Workers int            // decoding goroutines; 0 means GOMAXPROCS
	MaxLine int            // 0 means DefaultMaxLine
	Samples int            // unparsed lines kept per input; 0 means 5
	Handler Handler        // may be nil (parse only)
	// Skip, if set, is asked once for each stateless input, when its format
	// is known, for a filter of its lines (nil: decode them all): lines the
	// filter reports are counted but not decoded. A pass that needs only
	// some lines (the investigation's, which looks for a few addresses)
	// saves most of the decoding this way, and may choose the filter by
	// what an earlier pass learned of the input (Input.Shape). Inputs
	// decoded in order see every line: their records span lines.
	Skip func(in *Input) func(line string) bool
	// Seek, if set, is asked after Skip for each input Skip gave a filter,
	// for the same filter in a form that passes over many lines in one
	// call (nil: none). Given text, whole lines from a line's start, it
	// returns where the first line the filter keeps begins — a line that
	// is not blank once a trailing "\r" is cut and that the filter does
	// not report — or len(text) if there is none, and how many lines, and
	// how many blank ones among them, come before. It must keep exactly
	// the lines the filter keeps; it saves the calls and the bookkeeping
	// per line, and finds line ends where it looks at the lines' bytes.
	// Blocks whose lines are checked one by one (text not known to be
	// valid UTF-8 without NUL bytes) or may be cut to the line cap go
	// through the filter instead.
	Seek func(in *Input) func(text string) (start int, lines, blank int64)
	// TrustText leaves out the checks for invalid UTF-8 and NUL bytes of
	// every line not cut to the line cap (the inputs' invalid_utf8 and
	// binary_line counts miss those lines): for a later pass over bytes an
	// earlier one checked, which needs the lines and not that account. The
	// checks cost about 0.1 CPU-s a GB.
	TrustText bool
	// Progress, if set, is updated as the scan goes; read it from any goroutine.
	Progress *Progress
}

// Progress counts work done, for a progress bar.
type Progress struct {
	TotalBytes atomic.Int64 // bytes on disk of all files (known after expansion; stdin unknown)
	DiskBytes  atomic.Int64 // bytes on disk of finished files
	ReadBytes  atomic.Int64 // decompressed bytes read so far
	FilesTotal atomic.Int64
	FilesDone  atomic.Int64
}

// Result is the account of a scan.
type Result struct {
	// Inputs lists every stream read, in a deterministic order (the order of
	// the expanded files, archive members in archive order).
	Inputs []*Input
	// Files lists the files read, in expansion order, with their on-disk
	// digests: what the evidence manifest records.
	Files []File
	// Problems are inputs that could not be opened or listed.
	Problems []string
	byID     map[int32]*Input
}

// File is one file read (or stdin), hashed while it was read.
type File struct {
	*source.File
	Digest source.Digest
	Inputs []*Input // its streams: the file itself, or its archive members
}

// Input returns the input an event's Ref points to.
func (r *Result) Input(id int32) *Input { return r.byID[id] }

// Summary totals the inputs.
func (r *Result) Summary() findings.Summary {
	var s findings.Summary
	s.Inputs = len(r.Inputs)
	for _, in := range r.Inputs {
		s.Bytes += in.Bytes
		s.Lines += in.Lines
		s.Parsed += in.Parsed
		s.Unparsed += in.Unparsed
		s.Events += in.Events
	}
	return s
}

// Input is the account of one stream, in findings form, plus its identity.
type Input struct {
	findings.Input
	ID int32
	// Shape is what the events decoded from the input had in common, for a
	// stateless input every line of which was decoded (no Skip filter).
	Shape Shape

	order             [2]int // file index, stream index within the file
	mu                sync.Mutex
	problems          map[string]*findings.Problem
	addressElsewhere  bool
	urlElsewhere      bool
	urlOutsideRequest bool
	urlNotTarget      bool
	stateless         bool // decoded in blocks
	filtered          bool // some of its lines were not decoded (Config.Skip)
}

func (in *Input) addProblem(kind, msg string, n int64) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.problems == nil {
		in.problems = map[string]*findings.Problem{}
	}
	p := in.problems[kind]
	if p == nil {
		p = &findings.Problem{Kind: kind, Message: msg}
		in.problems[kind] = p
	}
	p.Count += n
}

// Shape is what the events of an input had in common, observed while its
// lines were decoded. Decoding is deterministic: the same bytes, cut into the
// same blocks, decode into the same events, so a later pass over bytes shown
// to be the same (source.Digest.Fingerprint) may rely on the shape to rule
// lines out before decoding them.
type Shape struct {
	// Kinds has bit 1<<k set for each event.Kind k that occurred.
	Kinds uint32
	// LeadingAddress reports that every event with a source address had it
	// as its line's first field: the text before the first space (the whole
	// line if it has none). A line whose first field is not a given address
	// then decodes into no event from that address.
	LeadingAddress bool
	// URLInLine reports that every event's URL was its line's text,
	// unchanged: a line that does not contain a given path decodes into no
	// request for it.
	URLInLine bool
	// URLInRequest reports, more narrowly, that every event's URL was
	// unchanged text of its line's RequestField: a line whose request field
	// does not contain a given path decodes into no request for it, and
	// that field is a fifth of an access-log line.
	URLInRequest bool
	// URLIsTarget reports, more narrowly still, that every event's URL was
	// its line's RequestTarget: which URL path a line's request asks for is
	// then known from its bytes before decoding, and can be looked up
	// rather than searched for.
	URLIsTarget bool
	known       bool // every line of a stateless input was decoded
}

// Known reports whether the shape describes every line of the input: it was
// decoded in blocks (a stateless format), with no line filter.
func (s Shape) Known() bool { return s.known }

// Has reports whether events of kind k occurred.
func (s Shape) Has(k event.Kind) bool { return s.Kinds&(1<<k) != 0 }

// FirstField is the text of line before its first space, the whole line if
// it has none: where most logs put the client address.
func FirstField(line string) string {
	if i := strings.IndexByte(line, ' '); i >= 0 {
		return line[:i]
	}
	return line
}

// RequestField is the text between the first two double quotes of line, ""
// if it has fewer than two: the request line of the access-log formats
// ("GET /path HTTP/1.1"). Which field of a line it finds depends only on the
// line's bytes, so the same bytes always give the same field.
func RequestField(line string) string {
	i := strings.IndexByte(line, '"')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(line[i+1:], '"')
	if j < 0 {
		return ""
	}
	return line[i+1 : i+1+j]
}

// RequestTarget is the request target in line's RequestField: the text
// after the field's first space and before its last one ("/path" in
// "GET /path HTTP/1.1"), or to the field's end if it has one space only;
// "" if it has none. Like RequestField it depends only on the line's bytes.
func RequestTarget(line string) string {
	return requestTarget(RequestField(line))
}

// FromRequestTarget is line from where its RequestTarget begins to its end:
// RequestTarget(line) is always a prefix of it. It is found without
// looking for the request field's end, so a filter can rule out the lines
// whose target cannot begin with a given text in a few byte comparisons.
func FromRequestTarget(line string) string {
	i := strings.IndexByte(line, '"')
	if i < 0 {
		return ""
	}
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case ' ': // the field's first space: the target follows
			return line[j+1:]
		case '"': // the field ends with no space: its target is ""
			return ""
		}
	}
	return ""
}

// requestTarget is RequestTarget given the line's RequestField.
func requestTarget(field string) string {
	i := strings.IndexByte(field, ' ')
	if i < 0 {
		return ""
	}
	t := field[i+1:]
	if j := strings.LastIndexByte(t, ' '); j >= 0 {
		t = t[:j]
	}
	return t
}

// within reports whether s is a slice of line: decoders that cut fields out
// of the line (most) give strings that share its memory, which this tells in
// constant time, where strings.Contains would search.
func within(s, line string) bool {
	if s == "" || line == "" {
		return false
	}
	p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(line)))
	return p >= lo && p+uintptr(len(s)) <= lo+uintptr(len(line))
}

// tally is what one decoding goroutine learned about part of an input; tallies
// merge commutatively, so parallel decoding gives the same account.
type tally struct {
	lines, blank, unparsed, events, truncated, invalidUTF8, binary int64
	first, last                                                    time.Time
	samples                                                        []findings.Sample
	kinds                                                          uint32
	addressElsewhere                                               bool // an event's source address was not its line's first field
	urlElsewhere                                                   bool // an event's URL was not in its line
	urlOutsideRequest                                              bool // an event's URL was not a slice of its line's RequestField
	urlNotTarget                                                   bool // an event's URL was not its line's RequestTarget
}

func (t *tally) merge(in *Input, keep int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.Lines += t.lines
	in.Blank += t.blank
	in.Unparsed += t.unparsed
	in.Events += t.events
	in.Shape.Kinds |= t.kinds
	in.addressElsewhere = in.addressElsewhere || t.addressElsewhere
	in.urlElsewhere = in.urlElsewhere || t.urlElsewhere
	in.urlOutsideRequest = in.urlOutsideRequest || t.urlOutsideRequest
	in.urlNotTarget = in.urlNotTarget || t.urlNotTarget
	if !t.first.IsZero() && (in.FirstTime == nil || t.first.Before(*in.FirstTime)) {
		f := t.first
		in.FirstTime = &f
	}
	if !t.last.IsZero() && (in.LastTime == nil || t.last.After(*in.LastTime)) {
		l := t.last
		in.LastTime = &l
	}
	// Keep the earliest lines whatever order blocks finished in.
	in.Samples = append(in.Samples, t.samples...)
	sort.Slice(in.Samples, func(i, j int) bool { return in.Samples[i].Line < in.Samples[j].Line })
	if len(in.Samples) > keep {
		in.Samples = in.Samples[:keep]
	}
	if in.problems == nil {
		in.problems = map[string]*findings.Problem{}
	}
	add := func(kind, msg string, n int64) {
		if n == 0 {
			return
		}
		p := in.problems[kind]
		if p == nil {
			p = &findings.Problem{Kind: kind, Message: msg}
			in.problems[kind] = p
		}
		p.Count += n
	}
	add("line_too_long", "lines longer than the line cap were cut to the cap and decoded from their start", t.truncated)
	add("invalid_utf8", "lines with invalid UTF-8 were kept byte for byte", t.invalidUTF8)
	add("binary_line", "lines with NUL bytes (binary data inside a text log)", t.binary)
}

// sampleCap bounds the text kept of an unparsed sample line.
const sampleCap = 512

// lineDecoder decodes the lines of one part of an input and keeps its tally.
type lineDecoder struct {
	dec     format.Decoder
	skip    func(string) bool
	trusted bool   // Config.TrustText
	line    string // being decoded, for the shape
	input   int32
	maxLine int
	keep    int
	handle  func(*event.Event)
	t       tally
	emit    format.Emit
	// seek is Config.Seek's function for skip, or nil.
	seek func(string) (int, int64, int64)
}

func newLineDecoder(dec format.Decoder, input int32, maxLine, keep int, handle func(*event.Event)) *lineDecoder {
	ld := &lineDecoder{dec: dec, input: input, maxLine: maxLine, keep: keep, handle: handle}
	ld.emit = ld.onEvent
	return ld
}

func (ld *lineDecoder) onEvent(ev *event.Event) {
	if ev.Kind == event.KindRaw {
		ld.t.unparsed++
		if len(ld.t.samples) < ld.keep {
			text := ev.Raw
			if len(text) > sampleCap {
				text = text[:sampleCap]
			}
			ld.t.samples = append(ld.t.samples, findings.Sample{Line: ev.Ref.Line, Text: strings.Clone(text)})
		}
	} else {
		ld.t.events++
	}
	ld.t.kinds |= 1 << ev.Kind
	if ev.SourceIP != "" && !ld.t.addressElsewhere && FirstField(ld.line) != ev.SourceIP {
		ld.t.addressElsewhere = true
	}
	if ev.URL != "" && !ld.t.urlElsewhere && !within(ev.URL, ld.line) && !strings.Contains(ld.line, ev.URL) {
		ld.t.urlElsewhere = true
	}
	if ev.URL != "" && !ld.t.urlOutsideRequest {
		field := RequestField(ld.line)
		switch {
		case !within(ev.URL, field):
			ld.t.urlOutsideRequest, ld.t.urlNotTarget = true, true
		case !ld.t.urlNotTarget && ev.URL != requestTarget(field):
			ld.t.urlNotTarget = true
		}
	}
	if tm := ev.Time; !tm.IsZero() {
		if ld.t.first.IsZero() || tm.Before(ld.t.first) {
			ld.t.first = tm
		}
		if tm.After(ld.t.last) {
			ld.t.last = tm
		}
	}
	if ld.handle != nil {
		ld.handle(ev)
	}
}

func (ld *lineDecoder) block(b block) {
	// Nearly every block is valid UTF-8 without NUL bytes: checked whole,
	// at memory speed, its lines need no check of their own. A line cut to
	// the line cap may end inside a character, so cut lines are checked.
	clean := ld.trusted || utf8.ValidString(b.text) && strings.IndexByte(b.text, 0) < 0
	if ld.seek != nil && clean && len(b.truncated) == 0 && !mayCut(b.text, ld.maxLine) {
		ld.seekBlock(b)
		return
	}
	eachLine(b, ld.maxLine, func(num, off int64, line string, cut bool) {
		ld.t.lines++
		if cut {
			ld.t.truncated++
		}
		line = strings.TrimSuffix(line, "\r")
		if !clean || cut {
			if !utf8.ValidString(line) {
				ld.t.invalidUTF8++
			}
			if strings.IndexByte(line, 0) >= 0 {
				ld.t.binary++
			}
		}
		if line == "" {
			ld.t.blank++
			return
		}
		if ld.skip != nil && ld.skip(line) {
			return
		}
		ld.line = line
		ld.dec.Decode(line, event.Ref{Input: ld.input, Line: num, Offset: off}, ld.emit)
	})
}

// mayCut reports whether text, whole lines, may hold a line longer than
// maxLine (without its "\n"), which eachLine would cut.
func mayCut(text string, maxLine int) bool {
	return len(text) > maxLine+1 || len(text) == maxLine+1 && text[maxLine] != '\n'
}

// seekBlock is block for a filtered block whose lines need no checks and
// none of which is cut: ld.seek passes over the lines the filter reports,
// and only the lines it keeps are looked at here.
func (ld *lineDecoder) seekBlock(b block) {
	text, num := b.text, b.firstLine
	for pos := 0; ; {
		k, lines, blank := ld.seek(text[pos:])
		ld.t.lines += lines
		ld.t.blank += blank
		num += lines
		pos += k
		if pos >= len(text) {
			return
		}
		line, next := text[pos:], len(text)
		if i := strings.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], pos+i+1
		}
		ld.t.lines++
		line = strings.TrimSuffix(line, "\r")
		ld.line = line
		ld.dec.Decode(line, event.Ref{Input: ld.input, Line: num, Offset: b.offset + int64(pos)}, ld.emit)
		num++
		pos = next
	}
}

func (ld *lineDecoder) flush(in *Input) {
	ld.dec.Flush(ld.emit)
	ld.t.merge(in, ld.keep)
	ld.t = tally{}
}

// job is a block of a stateless input for the worker pool.
type job struct {
	b     block
	in    *Input
	f     *format.Format
	opts  format.Options
	skip  func(string) bool
	seek  func(string) (int, int64, int64)
	ready *sync.WaitGroup
}

// Run scans the inputs cfg names. It returns an error only for usage errors
// (unknown format, no inputs, a bad access format); everything wrong with an
// input is in its account.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = DefaultMaxLine
	}
	if cfg.Samples <= 0 {
		cfg.Samples = 5
	}
	var forced *format.Format
	if cfg.Format != "" {
		f, err := format.Lookup(cfg.Format)
		if err != nil {
			return nil, err
		}
		forced = f
	}
	if cfg.Decode.AccessFormat != "" {
		f, err := format.Lookup("access.custom")
		if err != nil {
			return nil, fmt.Errorf("--access-format: %w", err)
		}
		if _, err := f.New(cfg.Decode); err != nil {
			return nil, fmt.Errorf("--access-format: %w", err)
		}
	}
	files, problems, err := source.Expand(cfg.Args, cfg.Source)
	if err != nil {
		return nil, err
	}
	res := &Result{byID: map[int32]*Input{}}
	for _, p := range problems {
		res.Problems = append(res.Problems, p.Error())
	}
	prog := cfg.Progress
	if prog == nil {
		prog = &Progress{}
	}
	prog.FilesTotal.Store(int64(len(files)))
	for _, f := range files {
		if f.Size > 0 {
			prog.TotalBytes.Add(f.Size)
		}
	}

	res.Files = make([]File, len(files))
	s := &scanner{cfg: cfg, forced: forced, res: res, prog: prog, jobs: make(chan job, 2*cfg.Workers)}
	var workers sync.WaitGroup
	for range cfg.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			s.work()
		}()
	}
	var readers sync.WaitGroup
	sem := make(chan struct{}, cfg.Workers)
	for i, f := range files {
		readers.Add(1)
		sem <- struct{}{}
		go func() {
			defer readers.Done()
			defer func() { <-sem }()
			s.readFile(ctx, i, f)
			prog.FilesDone.Add(1)
			if f.Size > 0 {
				prog.DiskBytes.Add(f.Size)
			}
		}()
	}
	readers.Wait()
	close(s.jobs)
	workers.Wait()

	sort.Slice(res.Inputs, func(i, j int) bool {
		a, b := res.Inputs[i].order, res.Inputs[j].order
		return a[0] < b[0] || a[0] == b[0] && a[1] < b[1]
	})
	for _, in := range res.Inputs {
		res.Files[in.order[0]].Inputs = append(res.Files[in.order[0]].Inputs, in)
		in.Parsed = in.Lines - in.Unparsed - in.Blank
		in.Shape.known = in.stateless && !in.filtered
		in.Shape.LeadingAddress = in.Shape.known && !in.addressElsewhere
		in.Shape.URLInLine = in.Shape.known && !in.urlElsewhere
		in.Shape.URLInRequest = in.Shape.known && !in.urlOutsideRequest
		in.Shape.URLIsTarget = in.Shape.known && !in.urlNotTarget
		kinds := make([]string, 0, len(in.problems))
		for k := range in.problems {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		in.Problems = in.Problems[:0]
		for _, k := range kinds {
			in.Problems = append(in.Problems, *in.problems[k])
		}
	}
	return res, ctx.Err()
}

type scanner struct {
	cfg    Config
	forced *format.Format
	res    *Result
	prog   *Progress
	jobs   chan job
	mu     sync.Mutex
	nextID int32
}

func (s *scanner) newInput(fileIdx, streamIdx int, name string) *Input {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &Input{ID: s.nextID, order: [2]int{fileIdx, streamIdx}}
	in.Path = name
	s.nextID++
	s.res.Inputs = append(s.res.Inputs, in)
	s.res.byID[in.ID] = in
	if w, ok := s.cfg.Handler.(InputWatcher); ok {
		w.Input(in.ID, name)
	}
	return in
}

// work decodes blocks of stateless inputs.
func (s *scanner) work() {
	var handle func(*event.Event)
	if s.cfg.Handler != nil {
		handle = s.cfg.Handler.Worker()
	}
	for j := range s.jobs {
		dec, err := j.f.New(j.opts)
		if err != nil { // validated before the scan; a format refusing now is a bug
			j.in.addProblem("decoder", err.Error(), 1)
			j.ready.Done()
			continue
		}
		ld := newLineDecoder(dec, j.in.ID, s.cfg.MaxLine, s.cfg.Samples, handle)
		ld.trusted = s.cfg.TrustText
		ld.skip, ld.seek = j.skip, j.seek
		if j.skip != nil {
			// A filtered input has no shape (Shape.Known): its events
			// need not be looked at for one.
			ld.t.addressElsewhere, ld.t.urlElsewhere, ld.t.urlOutsideRequest, ld.t.urlNotTarget = true, true, true, true
		}
		ld.block(j.b)
		ld.flush(j.in)
		j.b.release() // every event of the block has been handled
		j.ready.Done()
	}
}

func (s *scanner) readFile(ctx context.Context, fileIdx int, f *source.File) {
	var mine []*Input // this file's streams
	var last *Input
	digest, err := f.Read(s.cfg.Source, func(st *source.Stream) error {
		in := s.newInput(fileIdx, len(mine), st.Name)
		mine = append(mine, in)
		last = in
		in.Compression = st.Compression
		if st.Renamed {
			in.addProblem("unsafe_member_name", "archive member name was unsafe (absolute, \"..\" or control characters) and was sanitised; stored name: "+st.Original, 1)
		}
		if st.Member == "" && f.Size >= 0 {
			in.StoredBytes = f.Size
		}
		if err := s.readStream(ctx, in, st, f); err != nil {
			return err
		}
		if st.Member != "" {
			d := st.Digest()
			in.SHA256, in.SHA1 = d.SHA256, d.SHA1
			in.StoredBytes = d.Bytes
		}
		return ctx.Err()
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		if last == nil {
			last = s.newInput(fileIdx, 0, f.Path)
			last.Format = "none"
			mine = append(mine, last)
		}
		if errors.Is(err, source.ErrChanged) {
			// A live log grew while it was read: the digest covers exactly the
			// bytes read, which is what the findings rest on.
			last.addProblem("changed_during_read", err.Error()+": the recorded hash is of the bytes read", 1)
		} else {
			last.addProblem("open", err.Error(), 1)
		}
	}
	if a := f.Archive; a != nil && a.Skipped > 0 && last != nil {
		last.addProblem("archive_members_skipped", fmt.Sprintf("%d archive members hold no bytes of their own (links, devices) and were not read", a.Skipped), int64(a.Skipped))
	}
	// Plain and compressed files: the stream is the file, hashed on disk.
	s.mu.Lock()
	s.res.Files[fileIdx] = File{File: f, Digest: digest}
	for _, in := range mine {
		if in.SHA256 == "" {
			in.SHA256, in.SHA1 = digest.SHA256, digest.SHA1
			if in.StoredBytes == 0 {
				in.StoredBytes = digest.Bytes
			}
		}
	}
	s.mu.Unlock()
}

// sniffBytes is how much of a stream the sniffer looks at.
const sniffBytes = 64 << 10

func (s *scanner) readStream(ctx context.Context, in *Input, st *source.Stream, f *source.File) error {
	br := bufio.NewReaderSize(st.R, sniffBytes)
	head, _ := br.Peek(sniffBytes)
	opts := s.cfg.Decode
	opts.RefTime = st.ModTime
	if opts.RefTime.IsZero() {
		opts.RefTime = f.ModTime
	}

	counted := &countingReader{r: br, prog: s.prog}
	if looksBinary(head) {
		in.Format = "binary"
		n, err := io.Copy(io.Discard, counted)
		in.Bytes = n
		in.addProblem("binary", "binary content, not a text log: not decoded (bytes skipped)", n)
		return readProblem(in, err)
	}
	ft := s.forced
	in.Sniffed = ft == nil
	if ft == nil {
		ft = s.sniff(head, opts)
	}
	in.Format = ft.Name
	var err error
	var rd *blockReader
	if ft.Stateless {
		// Blocks go to the workers, which release them; in order, a
		// stateful decoder may hold strings of earlier lines.
		rd = newRecyclingBlockReader(counted, s.cfg.MaxLine)
		err = s.decodeParallel(ctx, in, ft, opts, rd)
		rd.close()
	} else {
		rd = newBlockReader(counted, s.cfg.MaxLine)
		err = s.decodeInOrder(ctx, in, ft, opts, rd)
	}
	in.Bytes = rd.offset
	return readProblem(in, err)
}

// readProblem files a stream's read error in its account. Only cancellation
// stops the scan; everything else is the input's problem, and the bytes
// before it were read.
func readProblem(in *Input, err error) error {
	switch {
	case err == nil:
	case errors.Is(err, source.ErrTooLarge):
		in.addProblem("size_cap", err.Error()+": the rest of the stream was not read (raise --max-decompressed to read it)", 1)
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, source.ErrNestedArchive):
		in.addProblem("nested_archive", "an archive inside an archive is not opened (extract the outer one and scan the inner archive)", 1)
	default:
		in.addProblem("read", err.Error(), 1)
	}
	return nil
}

func (s *scanner) decodeParallel(ctx context.Context, in *Input, ft *format.Format, opts format.Options, rd *blockReader) error {
	in.stateless = true
	var skip func(string) bool
	var seek func(string) (int, int64, int64)
	if s.cfg.Skip != nil {
		skip = s.cfg.Skip(in)
		in.filtered = skip != nil
		if skip != nil && s.cfg.Seek != nil {
			seek = s.cfg.Seek(in)
		}
	}
	var ready sync.WaitGroup
	defer ready.Wait() // the stream's account is complete only when its blocks are
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := rd.Next()
		if b.text != "" || len(b.truncated) > 0 {
			ready.Add(1)
			s.jobs <- job{b: b, in: in, f: ft, opts: opts, skip: skip, seek: seek, ready: &ready}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *scanner) decodeInOrder(ctx context.Context, in *Input, ft *format.Format, opts format.Options, rd *blockReader) error {
	dec, err := ft.New(opts)
	if err != nil {
		return err
	}
	var handle func(*event.Event)
	if s.cfg.Handler != nil {
		handle = s.cfg.Handler.Worker()
	}
	ld := newLineDecoder(dec, in.ID, s.cfg.MaxLine, s.cfg.Samples, handle)
	ld.trusted = s.cfg.TrustText
	defer ld.flush(in)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := rd.Next()
		ld.block(b)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// sniff picks the format for a stream from its first lines.
func (s *scanner) sniff(head []byte, opts format.Options) *format.Format {
	sample := sampleLines(head, 64)
	if opts.AccessFormat != "" {
		if f, err := format.Lookup("access.custom"); err == nil && decodeScore(f, opts, sample) >= 50 {
			return f
		}
	}
	f, _ := format.Sniff(sample)
	if f == nil {
		f, _ = format.Lookup("raw")
	}
	return f
}

// sampleLines returns up to n non-empty lines from the start of head (the last,
// possibly partial line is left out unless it is the only one).
func sampleLines(head []byte, n int) []string {
	text := string(head)
	var out []string
	for text != "" && len(out) < n {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			if len(out) == 0 {
				out = append(out, strings.TrimSuffix(text, "\r"))
			}
			break
		}
		if l := strings.TrimSuffix(text[:i], "\r"); l != "" {
			out = append(out, l)
		}
		text = text[i+1:]
	}
	return out
}

// decodeScore is the percentage of sample lines f decodes into structured events.
func decodeScore(f *format.Format, opts format.Options, sample []string) int {
	dec, err := f.New(opts)
	if err != nil || len(sample) == 0 {
		return 0
	}
	good, total := 0, 0
	emit := func(ev *event.Event) {
		total++
		if ev.Kind != event.KindRaw {
			good++
		}
	}
	for i, l := range sample {
		dec.Decode(l, event.Ref{Line: int64(i + 1)}, emit)
	}
	dec.Flush(emit)
	if total == 0 {
		return 0
	}
	return good * 100 / total
}

// looksBinary reports whether the start of a stream is binary data rather
// than text: NUL bytes or many control characters.
func looksBinary(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	bad := 0
	for _, c := range head {
		if c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1b) {
			bad++
		}
	}
	return bad*10 >= len(head) // 10% or more
}

type countingReader struct {
	r    io.Reader
	prog *Progress
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.prog.ReadBytes.Add(int64(n))
	return n, err
}
