package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/findings"
)

// The view is what HTML, Markdown and the terminal summary share: findings
// with every label translated, every time formatted in the reader's zone and
// every log-derived string passed through visible(). Renderers still escape
// for their medium; the view only guarantees there is nothing invisible left.

const textCap = 2000 // runes of one log-derived string in HTML and Markdown

type view struct {
	L         int
	Schema    int
	Lang      string
	Zone      string // e.g. "JST (Asia/Tokyo)"
	Tool      string
	Summary   findings.Summary
	Scan      [][2]string
	SevCounts []sevCount
	Incidents []incView
	Alerts    []alertView
	Inputs    []inputView
	Unparsed  []inputView // inputs with problems or samples
}

type sevCount struct {
	Key, Label string
	N          int
}

type incView struct {
	ID, Title, Anchor          string
	Sev, SevLabel              string
	Confidence                 string
	Reasons                    []string
	Actors                     []string
	Story                      string // the answers in one paragraph, for the executive summary
	Entry                      string // what, or "not determined"
	EntryTime                  string
	EntryAttack                string
	EntryEvidence              []evView
	FirstSeen, LastSeen, Dwell string
	FirstAlert, Detect         string
	DataOut                    string
	DataOutBytes               int64
	Read, Destroyed            string
	Confirmed, Possible        string
	Basis                      []string
	Files                      []string
	Phases                     []phaseView
	Chart                      chart
	Recon                      []stepView
	Steps                      []stepView
	Evidence                   []evView
	AlertIDs                   []string
}

type phaseView struct {
	ID, Name, Techniques, First, Last string
	Color                             string
}

type stepView struct {
	Time, Tactic, Attack, What string
	Evidence                   []evView
}

type evView struct {
	Path, Line, Loc, SHA256, Text string
}

type alertView struct {
	ID, Time, Sev, SevLabel, Rule, Title, Actor, Count, Attack, Detail string
	Evidence                                                           []evView
}

type inputView struct {
	Path, Format, Compression, Bytes, Lines, Parsed, Percent, Unparsed, Blank, Span, SHA256 string
	Sniffed                                                                                 bool
	UnparsedN                                                                               int64
	Problems                                                                                [][3]string // kind, message, count
	Samples                                                                                 [][2]string // line, text
}

var severities = []string{"critical", "high", "medium", "low", "informational"}

func sevRank(s string) int {
	if i := slices.Index(severities, strings.ToLower(s)); i >= 0 {
		return i
	}
	return len(severities)
}

// sevKey is a CSS-safe severity key: one of severities, or "unknown".
func sevKey(s string) string {
	s = strings.ToLower(s)
	if slices.Contains(severities, s) {
		return s
	}
	return "unknown"
}

