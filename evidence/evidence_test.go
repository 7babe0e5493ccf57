package evidence

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newSealedCase builds a case with one input, one output, a scan entry and a seal.
func newSealedCase(t *testing.T) (dir, input string) {
	t.Helper()
	root := t.TempDir()
	input = filepath.Join(root, "auth.log")
	if err := os.WriteFile(input, []byte("May 19 03:12:44 web sshd[1]: Failed password for root from 203.0.113.7 port 4242 ssh2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(root, "case")
	c, err := Create(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Record("scan", "test", []string{"scan", input}, map[string]int{"inputs": 1}); err != nil {
		t.Fatal(err)
	}
	s256, s1, err := hashFile(input)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WriteManifest(Manifest{Files: []InputFile{{Path: input, Resolved: input, Size: 88, SHA256: s256, SHA1: s1}}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "findings.json"), []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Seal("test", []string{"findings.json"}); err != nil {
		t.Fatal(err)
	}
	return dir, input
}

func failed(v *Verification) []string {
	var out []string
	for _, c := range v.Checks {
		if !c.OK {
			out = append(out, c.What+": "+c.Detail)
		}
	}
	return out
}

func TestVerifyIntactCase(t *testing.T) {
	dir, _ := newSealedCase(t)
	v, err := Verify(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() {
		t.Fatalf("intact case failed verification: %v", failed(v))
	}
	if len(v.Checks) != 4 { // journal, findings.json, manifest, input
		t.Errorf("got %d checks, want 4: %+v", len(v.Checks), v.Checks)
	}
}

// flipByte changes one byte of a file in place.
func flipByte(t *testing.T, path string, at int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if at < 0 {
		at = len(b) + at
	}
	b[at] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, dir, input string)
		inputs bool
		want   string // substring of the failed check
	}{
		{"output byte", func(t *testing.T, dir, _ string) { flipByte(t, filepath.Join(dir, "findings.json"), 0) }, false, "findings.json"},
		{"manifest byte", func(t *testing.T, dir, _ string) { flipByte(t, filepath.Join(dir, Dir, ManifestFile), 5) }, false, "manifest.json"},
		{"input byte", func(t *testing.T, _, input string) { flipByte(t, input, 3) }, true, "the input changed"},
		{"journal entry edited", func(t *testing.T, dir, _ string) {
			p := filepath.Join(dir, Dir, JournalFile)
			b, _ := os.ReadFile(p)
			// Edit the first entry's action while keeping valid JSON.
			s := strings.Replace(string(b), `"action":"scan"`, `"action":"scam"`, 1)
			if s == string(b) {
				t.Fatal("journal layout changed; fix the test")
			}
			os.WriteFile(p, []byte(s), 0o644)
		}, false, "journal was edited"},
		{"journal entry removed", func(t *testing.T, dir, _ string) {
			p := filepath.Join(dir, Dir, JournalFile)
			b, _ := os.ReadFile(p)
			lines := strings.SplitAfter(string(b), "\n")
			os.WriteFile(p, []byte(strings.Join(lines[1:], "")), 0o644)
		}, false, "journal was edited"},
		{"output deleted", func(t *testing.T, dir, _ string) { os.Remove(filepath.Join(dir, "findings.json")) }, false, "findings.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, input := newSealedCase(t)
			tc.tamper(t, dir, input)
			v, err := Verify(dir, tc.inputs)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK() {
				t.Fatal("tampering not detected")
			}
			if f := strings.Join(failed(v), "\n"); !strings.Contains(f, tc.want) {
				t.Errorf("failed checks %q do not mention %q", f, tc.want)
			}
		})
	}
}

func TestCreateRefusesNonEmptyFolder(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("x"), 0o644)
	if _, err := Create(dir, false); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("Create on non-empty folder: err = %v", err)
	}
	if _, err := Create(dir, true); err != nil {
		t.Fatalf("Create with force: %v", err)
	}
}

func TestForceContinuesJournal(t *testing.T) {
	dir, _ := newSealedCase(t)
	c, err := Create(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Record("scan", "test", nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Seal("test", []string{"findings.json"}); err != nil {
		t.Fatal(err)
	}
	v, err := Verify(dir, false)
	if err != nil || !v.OK() {
		t.Fatalf("continued journal does not verify: %v %v", err, failed(v))
	}
	lines, _ := readJournal(filepath.Join(dir, Dir, JournalFile))
	if len(lines) != 4 || lines[3].entry.Seq != 4 {
		t.Fatalf("journal has %d entries, want 4 with seq 1..4", len(lines))
	}
}

func TestPathStaysInsideCase(t *testing.T) {
	c, err := Create(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"../x", "/etc/passwd", "a/../../x"} {
		if _, err := c.Path(bad); err == nil {
			t.Errorf("Path(%q) allowed", bad)
		}
	}
	if _, err := c.Path("report.html"); err != nil {
		t.Errorf("Path(report.html): %v", err)
	}
}
