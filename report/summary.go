package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/kizuki-dfir/kizuki/findings"
)

// termCap is the longest log-derived string the terminal summary shows.
const termCap = 160

// WriteSummary writes the compact terminal summary: inputs (format, lines,
// parsed %, unparsed), alerts by severity, and each incident's answers.
//
// Log-derived strings pass through visible(), so no control character,
// escape sequence (ESC, CSI, OSC, C1), carriage return or bidi override from
// a log reaches the terminal: they are shown as ⟨ESC⟩, ⟨U+202E⟩ and so on. The
// only escape sequences in the output are kizuki's own colours, and only
// with Options.Color. Lines are cut to Options.Width display columns
// (East Asian wide characters count two; 0 means 100, the minimum is 40).
func WriteSummary(w io.Writer, f *findings.Findings, o Options) error {
	if f == nil {
		return fmt.Errorf("write summary: nil findings")
	}
	v := newView(f, o)
	width := o.Width
	if width <= 0 {
		width = 100
	}
	width = max(width, 40)
	bw := bufio.NewWriter(w)
	s := &term{w: bw, width: width, color: o.Color, l: v.L}
	s.render(v)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}

type term struct {
	w     *bufio.Writer
	width int
	color bool
	l     int
}

const (
	sgrReset = "\x1b[0m"
	sgrBold  = "\x1b[1m"
	sgrDim   = "\x1b[2m"
)

var sevSGR = map[string]string{
	"critical": "\x1b[1;97;41m", "high": "\x1b[1;31m", "medium": "\x1b[33m",
	"low": "\x1b[34m", "informational": "\x1b[2m", "unknown": "\x1b[2m",
}

// line writes one line cut to the terminal width; style is an SGR sequence
// applied to the whole line ("" for none).
func (t *term) line(style, s string) {
	s = fitWidth(s, t.width)
	if t.color && style != "" {
		t.w.WriteString(style + s + sgrReset + "\n")
		return
	}
	t.w.WriteString(s + "\n")
}

func (t *term) render(v *view) {
	l := t.l
	t.line(sgrBold, v.Tool+" — "+msg(l, "report.title")+" · "+msg(l, "report.zone")+" "+v.Zone)
	t.line("", "")

	t.line(sgrBold, msg(l, "term.inputs"))
	hdr := []string{msg(l, "col.format"), msg(l, "col.lines"), msg(l, "col.parsed"), msg(l, "col.unparsed"), msg(l, "col.path")}
	rows := [][]string{}
	for _, in := range v.Inputs {
		rows = append(rows, []string{clip(in.Format, 20), in.Lines, in.Percent, in.Unparsed, in.Path})
	}
	s := v.Summary
	rows = append(rows, []string{msg(l, "term.total"), fmtInt(s.Lines), fmtPercent(s.Parsed, s.Parsed+s.Unparsed), fmtInt(s.Unparsed), ""})
	t.table(hdr, rows, []bool{false, true, true, true, false})
	t.line("", "")

	// alerts by severity, wrapped to the width; colour only on non-zero counts
	head := msg(l, "term.alerts")
	t.w.WriteString(t.bold(head))
	col := displayWidth(head)
	for _, c := range v.SevCounts {
		p := c.Label + " " + fmtInt(int64(c.N))
		if col+2+displayWidth(p) > t.width {
			t.w.WriteString("\n ")
			col = 1
		}
		t.w.WriteString("  ")
		if t.color && c.N > 0 {
			t.w.WriteString(sevSGR[c.Key] + p + sgrReset)
		} else {
			t.w.WriteString(p)
		}
		col += 2 + displayWidth(p)
	}
	t.w.WriteString("\n\n")

	t.line(sgrBold, msg(l, "term.incidents"))
	if len(v.Incidents) == 0 {
		t.line("", "  "+msg(l, "exec.none"))
	}
	for _, inc := range v.Incidents {
		sev := "[" + strings.ToUpper(clip(inc.SevLabel, 20)) + "]"
		if t.color {
			sev = sevSGR[inc.Sev] + sev + sgrReset
		}
		head := fitWidth(" "+inc.ID+"  "+clip(inc.Title, termCap)+"  ("+msg(l, "inc.confidence")+": "+inc.Confidence+")", t.width-displayWidth(stripSGR(sev))-2)
		t.w.WriteString(" " + sev + head + "\n")
		var actors []string
		for _, a := range inc.Actors {
			actors = append(actors, clip(a, 60))
		}
		t.kv(msg(l, "inc.actors"), strings.Join(actors, ", "))
		entry := clip(inc.Entry, termCap)
		if inc.EntryTime != "" {
			entry += " (" + inc.EntryTime + ")"
		}
		t.kv(msg(l, "q.entry"), entry)
		for _, e := range inc.EntryEvidence {
			t.kv("", clip(e.Loc, termCap))
		}
		t.kv(msg(l, "q.duration"), inc.FirstSeen+" – "+inc.LastSeen)
		t.kv("", msg(l, "dur.dwell")+": "+inc.Dwell+" · "+msg(l, "dur.detect")+": "+inc.Detect)
		t.kv(msg(l, "q.taken"), msg(l, "taken.bytes")+": "+inc.DataOut)
		t.kv("", msg(l, "taken.read")+": "+inc.Read+" · "+msg(l, "taken.destroyed")+": "+inc.Destroyed)
		t.kv("", msg(l, "taken.confirmed")+": "+inc.Confirmed+" · "+msg(l, "taken.possible")+": "+inc.Possible)
		var phases []string
		for _, p := range inc.Phases {
			phases = append(phases, clip(p.Name, 40))
		}
		t.kv(msg(l, "q.did"), strings.Join(phases, " → "))
		t.line("", "")
	}
}

