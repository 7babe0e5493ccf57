package triage

import (
	"bytes"
	"fmt"
	"os"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/report"
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
func WriteCase(c *evidence.Case, r *Result, version string, o report.Options) error {
	f := r.Findings
	outputs := []struct {
		name   string
		render func(*bytes.Buffer) error
	}{
		{FindingsFile, func(b *bytes.Buffer) error { return report.WriteJSON(b, f) }},
		{TimelineFile, func(b *bytes.Buffer) error {
			t := report.NewTimeline(b)
			for _, row := range report.IncidentRows(f) {
				if err := t.Write(row); err != nil {
					return err
				}
			}
			return t.Flush()
		}},
		{HTMLFile, func(b *bytes.Buffer) error { return report.WriteHTML(b, f, o) }},
		{MarkdownFile, func(b *bytes.Buffer) error { return report.WriteMarkdown(b, f, o) }},
	}
	names := make([]string, 0, len(outputs))
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