func newView(f *findings.Findings, o Options) *view {
	l := lang(o.Lang)
	loc := o.loc()
	v := &view{L: l, Schema: f.Schema, Lang: [2]string{"en", "ja"}[l], Summary: f.Summary}
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, loc) // any fixed instant: only the abbreviation is wanted
	if len(f.Incidents) > 0 {
		now = f.Incidents[0].FirstSeen.In(loc)
	}
	abbr, _ := now.Zone()
	v.Zone = abbr
	if loc.String() != abbr {
		v.Zone = abbr + " (" + loc.String() + ")"
	}
	v.Tool = strings.TrimSpace(visible(f.Tool.Name, 80) + " " + visible(f.Tool.Version, 80))

	v.Scan = append(v.Scan, [2]string{msg(l, "scan.tz"), visible(f.Options.TimeZone, 200)})
	if f.Options.Format != "" {
		v.Scan = append(v.Scan, [2]string{msg(l, "scan.format"), visible(f.Options.Format, 200)})
	}
	if f.Options.AccessFormat != "" {
		v.Scan = append(v.Scan, [2]string{msg(l, "scan.access"), visible(f.Options.AccessFormat, 500)})
	}
	if len(f.Options.Rules) > 0 {
		v.Scan = append(v.Scan, [2]string{msg(l, "scan.rules"), visible(strings.Join(f.Options.Rules, ", "), 500)})
	}
	v.Scan = append(v.Scan, [2]string{msg(l, "scan.paranoia"), strconv.Itoa(f.Options.Paranoia)})

	counts := map[string]int{}
	for _, a := range f.Alerts {
		counts[sevKey(a.Severity)]++
	}
	for _, s := range append(slices.Clone(severities), "unknown") {
		if counts[s] > 0 || s != "unknown" {
			v.SevCounts = append(v.SevCounts, sevCount{Key: s, Label: word(l, s), N: counts[s]})
		}
	}

	for i, inc := range f.Incidents {
		iv := newIncView(l, loc, inc)
		iv.Anchor = "inc-" + strconv.Itoa(i+1) + "-" + anchorSafe(inc.ID)
		v.Incidents = append(v.Incidents, iv)
	}

	alerts := slices.Clone(f.Alerts)
	slices.SortStableFunc(alerts, func(a, b findings.Alert) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(sevRank(a.Severity), sevRank(b.Severity)),
			cmp.Compare(a.RuleID, b.RuleID), cmp.Compare(a.ID, b.ID))
	})
	for _, a := range alerts {
		v.Alerts = append(v.Alerts, alertView{
			ID:       visible(a.ID, 100),
			Time:     fmtTime(a.Time, loc),
			Sev:      sevKey(a.Severity),
			SevLabel: visible(word(l, a.Severity), 40),
			Rule:     visible(a.RuleID, 200),
			Title:    visible(a.Title, 500),
			Actor:    visible(a.Actor, 300),
			Count:    fmtInt(int64(a.Count)),
			Attack:   visible(strings.Join(a.Attack, ", "), 300),
			Detail:   visible(a.Detail, textCap),
			Evidence: evViews(a.Evidence),
		})
	}

	for _, in := range f.Inputs {
		iv := inputView{
			Path:        visible(in.Path, 1000),
			Format:      visible(in.Format, 100),
			Compression: visible(in.Compression, 40),
			Bytes:       fmtInt(in.Bytes),
			Lines:       fmtInt(in.Lines),
			Parsed:      fmtInt(in.Parsed),
			Percent:     fmtPercent(in.Parsed, in.Parsed+in.Unparsed),
			Unparsed:    fmtInt(in.Unparsed),
			Blank:       fmtInt(in.Blank),
			UnparsedN:   in.Unparsed,
			SHA256:      visible(in.SHA256, 128),
			Sniffed:     in.Sniffed,
		}
		if in.FirstTime != nil && in.LastTime != nil {
			iv.Span = fmtTime(*in.FirstTime, loc) + " – " + fmtTime(*in.LastTime, loc)
		}
		for _, p := range in.Problems {
			iv.Problems = append(iv.Problems, [3]string{visible(p.Kind, 100), visible(p.Message, textCap), fmtInt(p.Count)})
		}
		for _, s := range in.Samples {
			iv.Samples = append(iv.Samples, [2]string{strconv.FormatInt(s.Line, 10), visible(s.Text, textCap)})
		}
		v.Inputs = append(v.Inputs, iv)
		if len(iv.Problems) > 0 || len(iv.Samples) > 0 || in.Unparsed > 0 {
			v.Unparsed = append(v.Unparsed, iv)
		}
	}
	return v
}