func (t *term) bold(s string) string {
	if t.color {
		return sgrBold + s + sgrReset
	}
	return s
}

// kv writes an indented "label  value" line; label column is 32 wide.
func (t *term) kv(label, value string) {
	t.line("", "   "+padRight(fitWidth(label, 32), 32)+" "+value)
}

// table writes a left/right-aligned table; the last column takes what width
// is left and is cut from the left (paths are most telling at the end).
func (t *term) table(hdr []string, rows [][]string, right []bool) {
	n := len(hdr)
	ws := make([]int, n)
	for i, h := range hdr {
		ws[i] = displayWidth(h)
	}
	for _, r := range rows {
		for i := 0; i < n-1; i++ {
			ws[i] = max(ws[i], displayWidth(r[i]))
		}
	}
	used := 2
	for i := 0; i < n-1; i++ {
		used += ws[i] + 2
	}
	last := max(t.width-used, 10)
	write := func(r []string, style string) {
		var b strings.Builder
		b.WriteString("  ")
		for i := 0; i < n-1; i++ {
			if right[i] {
				b.WriteString(padLeft(r[i], ws[i]))
			} else {
				b.WriteString(padRight(r[i], ws[i]))
			}
			b.WriteString("  ")
		}
		b.WriteString(fitLeft(r[n-1], last))
		t.line(style, strings.TrimRight(b.String(), " "))
	}
	write(hdr, sgrDim)
	for i, r := range rows {
		style := ""
		if i == len(rows)-1 {
			style = sgrBold
		}
		write(r, style)
	}
}

// clip limits a visible() string to n runes for the terminal.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// runeWidth is the terminal column width of r: 0 for combining marks, 2 for
// East Asian wide and full-width characters, 1 otherwise.
func runeWidth(r rune) int {
	switch {
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), r == 0x200b:
		return 0
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf && r != 0x303f,
		r >= 0xac00 && r <= 0xd7a3, r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f,
		r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, r >= 0x1f900 && r <= 0x1f9ff, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}

func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

// fitWidth cuts s to w columns, ending in "…" when cut.
func fitWidth(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	var b strings.Builder
	n := 0
	for _, r := range s {
		rw := runeWidth(r)
		if n+rw > w-1 {
			break
		}
		b.WriteRune(r)
		n += rw
	}
	b.WriteString("…")
	return b.String()
}

// fitLeft cuts s to w columns keeping its end: "…/nginx/access.log".
func fitLeft(s string, w int) string {
	if displayWidth(s) <= w {
		return s
	}
	r := []rune(s)
	n := 1
	i := len(r)
	for i > 0 && n+runeWidth(r[i-1]) <= w {
		i--
		n += runeWidth(r[i])
	}
	return "…" + string(r[i:])
}

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-displayWidth(s)))
}

func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-displayWidth(s))) + s
}

// stripSGR removes kizuki's own colour sequences, for width arithmetic.
func stripSGR(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], 'm')
		if j < 0 {
			return s
		}
		s = s[:i] + s[i+j+1:]
	}
}
