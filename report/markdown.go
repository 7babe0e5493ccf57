package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kizuki-dfir/kizuki/findings"
)

// WriteMarkdown writes the report as GitHub-flavoured Markdown for tickets
// and wikis: the same sections as the HTML report, without the chart.
//
// No log-derived string can create a link, image, heading, emphasis or raw
// HTML: identifiers, paths and log lines are written as code spans (whose
// content Markdown never interprets, with a fence longer than any backtick
// run inside), and prose is backslash-escaped on every ASCII punctuation
// character. Prose that contains an autolink trigger ("://", "www.", "@"),
// which GFM links even without brackets, is written as a code span too.
// Pipes are escaped inside tables; newlines and controls were already made
// visible by visible().
func WriteMarkdown(w io.Writer, f *findings.Findings, o Options) error {
	if f == nil {
		return fmt.Errorf("write Markdown report: nil findings")
	}
	v := newView(f, o)
	bw := bufio.NewWriter(w)
	m := &mdWriter{w: bw, l: v.L}
	m.doc(v)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write Markdown report: %w", err)
	}
	return nil
}

type mdWriter struct {
	w *bufio.Writer
	l int
}

func (m *mdWriter) p(parts ...string) {
	for _, s := range parts {
		m.w.WriteString(s)
	}
	m.w.WriteByte('\n')
}

func (m *mdWriter) t(key string) string { return mdLabel(msg(m.l, key)) }

// table writes a GFM table; cells must already be escaped for a table.
func (m *mdWriter) table(head []string, align string, rows [][]string) {
	m.p("| " + strings.Join(head, " | ") + " |")
	var sep []string
	for i := range head {
		if i < len(align) && align[i] == 'r' {
			sep = append(sep, "---:")
		} else {
			sep = append(sep, "---")
		}
	}
	m.p("| " + strings.Join(sep, " | ") + " |")
	for _, r := range rows {
		for i, c := range r {
			if c == "" {
				r[i] = " "
			}
		}
		m.p("| " + strings.Join(r, " | ") + " |")
	}
	m.p()
}

func (m *mdWriter) doc(v *view) {
	m.p("# ", m.t("report.title"))
	m.p()
	m.p(m.t("report.generated"), " ", mdCode(v.Tool, false), " · ", m.t("report.zone"), " ", mdText(v.Zone, false), " · ", m.t("report.utc_note"))
	m.p()

	m.p("## ", m.t("exec.title"))
	m.p()
	s := v.Summary
	m.table([]string{m.t("exec.counts"), m.t("exec.lines"), m.t("exec.parsed"), m.t("exec.unparsed"), m.t("exec.alerts"), m.t("exec.incidents")},
		"rrrrrr", [][]string{{fmtInt(int64(s.Inputs)), fmtInt(s.Lines), fmtPercent(s.Parsed, s.Parsed+s.Unparsed), fmtInt(s.Unparsed), fmtInt(int64(s.Alerts)), fmtInt(int64(s.Incidents))}})
	if len(v.Incidents) == 0 {
		m.p(m.t("exec.none"))
		m.p()
	}
	for _, inc := range v.Incidents {
		m.incident(inc)
	}

	m.p("## ", m.t("alerts.title"))
	m.p()
	var sev []string
	for _, c := range v.SevCounts {
		sev = append(sev, mdText(c.Label, false)+" **"+fmtInt(int64(c.N))+"**")
	}
	m.p(m.t("alerts.by_sev"), ": ", strings.Join(sev, " · "))
	m.p()
	if len(v.Alerts) == 0 {
		m.p(m.t("alerts.none"))
		m.p()
	} else {
		var rows [][]string
		for _, a := range v.Alerts {
			title := mdText(a.Title, true)
			if a.Detail != "" {
				title += "<br>" + mdCode(a.Detail, true)
			}
			rows = append(rows, []string{a.Time, mdText(a.SevLabel, true), title, mdCode(a.Rule, true), mdCode(a.Actor, true),
				a.Count, mdCode(a.Attack, true), mdEvidence(a.Evidence, 3, m.l)})
		}
		m.table([]string{m.t("col.time"), m.t("col.severity"), m.t("col.title"), m.t("col.rule"), m.t("col.actor"), m.t("col.count"), m.t("col.attack"), m.t("col.evidence")}, "     r", rows)
	}

	m.p("## ", m.t("inputs.title"))
	m.p()
	var rows [][]string
	for _, in := range v.Inputs {
		format := mdText(in.Format, true)
		if in.Compression != "" {
			format += " (" + mdText(in.Compression, true) + ")"
		}
		rows = append(rows, []string{mdCode(in.Path, true), format, in.Bytes, in.Lines, in.Parsed + " (" + in.Percent + ")", in.Unparsed, in.Blank, in.Span, mdCode(in.SHA256, true)})
	}
	m.table([]string{m.t("col.path"), m.t("col.format"), m.t("col.bytes"), m.t("col.lines"), m.t("col.parsed"), m.t("col.unparsed"), m.t("col.blank"), m.t("col.span"), m.t("col.sha256")}, "  rrrrr", rows)
	m.p("### ", m.t("scan.title"))
	m.p()
	for _, kv := range v.Scan {
		m.p("- ", mdLabel(kv[0]), ": ", mdCode(kv[1], false))
	}
	m.p()

	m.p("## ", m.t("unparsed.title"))
	m.p()
	if len(v.Unparsed) == 0 {
		m.p(m.t("unparsed.none"))
		m.p()
	}
	for _, in := range v.Unparsed {
		m.p("### ", mdCode(in.Path, false))
		m.p()
		m.p(in.Unparsed, " ", m.t("unparsed.count"), " · ", mdText(in.Format, false))
		m.p()
		if len(in.Problems) > 0 {
			var rows [][]string
			for _, pr := range in.Problems {
				rows = append(rows, []string{mdCode(pr[0], true), mdText(pr[1], true), pr[2]})
			}
			m.table([]string{m.t("col.kind"), m.t("col.message"), m.t("col.count")}, "  r", rows)
		}
		if len(in.Samples) > 0 {
			m.p("**", m.t("unparsed.samples"), "**")
			m.p()
			var rows [][]string
			for _, sm := range in.Samples {
				rows = append(rows, []string{sm[0], mdCode(sm[1], true)})
			}
			m.table([]string{m.t("col.line"), m.t("col.text")}, "r", rows)
		}
	}
	m.p("---")
	m.p()
	m.p(mdCode(v.Tool, false), " · findings.json schema ", fmt.Sprint(v.Schema))
}

