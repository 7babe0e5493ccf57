package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo without depending on the host's zoneinfo
	"unicode/utf8"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func tokyo(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// render produces every output for the fixture, keyed by golden file name.
func render(t testing.TB) map[string][]byte {
	t.Helper()
	f := fixture()
	out := map[string][]byte{}
	var b bytes.Buffer
	must := func(name string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = bytes.Clone(b.Bytes())
		b.Reset()
	}
	must("findings.json.golden", WriteJSON(&b, f))
	tl := NewTimeline(&b)
	for _, r := range IncidentRows(f) {
		if err := tl.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	must("timeline.csv.golden", tl.Flush())
	en := Options{}
	jp := Options{Lang: "ja", Location: tokyo(t)}
	must("report.en.html.golden", WriteHTML(&b, f, en))
	must("report.ja.html.golden", WriteHTML(&b, f, jp))
	must("report.en.md.golden", WriteMarkdown(&b, f, en))
	must("report.ja.md.golden", WriteMarkdown(&b, f, jp))
	must("summary.en.txt.golden", WriteSummary(&b, f, en))
	must("summary.ja.txt.golden", WriteSummary(&b, f, Options{Lang: "ja", Location: tokyo(t), Width: 120}))
	must("summary.color.txt.golden", WriteSummary(&b, f, Options{Color: true, Width: 80}))
	return out
}

func TestGolden(t *testing.T) {
	for name, got := range render(t) {
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test ./report -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from golden; run go test ./report -update and review the diff", name)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := render(t), render(t)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s: two renders differ", name)
		}
	}
}

func TestRenderDoesNotModifyFindings(t *testing.T) {
	f := fixture()
	var before bytes.Buffer
	json.NewEncoder(&before).Encode(f)
	render(t)
	var b bytes.Buffer
	WriteHTML(&b, f, Options{Lang: "ja", Location: tokyo(t)})
	WriteMarkdown(&b, f, Options{})
	WriteSummary(&b, f, Options{})
	IncidentRows(f)
	var after bytes.Buffer
	json.NewEncoder(&after).Encode(f)
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("rendering changed the findings value")
	}
}

var externalRef = regexp.MustCompile(`(?i)(src|href|action|formaction|xlink:href|poster|data)\s*=\s*["']?\s*(https?:|//|javascript:|data:)`)

func TestHTMLHostile(t *testing.T) {
	out := render(t)
	for _, name := range []string{"report.en.html.golden", "report.ja.html.golden"} {
		h := string(out[name])
		if n := strings.Count(strings.ToLower(h), "<script"); n != 0 {
			t.Errorf("%s: %d <script occurrences; the template has none, so any is injected", name, n)
		}
		if m := externalRef.FindString(h); m != "" {
			t.Errorf("%s: external reference %q", name, m)
		}
		for _, bad := range []string{"@import", "url(", "<link", "<img", "<iframe", "<object", "<embed", "onmouseover=\"alert", "<base"} {
			if strings.Contains(strings.ToLower(h), strings.ToLower(bad)) {
				t.Errorf("%s: contains %q", name, bad)
			}
		}
		// The payloads are there, as escaped text.
		for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;", "=cmd|&#39; /C calc&#39;!A0", "⟨ESC⟩[2J⟨ESC⟩]0;pwned⟨BEL⟩", "](javascript:x)", "invoice⟨U&#43;202E⟩gpj.php", "⟨U&#43;009B⟩31m"} {
			if !strings.Contains(h, want) {
				t.Errorf("%s: payload not shown as text: %q", name, want)
			}
		}
		for _, r := range h {
			if r == 0x1b || r == 0x202e || (r < 0x20 && r != '\n') || (r >= 0x80 && r <= 0x9f) {
				t.Errorf("%s: raw control or bidi rune U+%04X in output", name, r)
				break
			}
		}
		if !strings.Contains(h, "Content-Security-Policy") || !strings.Contains(h, "default-src 'none'") {
			t.Errorf("%s: no restrictive CSP", name)
		}
		if !utf8.ValidString(h) {
			t.Errorf("%s: invalid UTF-8", name)
		}
	}
	if !strings.Contains(string(out["report.ja.html.golden"]), "JST") || !strings.Contains(string(out["report.ja.html.golden"]), "初期アクセス") {
		t.Error("Japanese report: JST times or Japanese tactic names missing")
	}
}

