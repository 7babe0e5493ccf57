package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math/rand"
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/findings"
)

// FuzzRender puts one arbitrary string into every log-derived field of the
// fixture and checks each output's safety property. (What the Markdown
// renders to is FuzzMarkdown's job: goldmark under coverage instrumentation
// made this target too slow to fuzz.)
func FuzzRender(f *testing.F) {
	for _, s := range []string{xssPayload, csvPayload, ansiPayload, mdPayload, rtlPayload, c1Payload, "\xff\xfe\x00", "",
		"\x1b]8;;http://evil.example\x07link\x1b]8;;\x07", "</svg><script>alert(1)</script>", "TA0001", "critical"} {
		f.Add(s)
	}
	f.Fuzz(checkRender)
}

func checkRender(t *testing.T, s string) {
	{
		fx := fixture()
		fx.Tool.Version = s
		fx.Options.Rules = []string{s}
		in := &fx.Inputs[0]
		in.Path, in.Format = s, s
		in.Problems[0].Message = s
		in.Samples[0].Text = s
		a := &fx.Alerts[0]
		a.Title, a.Actor, a.Detail, a.Severity, a.RuleID = s, s, s, s, s
		a.Evidence[0].Path = s
		inc := &fx.Incidents[0]
		inc.ID, inc.Title, inc.Severity, inc.Confidence = s, s, s, s
		inc.Actors[0] = findings.Actor{Kind: s, Value: s}
		inc.Timeline[1].What, inc.Timeline[1].Tactic = s, s
		inc.Tactics[0].Name, inc.Tactics[0].ID = s, s
		inc.AffectedBasis[0] = s
		inc.Evidence[0].Text = s

		var b bytes.Buffer
		if err := WriteJSON(&b, fx); err != nil || !json.Valid(b.Bytes()) {
			t.Fatalf("JSON: %v", err)
		}
		b.Reset()
		if err := WriteHTML(&b, fx, Options{Lang: "ja"}); err != nil {
			t.Fatal(err)
		}
		h := strings.ToLower(b.String())
		if strings.Contains(h, "<script") || externalRef.MatchString(h) || strings.ContainsRune(h, 0x1b) {
			t.Fatalf("HTML unsafe for %q", s)
		}
		b.Reset()
		tl := NewTimeline(&b)
		for _, r := range IncidentRows(fx) {
			if err := tl.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := tl.Flush(); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&b).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		for _, rec := range recs[1:] {
			for i, c := range rec {
				if i != 1 && i != 7 && formulaLike(c) {
					t.Fatalf("CSV cell %q starts a formula", c)
				}
			}
		}
		for _, o := range []Options{{Width: 60}, {Lang: "ja", Width: 50}} {
			b.Reset()
			if err := WriteSummary(&b, fx, o); err != nil {
				t.Fatal(err)
			}
			checkTerminal(t, "summary", b.String())
			for _, line := range strings.Split(b.String(), "\n") {
				if displayWidth(line) > o.Width {
					t.Fatalf("line wider than %d: %q", o.Width, line)
				}
			}
		}
		b.Reset()
		if err := WriteMarkdown(&b, fx, Options{}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRenderRandomStrings runs FuzzRender's checks over deterministic random
// mutations of the payloads: coverage-guided fuzzing of the HTML path is slow
// on this machine (html/template under instrumentation), so this keeps a
// broad sweep in every plain `go test`.
func TestRenderRandomStrings(t *testing.T) {
	n := 150
	if testing.Short() {
		n = 20
	}
	r := rand.New(rand.NewSource(1))
	seeds := []string{xssPayload, csvPayload, ansiPayload, mdPayload, rtlPayload, c1Payload, imgPayload, htmlAttrPayl, "\xff\xfe\x00"}
	for i := 0; i < n; i++ {
		b := []byte(seeds[r.Intn(len(seeds))])
		for j := r.Intn(10); j >= 0; j-- {
			switch r.Intn(4) {
			case 0:
				b[r.Intn(len(b))] = byte(r.Intn(256))
			case 1:
				b = append(b, byte(r.Intn(256)))
			case 2:
				b = append(b, seeds[r.Intn(len(seeds))]...)
			case 3:
				b = append(b[:r.Intn(len(b))], b...)
			}
		}
		checkRender(t, string(b))
	}
}