func (m *mdWriter) incident(inc incView) {
	m.p("### ", mdText(inc.ID, false), " — ", mdText(inc.Title, false), " (", mdText(inc.SevLabel, false), ")")
	m.p()
	conf := "**" + m.t("inc.confidence") + ":** " + mdText(inc.Confidence, false)
	if len(inc.Reasons) > 0 {
		var rs []string
		for _, r := range inc.Reasons {
			rs = append(rs, mdText(r, false))
		}
		conf += " — " + strings.Join(rs, "; ")
	}
	m.p(conf, "  ")
	var actors []string
	for _, a := range inc.Actors {
		actors = append(actors, mdCode(a, false))
	}
	m.p("**", m.t("inc.actors"), ":** ", strings.Join(actors, ", "))
	m.p()
	m.p(mdText(inc.Story, false))
	m.p()

	m.p("#### ", m.t("q.entry"))
	m.p()
	m.p(mdText(inc.Entry, false))
	if inc.EntryTime != "" {
		line := "*" + inc.EntryTime
		if inc.EntryAttack != "" {
			line += " · " + mdText(inc.EntryAttack, false)
		}
		m.p()
		m.p(line, "*")
		for _, e := range inc.EntryEvidence {
			m.p()
			m.p(m.t("col.evidence"), ": ", mdCode(e.Loc, false))
		}
	}
	m.p()

	m.p("#### ", m.t("q.duration"))
	m.p()
	m.p("- **", m.t("dur.first"), ":** ", inc.FirstSeen)
	m.p("- **", m.t("dur.last"), ":** ", inc.LastSeen)
	m.p("- **", m.t("dur.dwell"), ":** ", inc.Dwell)
	m.p("- **", m.t("dur.first_alert"), ":** ", inc.FirstAlert)
	m.p("- **", m.t("dur.detect"), ":** ", inc.Detect)
	m.p()

	m.p("#### ", m.t("q.taken"))
	m.p()
	m.p("- **", m.t("taken.bytes"), ":** ", inc.DataOut)
	m.p("- **", m.t("taken.read"), ":** ", inc.Read)
	m.p("- **", m.t("taken.destroyed"), ":** ", inc.Destroyed)
	m.p("- **", m.t("taken.confirmed"), ":** ", inc.Confirmed)
	m.p("- **", m.t("taken.possible"), ":** ", inc.Possible)
	for _, b := range inc.Basis {
		m.p("  - ", m.t("taken.basis"), ": ", mdText(b, false))
	}
	if len(inc.Files) > 0 {
		var fs []string
		for _, f := range inc.Files {
			fs = append(fs, mdCode(f, false))
		}
		m.p("- **", m.t("taken.files"), ":** ", strings.Join(fs, ", "))
	}
	m.p()

	m.p("#### ", m.t("q.did"))
	m.p()
	var rows [][]string
	for _, ph := range inc.Phases {
		rows = append(rows, []string{mdText(ph.Name, true) + " " + mdCode(ph.ID, true), mdCode(ph.Techniques, true), ph.First, ph.Last})
	}
	m.table([]string{m.t("col.tactic"), m.t("col.techniques"), m.t("col.first"), m.t("col.last")}, "", rows)

	if len(inc.Recon) > 0 {
		m.p("#### ", m.t("inc.recon"))
		m.p()
		m.table([]string{m.t("col.time"), m.t("col.what"), m.t("col.evidence")}, "", stepRows(inc.Recon, false, m.l))
	}
	m.p("#### ", m.t("inc.timeline"))
	m.p()
	m.table([]string{m.t("col.time"), m.t("col.tactic"), m.t("col.what"), m.t("col.evidence")}, "", stepRows(inc.Steps, true, m.l))

	m.p("#### ", m.t("inc.evidence"))
	m.p()
	rows = nil
	for _, e := range inc.Evidence {
		rows = append(rows, []string{mdCode(e.Loc, true), mdCode(e.Text, true), mdCode(e.SHA256, true)})
	}
	m.table([]string{m.t("col.location"), m.t("col.text"), m.t("col.sha256")}, "", rows)
	if len(inc.AlertIDs) > 0 {
		var ids []string
		for _, id := range inc.AlertIDs {
			ids = append(ids, mdCode(id, false))
		}
		m.p(m.t("inc.alerts"), ": ", strings.Join(ids, ", "))
		m.p()
	}
}