func TestCSVNeutralised(t *testing.T) {
	out := render(t)
	r := csv.NewReader(bytes.NewReader(out["timeline.csv.golden"]))
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("timeline.csv does not parse: %v", err)
	}
	if strings.Join(recs[0], ",") != strings.Join(TimelineColumns, ",") {
		t.Fatalf("header = %v", recs[0])
	}
	rows := recs[1:]
	if want := len(IncidentRows(fixture())); len(rows) != want || want < 10 {
		t.Fatalf("%d rows, want %d (>= 10)", len(rows), want)
	}
	sawPayload := false
	for _, rec := range rows {
		for i, c := range rec {
			if TimelineColumns[i] == "datetime" || TimelineColumns[i] == "source_line" {
				continue
			}
			if formulaLike(c) {
				t.Errorf("cell %s = %q starts a formula", TimelineColumns[i], c)
			}
			if c == "'"+csvPayload {
				sawPayload = true
			}
		}
		if _, err := time.Parse(time.RFC3339Nano, rec[1]); err != nil || !strings.HasSuffix(rec[1], "Z") {
			t.Errorf("datetime %q is not RFC 3339 UTC", rec[1])
		}
	}
	if !sawPayload {
		t.Error("no cell holds the neutralised payload '=cmd|... (fixture changed?)")
	}
}

func TestEventRow(t *testing.T) {
	// an nginx combined line as it comes out of the access decoder
	e := &event.Event{
		Time: ts("2026-03-14T02:11:09Z"), Ref: event.Ref{Input: 0, Line: 48013}, Kind: event.KindWeb,
		Dataset: "nginx.access", SourceIP: "203.0.113.66",
		Raw: `=HYPERLINK("http://evil.example") - - [14/Mar/2026:11:11:09 +0900] "GET / HTTP/1.1" 200 5 "-" "-"`,
	}
	var b bytes.Buffer
	tl := NewTimeline(&b)
	if err := tl.Write(EventRow(e, "/var/log/nginx/access.log", shaAccess)); err != nil {
		t.Fatal(err)
	}
	if err := tl.Write(EventRow(&event.Event{Dataset: "sshd", User: "root", Message: "session opened"}, "auth.log", shaAuth)); err != nil {
		t.Fatal(err)
	}
	tl.Flush()
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		TimelineColumns,
		{`'=HYPERLINK("http://evil.example") - - [14/Mar/2026:11:11:09 +0900] "GET / HTTP/1.1" 200 5 "-" "-"`, "2026-03-14T02:11:09Z",
			"Event recorded", "203.0.113.66", "", "", "/var/log/nginx/access.log", "48013", shaAccess, "", "", "", "nginx.access"},
		{"session opened", "", "Event recorded", "root", "", "", "auth.log", "", shaAuth, "", "", "", "sshd"},
	}
	if fmt.Sprint(recs) != fmt.Sprint(want) {
		t.Errorf("rows:\n%q\nwant\n%q", recs, want)
	}
}

