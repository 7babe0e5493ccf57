package triage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/evidence"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/report"
	"github.com/kizuki-dfir/kizuki/scan"
)

// TestSecondPassCitesVerifiedBytes checks the second pass's bargain: it does
// not hash again, and cites the first pass's digest only for bytes it has
// shown to be the same. A file edited in place between the passes (same
// size, modification time put back, so only the content tells) and a file
// that grew must be reported as changed and cited with the digest of what
// the second pass read.
func TestSecondPassCitesVerifiedBytes(t *testing.T) {
	var b bytes.Buffer
	for i := range 3000 {
		fmt.Fprintf(&b, "192.0.2.%d - - [19/May/2025:03:%02d:%02d +0000] \"GET /mypage.php?id=%d HTTP/1.1\" 200 %d \"-\" \"Mozilla/5.0\"\n",
			1+i%200, i/60%60, i%60, i, 100+i)
	}
	orig := b.Bytes()
	for _, tc := range []struct {
		name   string
		change func(p string) []byte // returns the new content; nil: unchanged
	}{
		{"unchanged", func(string) []byte { return nil }},
		{"edited in place", func(p string) []byte {
			now := slices.Clone(orig)
			i := bytes.Index(now, []byte("id=2500 "))
			now[i+3] = '9' // id=9500: same size
			fi, err := os.Stat(p)
			must(t, err)
			must(t, os.WriteFile(p, now, 0o644))
			must(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
			return now
		}},
		{"grew", func(p string) []byte {
			now := append(slices.Clone(orig), "192.0.2.7 - - [19/May/2025:04:00:00 +0000] \"GET /mypage.php?id=1 HTTP/1.1\" 200 9 \"-\" \"x\"\n"...)
			must(t, os.WriteFile(p, now, 0o644))
			return now
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "access.log")
			must(t, os.WriteFile(p, orig, 0o644))
			sc := scan.Config{Args: []string{p}, Decode: format.Options{Location: time.UTC}}
			first, err := scan.Run(context.Background(), sc)
			must(t, err)
			now := tc.change(p)
			_, pathOf, changed, err := secondPass(context.Background(), sc, first, []string{"192.0.2.7"}, nil)
			must(t, err)
			want := first.Inputs[0].SHA256
			wantChanged := []string(nil)
			if now != nil {
				sum := sha256.Sum256(now)
				want, wantChanged = hex.EncodeToString(sum[:]), []string{p}
			}
			if got, sha := pathOf(0); got != p || sha != want {
				t.Errorf("pathOf(0) = %s %s, want %s %s", got, sha, p, want)
			}
			if !slices.Equal(changed, wantChanged) {
				t.Errorf("changed = %v, want %v", changed, wantChanged)
			}
		})
	}
}

// TestTimelinePassNotesChange: the --timeline all pass does not hash either;
// a file edited after the first pass (same size, same modification time)
// must be reported in findings.json, which is written after the timeline.
func TestTimelinePassNotesChange(t *testing.T) {
	args := scenario(t, t.TempDir())
	for _, edit := range []bool{false, true} {
		cfg := config(t, args, 0)
		cfg.TimelineAll = true
		res, err := Run(context.Background(), cfg)
		must(t, err)
		if edit {
			p := args[0]
			fi, err := os.Stat(p)
			must(t, err)
			b, err := os.ReadFile(p)
			must(t, err)
			i := bytes.IndexByte(b, '\n') - 1
			b[i] ^= 1
			must(t, os.WriteFile(p, b, 0o644))
			must(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
		}
		cs, err := evidence.Create(filepath.Join(t.TempDir(), "case"), false)
		must(t, err)
		must(t, WriteCase(context.Background(), cs, res, "test", report.Options{}))
		noted := false
		for _, in := range res.Findings.Inputs {
			for _, p := range in.Problems {
				if p.Kind == "changed_between_passes" {
					noted = noted || in.Path == args[0]
				}
			}
		}
		if noted != edit {
			t.Errorf("edited %v: change noted %v", edit, noted)
		}
	}
}