func newIncView(l int, loc *time.Location, inc findings.Incident) incView {
	iv := incView{
		ID:         visible(inc.ID, 100),
		Title:      visible(incidentTitle(l, inc), 500),
		Sev:        sevKey(inc.Severity),
		SevLabel:   visible(word(l, inc.Severity), 40),
		Confidence: visible(word(l, inc.Confidence), 40),
		FirstSeen:  fmtTime(inc.FirstSeen, loc),
		LastSeen:   fmtTime(inc.LastSeen, loc),
		Dwell:      fmtDuration(l, inc.DwellSeconds),
		FirstAlert: msg(l, "dur.no_alert"),
		Detect:     msg(l, "dur.no_alert"),
		DataOut:    fmtBytes(l, inc.DataOutBytes),
		Read:       fmtInt(inc.RecordsRead),
		Destroyed:  fmtInt(inc.RecordsDestroyed),
		Confirmed:  fmtInt(inc.AffectedConfirmed),
		Possible:   fmtInt(inc.AffectedPossible),
		Entry:      msg(l, "entry.unknown"),
		Evidence:   evViews(inc.Evidence),
		Chart:      newChart(l, loc, inc),
	}
	iv.DataOutBytes = inc.DataOutBytes
	for _, r := range inc.ConfidenceReasons {
		iv.Reasons = append(iv.Reasons, visible(r, textCap))
	}
	for _, a := range inc.Actors {
		iv.Actors = append(iv.Actors, visible(word(l, a.Kind), 40)+" "+visible(a.Value, 300))
	}
	if e := inc.EntryVector; e != nil {
		iv.Entry = visible(stepText(l, *e), textCap)
		iv.EntryTime = fmtTime(e.Time, loc)
		iv.EntryAttack = visible(strings.Join(e.Attack, ", "), 300)
		iv.EntryEvidence = evViews(e.Evidence)
	}
	if inc.FirstAlert != nil {
		iv.FirstAlert = fmtTime(*inc.FirstAlert, loc)
		iv.Detect = fmtDuration(l, inc.DetectSeconds) + " " + msg(l, "unit.after")
		if l == ja {
			iv.Detect = fmtDuration(l, inc.DetectSeconds) + msg(l, "unit.after")
		}
	}
	for _, b := range inc.AffectedBasis {
		iv.Basis = append(iv.Basis, visible(b, textCap))
	}
	for _, fl := range inc.FilesDownloaded {
		iv.Files = append(iv.Files, visible(fl, 1000))
	}
	actor := msg(l, "exec.unknown_actor")
	if len(inc.Actors) > 0 {
		actor = visible(inc.Actors[0].Value, 100)
	}
	entry := iv.Entry
	if !strings.HasSuffix(entry, ".") && !strings.HasSuffix(entry, "。") {
		entry += [2]string{".", "。"}[l]
	}
	iv.Story = fmt.Sprintf(msg(l, "exec.story"), actor, iv.Dwell, iv.FirstSeen, iv.LastSeen, visible(entry, 300),
		iv.DataOut, iv.Read, iv.Destroyed, iv.Confirmed, iv.Possible)
	for _, t := range sortedTactics(inc.Tactics) {
		name := t.Name
		id := t.ID
		if i := lookupTactic(t.ID); i >= 0 {
			name = tactics[i].Name[l]
		} else if i := lookupTactic(t.Name); i >= 0 {
			name, id = tactics[i].Name[l], tactics[i].ID
		}
		iv.Phases = append(iv.Phases, phaseView{
			ID: visible(id, 40), Name: visible(name, 100),
			Techniques: visible(strings.Join(t.Techniques, ", "), 500),
			First:      fmtTime(t.First, loc), Last: fmtTime(t.Last, loc),
			Color: tacticColor(t),
		})
	}
	for _, s := range inc.Recon {
		iv.Recon = append(iv.Recon, newStepView(l, loc, s))
	}
	for _, s := range inc.Timeline {
		iv.Steps = append(iv.Steps, newStepView(l, loc, s))
	}
	for _, id := range inc.Alerts {
		iv.AlertIDs = append(iv.AlertIDs, visible(id, 100))
	}
	return iv
}

func newStepView(l int, loc *time.Location, s findings.Step) stepView {
	return stepView{
		Time:     fmtTime(s.Time, loc),
		Tactic:   visible(tacticName(l, s.Tactic), 100),
		Attack:   visible(strings.Join(s.Attack, ", "), 300),
		What:     visible(stepText(l, s), textCap),
		Evidence: evViews(s.Evidence),
	}
}

func evViews(ev []findings.Evidence) []evView {
	out := make([]evView, 0, len(ev))
	for _, e := range ev {
		p := visible(e.Path, 1000)
		ln := ""
		loc := p
		if e.Line > 0 {
			ln = strconv.FormatInt(e.Line, 10)
			loc = p + ":" + ln
		}
		out = append(out, evView{Path: p, Line: ln, Loc: loc, SHA256: visible(e.SHA256, 128), Text: visible(e.Text, textCap)})
	}
	return out
}

// sortedTactics orders tactics along the kill chain, unknown ones last by
// first activity, without touching the caller's slice.
func sortedTactics(ts []findings.Tactic) []findings.Tactic {
	out := slices.Clone(ts)
	rank := func(t findings.Tactic) int {
		if i := lookupTactic(t.ID); i >= 0 {
			return i
		}
		if i := lookupTactic(t.Name); i >= 0 {
			return i
		}
		return len(tactics)
	}
	slices.SortStableFunc(out, func(a, b findings.Tactic) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), a.First.Compare(b.First), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// anchorSafe keeps only [A-Za-z0-9-_] so an id can be a fragment identifier.
func anchorSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		}
		if b.Len() >= 64 {
			break
		}
	}
	return b.String()
}