func stepRows(steps []stepView, withTactic bool, l int) [][]string {
	var rows [][]string
	for _, s := range steps {
		r := []string{s.Time}
		if withTactic {
			t := mdText(s.Tactic, true)
			if s.Attack != "" {
				t += " " + mdCode(s.Attack, true)
			}
			r = append(r, t)
		}
		r = append(r, mdText(s.What, true), mdEvidence(s.Evidence, 3, l))
		rows = append(rows, r)
	}
	return rows
}

func mdEvidence(ev []evView, max, l int) string {
	var out []string
	for i, e := range ev {
		if i == max {
			out = append(out, mdLabel(fmt.Sprintf(msg(l, "alerts.more"), len(ev)-max)))
			break
		}
		out = append(out, mdCode(e.Loc, true))
	}
	return strings.Join(out, "<br>")
}

// mdLabel escapes kizuki's own catalogue text (it contains "&" and
// parentheses, which are harmless, but keeps the rule simple: nothing reaches
// Markdown unescaped).
func mdLabel(s string) string { return mdEscape(s, true) }

// mdText escapes prose. Strings an autolink extension could turn into a link
// are written as code spans instead, since backslash escapes do not stop
// GFM's extended autolinks in every renderer.
func mdText(s string, inTable bool) string {
	ls := strings.ToLower(s)
	if strings.Contains(ls, "://") || strings.Contains(ls, "www.") || strings.Contains(ls, "@") ||
		strings.Contains(ls, "mailto:") || strings.Contains(ls, "xmpp:") {
		return mdCode(s, inTable)
	}
	return mdEscape(s, inTable)
}

func mdEscape(s string, _ bool) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x80 && strings.ContainsRune("\\`*_{}[]()<>#+-.!|&~=$", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdCode writes s as a code span: a backtick fence one longer than the
// longest run inside, padded with a space each side (CommonMark strips
// exactly one), so nothing in s can close the span; an all-space string is
// not padded, as CommonMark would keep the padding. Inside a table, pipes
// are escaped because GFM splits cells before parsing code spans.
func mdCode(s string, inTable bool) string {
	if s == "" {
		return ""
	}
	run, longest := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	if inTable {
		s = strings.ReplaceAll(s, "|", "\\|")
	}
	fence := strings.Repeat("`", longest+1)
	if strings.Trim(s, " ") == "" {
		return fence + s + fence // CommonMark strips no padding from an all-space span
	}
	return fence + " " + s + " " + fence
}