func TestCSVCell(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"}, // OWASP CSV injection example
		{"+1+1", "'+1+1"},
		{"-2+3", "'-2+3"},
		{"@SUM(1+1)", "'@SUM(1+1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"  =1+1", "'  =1+1"}, // leading spaces are trimmed by some spreadsheets
		{"＝1+1", "'＝1+1"},     // full-width equals
		{"GET /index.php", "GET /index.php"},
		{"a=b", "a=b"},
		{"", ""},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := csvCell(tc.in); got != tc.want {
			t.Errorf("csvCell(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTerminalHostile(t *testing.T) {
	out := render(t)
	for _, name := range []string{"summary.en.txt.golden", "summary.ja.txt.golden"} {
		checkTerminal(t, name, string(out[name]))
		if !strings.Contains(string(out[name]), "⟨ESC⟩[2J⟨ESC⟩]0;pwned") {
			t.Errorf("%s: escape payload not shown visibly", name)
		}
	}
	// With colour the only sequences are kizuki's SGR ones.
	col := string(out["summary.color.txt.golden"])
	sgr := regexp.MustCompile(`\x1b\[[0-9;]*m`)
	if !sgr.MatchString(col) {
		t.Error("colour summary has no colour")
	}
	checkTerminal(t, "summary.color.txt.golden", sgr.ReplaceAllString(col, ""))
}

func checkTerminal(t *testing.T, name, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("%s: invalid UTF-8", name)
	}
	for i, r := range s {
		if (r < 0x20 && r != '\n') || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
			(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			t.Errorf("%s: control rune U+%04X at byte %d", name, r, i)
			return
		}
	}
}

func TestTerminalWidth(t *testing.T) {
	f := fixture()
	for _, w := range []int{40, 80, 100, 132} {
		for _, lg := range []string{"en", "ja"} {
			var b bytes.Buffer
			if err := WriteSummary(&b, f, Options{Lang: lg, Width: w}); err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(b.String(), "\n") {
				if dw := displayWidth(line); dw > w {
					t.Errorf("lang %s width %d: line is %d columns: %q", lg, w, dw, line)
				}
			}
		}
	}
}

func TestVisible(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{"\x1b[2J\x1b]0;pwned\x07", "⟨ESC⟩[2J⟨ESC⟩]0;pwned⟨BEL⟩"},
		{"a\r\nb\tc", "a⟨CR⟩⟨LF⟩b c"},
		{"evil\u202Etxt.exe", "evil⟨U+202E⟩txt.exe"},
		{"\u2066x\u2069", "⟨U+2066⟩x⟨U+2069⟩"},
		{"\u009b1m", "⟨U+009B⟩1m"},
		{"\xff\xfe", "\uFFFD\uFFFD"},
		{"日本語ログ", "日本語ログ"},
		{"\x7f", "⟨DEL⟩"},
	} {
		if got := visible(tc.in, 0); got != tc.want {
			t.Errorf("visible(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := visible(strings.Repeat("あ", 10), 4); got != "ああああ…" {
		t.Errorf("cap: %q", got)
	}
}

func TestMarkdownCode(t *testing.T) {
	for _, tc := range []struct {
		in      string
		inTable bool
		want    string
	}{
		{"a`b", false, "`` a`b ``"},
		{"``", false, "``` `` ```"},
		{"x|y", true, "` x\\|y `"},
		{"x|y", false, "` x|y `"},
		{"", false, ""},
	} {
		if got := mdCode(tc.in, tc.inTable); got != tc.want {
			t.Errorf("mdCode(%q, %v) = %q, want %q", tc.in, tc.inTable, got, tc.want)
		}
	}
}

func TestCatalogueComplete(t *testing.T) {
	for k, v := range catalog {
		if strings.TrimSpace(v[en]) == "" || strings.TrimSpace(v[ja]) == "" {
			t.Errorf("catalogue key %q lacks a translation", k)
		}
	}
	for _, tc := range tactics {
		if tc.Name[ja] == "" || tc.Name[en] == "" {
			t.Errorf("tactic %s lacks a name", tc.ID)
		}
	}
	if tacticName(ja, "Initial Access") != "初期アクセス" || tacticName(ja, "TA0001") != "初期アクセス" ||
		tacticName(ja, "initial_access") != "初期アクセス" || tacticName(en, "TA0010") != "Exfiltration" {
		t.Error("tactic lookup by name, id or slug fails")
	}
	// Every key the renderers ask for must exist (an unknown key renders as
	// the key itself): scan the sources for msg(l, "…"), m.t("…") and {{t "…"}}.
	use := regexp.MustCompile(`(?:msg\([a-zA-Z.]+, |\.t\(|\{\{t )"([a-z_]+\.[a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	files = append(files, "templates/report.html.tmpl")
	n := 0
	for _, fn := range files {
		if strings.HasSuffix(fn, "_test.go") {
			continue
		}
		src, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range use.FindAllStringSubmatch(string(src), -1) {
			n++
			if _, ok := catalog[m[1]]; !ok {
				t.Errorf("%s uses catalogue key %q, which does not exist", fn, m[1])
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d catalogue uses: the scan is broken", n)
	}
	// A catalogue format string used with the wrong arguments shows as %!.
	for name, b := range render(t) {
		if bytes.Contains(b, []byte("%!")) || bytes.Contains(b, []byte(`%\!`)) {
			t.Errorf("%s: fmt error in output: %s", name, b[bytes.Index(b, []byte("%")):][:40])
		}
	}
}

func TestJSONContract(t *testing.T) {
	f := &findings.Findings{Schema: findings.Schema, Incidents: []findings.Incident{{
		ID: "x", FirstSeen: time.Date(2026, 3, 14, 11, 0, 0, 0, tokyo(t)),
	}}}
	var b bytes.Buffer
	if err := WriteJSON(&b, f); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`"inputs": []`, `"alerts": []`, `"timeline": []`, `"first_seen": "2026-03-14T02:00:00Z"`, `"entry_vector": null`} {
		if !strings.Contains(s, want) {
			t.Errorf("findings.json lacks %s", want)
		}
	}
	if !strings.HasSuffix(s, "}\n") {
		t.Error("no trailing newline")
	}
	var b2 bytes.Buffer
	WriteJSON(&b2, &findings.Findings{Alerts: []findings.Alert{{Title: "<script>&"}}})
	if strings.Contains(b2.String(), "<script>") || !strings.Contains(b2.String(), `\u003cscript\u003e\u0026`) {
		t.Errorf("HTML not escaped in JSON: %s", b2.String())
	}
	if f.Incidents[0].FirstSeen.Location() != tokyo(t) && f.Incidents[0].FirstSeen.Location().String() != "Asia/Tokyo" {
		t.Error("WriteJSON changed the caller's times")
	}
}

func TestEmptyAndNil(t *testing.T) {
	var b bytes.Buffer
	for _, err := range []error{WriteJSON(&b, nil), WriteHTML(&b, nil, Options{}), WriteMarkdown(&b, nil, Options{}), WriteSummary(&b, nil, Options{})} {
		if err == nil {
			t.Error("nil findings accepted")
		}
	}
	empty := &findings.Findings{Schema: 1}
	for _, o := range []Options{{}, {Lang: "ja", Location: tokyo(t)}} {
		b.Reset()
		if err := WriteHTML(&b, empty, o); err != nil || !strings.Contains(b.String(), msg(lang(o.Lang), "exec.none")) {
			t.Errorf("empty HTML: %v", err)
		}
		b.Reset()
		if err := WriteMarkdown(&b, empty, o); err != nil || !strings.Contains(b.String(), mdLabel(msg(lang(o.Lang), "exec.none"))) {
			t.Errorf("empty Markdown: %v", err)
		}
		b.Reset()
		if err := WriteSummary(&b, empty, o); err != nil || !strings.Contains(b.String(), msg(lang(o.Lang), "exec.none")) {
			t.Errorf("empty summary: %v", err)
		}
	}
	b.Reset()
	tl := NewTimeline(&b)
	if err := tl.Flush(); err != nil || b.String() != strings.Join(TimelineColumns, ",")+"\n" {
		t.Errorf("empty timeline = %q, %v", b.String(), err)
	}
	if IncidentRows(nil) != nil {
		t.Error("IncidentRows(nil) != nil")
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct {
		l    int
		sec  int64
		want string
	}{
		{en, 0, "0 s"}, {en, 59, "59 s"}, {en, 1654, "27 min 34 s"}, {en, 3600, "1 h"},
		{en, 90061, "1 d 1 h"}, {ja, 1654, "27分34秒"}, {ja, 90061, "1日1時間"},
	} {
		if got := fmtDuration(tc.l, tc.sec); got != tc.want {
			t.Errorf("fmtDuration(%d) = %q, want %q", tc.sec, got, tc.want)
		}
	}
	if got := fmtBytes(en, 21504115); got != "20.5 MiB (21,504,115 bytes)" {
		t.Errorf("fmtBytes = %q", got)
	}
	if got := fmtPercent(999999, 1000000); got != "99.9%" {
		t.Errorf("fmtPercent rounds up to 100: %q", got)
	}
	if got := fmtTime(ts("2026-03-14T02:11:09Z"), tokyo(t)); got != "2026-03-14 11:11:09 JST" {
		t.Errorf("fmtTime = %q", got)
	}
}

func TestChart(t *testing.T) {
	inc := fixture().Incidents[0]
	c := newChart(en, time.UTC, inc)
	var labels []string
	dots := 0
	for _, ln := range c.Lanes {
		labels = append(labels, ln.Label)
		for _, d := range ln.Dots {
			dots++
			if d.X < c.Left || d.X > c.Right {
				t.Errorf("dot at x=%d outside [%d,%d]", d.X, c.Left, c.Right)
			}
		}
		if ln.BarW > 0 && (ln.BarX < c.Left || ln.BarX+ln.BarW > c.Right+4) {
			t.Errorf("bar %q at [%d,+%d] outside the plot", ln.Label, ln.BarX, ln.BarW)
		}
	}
	want := "Reconnaissance,Initial Access,Discovery,Collection,Exfiltration,Impact,=cmd|' /C calc'!A0"
	if got := strings.Join(labels, ","); got != want {
		t.Errorf("lanes = %s\nwant    %s", got, want)
	}
	if dots != 7 { // 1 reconnaissance step + 6 timeline steps; the entry vector is one of them
		t.Errorf("%d dots, want 7", dots)
	}
	// The first and last activity sit at the plot's edges.
	first, last := c.Lanes[0].Dots[0].X, c.Lanes[4].Dots[len(c.Lanes[4].Dots)-1].X
	if first != c.Left || last != c.Right {
		t.Errorf("time scale: first dot %d (want %d), last %d (want %d)", first, c.Left, last, c.Right)
	}
	// One instant only: no division by zero, a visible range.
	one := findings.Incident{FirstSeen: inc.FirstSeen, LastSeen: inc.FirstSeen, Timeline: inc.Timeline[:1]}
	c = newChart(ja, time.UTC, one)
	if len(c.Lanes) != 1 || c.Lanes[0].Label != "初期アクセス" || len(c.Ticks) != 6 {
		t.Errorf("single-instant chart: %+v", c)
	}
}
