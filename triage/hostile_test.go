package triage

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/report"
)

// The attacker controls every byte of a log. These payloads are written into
// the inputs of a scan; the test then checks that no output obeys them.
const (
	xss     = `<script>alert(1)</script>`
	formula = `=cmd|' /C calc'!A0`
	ansi    = "\x1b[2J\x1b]0;pwned\x07"
)

func hostileCase(t *testing.T, dir string) []string {
	t.Helper()
	at := "19/May/2025:03:10:%02d +0000"
	var b strings.Builder
	for i := range 12 {
		// A SQL injection carrying the payloads in the path, the user agent and
		// the referrer, so they flow into alerts, incidents and every report.
		b.WriteString(`203.0.113.66 - - [` + strings.Replace(at, "%02d", twoDigits(i), 1) + `] "GET /=cmd|'/search.php?q=1%27%20UNION%20SELECT%20password%20FROM%20users--%20- HTTP/1.1" 200 512 "` +
			formula + `" "sqlmap/1.7 ` + xss + ` ` + ansi + `"` + "\n")
	}
	access := filepath.Join(dir, "access.log")
	must(t, os.WriteFile(access, []byte(b.String()), 0o644))

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.Create("../../escaped.log")
	must(t, err)
	w.Write([]byte("not a log " + xss + ansi + "\n"))
	must(t, zw.Close())
	archive := filepath.Join(dir, "evidence.zip")
	must(t, os.WriteFile(archive, zb.Bytes(), 0o644))
	return []string{access, archive}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

type fileState struct {
	size  int64
	mtime time.Time
	sum   [32]byte
}

func states(t *testing.T, root string) map[string]fileState {
	t.Helper()
	out := map[string]fileState{}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		must(t, err)
		if d.IsDir() {
			return nil
		}
		info, _ := d.Info()
		data, _ := os.ReadFile(p)
		out[p] = fileState{info.Size(), info.ModTime(), sha256.Sum256(data)}
		return nil
	})
	return out
}

func TestHostileLogsStayInert(t *testing.T) {
	root := t.TempDir()
	inputs := filepath.Join(root, "inputs")
	must(t, os.MkdirAll(inputs, 0o755))
	args := hostileCase(t, inputs)
	tmp := filepath.Join(root, "tmp")
	must(t, os.MkdirAll(tmp, 0o755))
	t.Setenv("TMPDIR", tmp) // a temporary file written anywhere would show here
	before := states(t, inputs)

	res, err := Run(context.Background(), config(t, args, 0))
	must(t, err)
	caseDir := filepath.Join(root, "case")
	cs, err := evidence.Create(caseDir, false)
	must(t, err)
	must(t, WriteCase(context.Background(), cs, res, "test", report.Options{Lang: "en"}))
	var term bytes.Buffer
	must(t, report.WriteSummary(&term, res.Findings, report.Options{}))

	// Inputs unchanged, nothing written beside them, no temporary files, and
	// nothing escaped the case folder (the zip member "../../escaped.log").
	if after := states(t, inputs); !equalStates(before, after) {
		t.Errorf("inputs changed:\nbefore %v\nafter  %v", before, after)
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		t.Errorf("temporary files written: %v", ents)
	}
	var top []string
	ents, _ := os.ReadDir(root)
	for _, e := range ents {
		top = append(top, e.Name())
	}
	sort.Strings(top)
	if strings.Join(top, " ") != "case inputs tmp" {
		t.Errorf("files outside the case folder: %v", top)
	}
	if len(res.Findings.Incidents) == 0 {
		t.Fatal("the hostile case produced no incident: the payloads never reached the reports, so this test proves nothing")
	}

	// HTML: the payload is text, never markup; no external references.
	page, err := os.ReadFile(filepath.Join(caseDir, HTMLFile))
	must(t, err)
	if bytes.Contains(page, []byte(xss)) {
		t.Error("report.html contains the raw <script> payload")
	}
	if !bytes.Contains(page, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("report.html does not show the payload as escaped text")
	}
	if bytes.ContainsRune(page, 0x1b) {
		t.Error("report.html contains an ESC byte")
	}
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*["']?(https?:|//)`).Find(page); m != nil {
		t.Errorf("report.html references an external resource: %s", m)
	}

	// CSV: no cell starts a formula.
	f, err := os.Open(filepath.Join(caseDir, TimelineFile))
	must(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	if len(rows) < 2 {
		t.Fatalf("timeline.csv has %d rows", len(rows))
	}
	sawPayload := false
	for _, row := range rows {
		for _, cell := range row {
			sawPayload = sawPayload || strings.Contains(cell, "=cmd|'")
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("timeline.csv cell starts a formula: %q", cell)
			}
		}
	}

	if !sawPayload {
		t.Error("timeline.csv does not carry the formula payload at all: the neutralisation check proved nothing")
	}

	// Terminal and Markdown: no escape sequences, no control bytes but newlines.
	md, err := os.ReadFile(filepath.Join(caseDir, MarkdownFile))
	must(t, err)
	for name, out := range map[string][]byte{"terminal summary": term.Bytes(), "report.md": md} {
		for _, c := range out {
			if c < 0x20 && c != '\n' {
				t.Errorf("%s contains control byte %#x", name, c)
				break
			}
		}
	}
	// Markdown may show the payload inside a code span; what matters is what
	// a renderer makes of it: GitHub-flavoured Markdown must not emit markup.
	var rendered bytes.Buffer
	must(t, goldmark.New(goldmark.WithExtensions(extension.GFM), goldmark.WithRendererOptions(html.WithUnsafe())).Convert(md, &rendered))
	if i := bytes.Index(rendered.Bytes(), []byte("<script>")); i >= 0 {
		t.Errorf("report.md renders a <script> element: …%s…", rendered.Bytes()[max(0, i-120):min(rendered.Len(), i+60)])
	}
	if bytes.Contains(term.Bytes(), []byte(xss)) && bytes.ContainsRune(term.Bytes(), 0x1b) {
		t.Error("terminal summary carries the payload with its escape sequences")
	}

	// The escaping archive member was read under a safe name and counted.
	found := false
	for _, in := range res.Findings.Inputs {
		if strings.Contains(in.Path, "escaped.log") {
			found = true
			if strings.Contains(in.Path, "..") {
				t.Errorf("member path not sanitised: %q", in.Path)
			}
			if len(in.Problems) == 0 {
				t.Errorf("unsafe member name not reported: %+v", in)
			}
		}
	}
	if !found {
		t.Error("the zip member was not read")
	}
}

func equalStates(a, b map[string]fileState) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.size != w.size || !v.mtime.Equal(w.mtime) || v.sum != w.sum {
			return false
		}
	}
	return true
}
