package triage

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
)

// Output file names inside a case folder.
const (
	FindingsFile = "findings.json"
	TimelineFile = "timeline.csv"
	HTMLFile     = "report.html"
	MarkdownFile = "report.md"
)

// WriteCase renders every output of r into the case folder, writes the
// evidence manifest, and seals the outputs' hashes into the journal.
func WriteCase(ctx context.Context, c *evidence.Case, r *Result, version string, o report.Options) error {
	f := r.Findings
	if err := writeTimeline(ctx, c, r); err != nil {
		return err
	}
	outputs := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{FindingsFile, func(b *bytes.Buffer) error { return report.WriteJSON(b, f) }},
		{HTMLFile, func(b *bytes.Buffer) error { return report.WriteHTML(b, f, o) }},
		{MarkdownFile, func(b *bytes.Buffer) error { return report.WriteMarkdown(b, f, o) }},
	}
	names := []string{TimelineFile}
	for _, out := range outputs {
		var buf bytes.Buffer
		if err := out.render(&buf); err != nil {
			return fmt.Errorf("render %s: %w", out.name, err)
		}
		p, err := c.Path(out.name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", out.name, err)
		}
		names = append(names, out.name)
	}
	if err := c.WriteManifest(Manifest(r)); err != nil {
		return err
	}
	return c.Seal(version, names)
}

// Manifest lists the scanned files with their digests, and archive members
// with theirs.
func Manifest(r *Result) evidence.Manifest {
	var m evidence.Manifest
	for _, f := range r.Scan.Files {
		if f.File == nil {
			continue
		}
		in := evidence.InputFile{Path: f.Path, Resolved: f.Abs, Size: f.Size, ModTime: f.ModTime.UTC(),
			SHA256: f.Digest.SHA256, SHA1: f.Digest.SHA1}
		if in.Size < 0 {
			in.Size = f.Digest.Bytes
		}
		for _, s := range f.Inputs {
			if s.Path != f.Path {
				in.Members = append(in.Members, evidence.Member{Path: s.Path, Bytes: s.Bytes, SHA256: s.SHA256, SHA1: s.SHA1})
			}
		}
		m.Files = append(m.Files, in)
	}
	return m
}

// writeTimeline streams timeline.csv: the incidents' rows, then, with
// TimelineAll, every decoded event in input and line order.
func writeTimeline(ctx context.Context, c *evidence.Case, r *Result) (err error) {
	p, err := c.Path(TimelineFile)
	if err != nil {
		return err
	}
	file, err := os.Create(p)
	if err != nil {
		return fmt.Errorf("write %s: %w", TimelineFile, err)
	}
	defer func() {
		if cerr := file.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s: %w", TimelineFile, cerr)
		}
	}()
	bw := bufio.NewWriterSize(file, 1<<20)
	t := report.NewTimeline(bw)
	for _, row := range report.IncidentRows(r.Findings) {
		if err := t.Write(row); err != nil {
			return err
		}
	}
	if r.cfg.TimelineAll && !slices.Contains(r.cfg.Scan.Args, "-") {
		sha := map[string]string{}
		for _, in := range r.Findings.Inputs {
			sha[in.Path] = in.SHA256
		}
		h := &timelineAll{t: t, paths: map[int32]string{}, sha: sha}
		sc := r.cfg.Scan
		sc.Workers, sc.Handler, sc.Progress = 1, h, nil
		// The rows cite the first pass's digests: this pass need not hash,
		// only show by the fingerprints that it read the same bytes.
		sc.Source.FingerprintOnly = true
		res, err := scan.Run(ctx, sc)
		if err != nil {
			return fmt.Errorf("timeline pass: %w", err)
		}
		if h.err != nil {
			return h.err
		}
		noteChanged(r.Findings, changedFiles(r.Scan, res), "the file changed between the detection pass and the --timeline all pass: "+
			"timeline.csv's event rows come from the later read but cite the first read's SHA-256")
	}
	if err := t.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// timelineAll writes one row per decoded event. With one worker the pipeline
// delivers events in input and line order, one goroutine at a time; the mutex
// only guards that assumption.
type timelineAll struct {
	mu    sync.Mutex
	t     *report.Timeline
	paths map[int32]string
	sha   map[string]string
	err   error
}

func (h *timelineAll) Input(id int32, path string) {
	h.mu.Lock()
	h.paths[id] = path
	h.mu.Unlock()
}

func (h *timelineAll) Worker() func(*event.Event) {
	return func(ev *event.Event) {
		if ev.Kind == event.KindRaw || ev.Time.IsZero() || h.err != nil {
			return
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		path := h.paths[ev.Ref.Input]
		h.err = h.t.Write(report.EventRow(ev, path, h.sha[path]))
	}
}
