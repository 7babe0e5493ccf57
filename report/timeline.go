package report

import (
	"bufio"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/findings"
)

// TimelineColumns is the header of timeline.csv. Timesketch requires the
// first three (message, datetime, timestamp_desc); the rest become event
// attributes there:
//
//	message         what happened, one line
//	datetime        RFC 3339 in UTC, fractional seconds only when present ("" if unknown)
//	timestamp_desc  what the time means: "Incident step", "Alert", "Event", ...
//	actor           source address or account
//	rule            rule id of an alert
//	severity        informational … critical
//	source_file     input path (archive members as "archive!member")
//	source_line     1-based line number in that input ("" if unknown)
//	sha256          SHA-256 of the input, to verify the citation
//	tactic          ATT&CK tactic
//	attack          ATT&CK technique ids, separated by ";"
//	incident        incident id
//	data_type       what the row is: kizuki:alert, kizuki:incident_step, or the
//	                event's dataset (nginx.access, sshd, mysql.general, ...)
//
// CSV injection: a cell whose first character, or first character after
// leading spaces, is =, +, -, @, tab or CR (or a full-width ＝＋－＠, which
// some spreadsheet locales also evaluate) gets a single quote prepended, per
// OWASP's CSV injection guidance, so a spreadsheet shows it as text instead
// of evaluating "=cmd|' /C calc'!A0". The quote is visible in Timesketch too;
// that is the price of a file that is safe to double-click. Invalid UTF-8 is
// replaced with U+FFFD. Quoting is encoding/csv's (RFC 4180).
var TimelineColumns = []string{
	"message", "datetime", "timestamp_desc", "actor", "rule", "severity",
	"source_file", "source_line", "sha256", "tactic", "attack", "incident", "data_type",
}

// TimelineRow is one timeline.csv row.
type TimelineRow struct {
	Time     time.Time
	Desc     string // timestamp_desc
	Message  string
	Actor    string
	Rule     string
	Severity string
	Tactic   string
	Attack   []string
	Incident string
	DataType string
	Path     string
	Line     int64
	SHA256   string
}

// Timeline writes timeline.csv one row at a time, so a full-event timeline
// of a multi-gigabyte scan never sits in memory. Call Flush at the end.
type Timeline struct {
	bw     *bufio.Writer
	cw     *csv.Writer
	rec    []string // reused for every row
	tbuf   []byte
	header bool
}

// NewTimeline returns a Timeline writing to w; the header is written with
// the first row (or by Flush if there are none).
func NewTimeline(w io.Writer) *Timeline {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &Timeline{bw: bw, cw: csv.NewWriter(bw), rec: make([]string, len(TimelineColumns))}
}

// Write adds one row.
func (t *Timeline) Write(r TimelineRow) error {
	if err := t.writeHeader(); err != nil {
		return err
	}
	rec := t.rec
	rec[0] = csvCell(r.Message)
	rec[1] = ""
	if !r.Time.IsZero() {
		t.tbuf = r.Time.UTC().AppendFormat(t.tbuf[:0], time.RFC3339Nano)
		rec[1] = string(t.tbuf)
	}
	rec[2] = csvCell(r.Desc)
	rec[3] = csvCell(r.Actor)
	rec[4] = csvCell(r.Rule)
	rec[5] = csvCell(r.Severity)
	rec[6] = csvCell(r.Path)
	rec[7] = ""
	if r.Line > 0 {
		rec[7] = strconv.FormatInt(r.Line, 10)
	}
	rec[8] = csvCell(r.SHA256)
	rec[9] = csvCell(r.Tactic)
	switch len(r.Attack) {
	case 0:
		rec[10] = ""
	case 1:
		rec[10] = csvCell(r.Attack[0])
	default:
		rec[10] = csvCell(strings.Join(r.Attack, ";"))
	}
	rec[11] = csvCell(r.Incident)
	rec[12] = csvCell(r.DataType)
	if err := t.cw.Write(rec); err != nil {
		return fmt.Errorf("write timeline row: %w", err)
	}
	return nil
}

// Flush writes buffered rows to the underlying writer.
func (t *Timeline) Flush() error {
	if err := t.writeHeader(); err != nil {
		return err
	}
	t.cw.Flush()
	if err := t.cw.Error(); err != nil {
		return fmt.Errorf("flush timeline: %w", err)
	}
	if err := t.bw.Flush(); err != nil {
		return fmt.Errorf("flush timeline: %w", err)
	}
	return nil
}

func (t *Timeline) writeHeader() error {
	if t.header {
		return nil
	}
	t.header = true
	if err := t.cw.Write(TimelineColumns); err != nil {
		return fmt.Errorf("write timeline header: %w", err)
	}
	return nil
}

// csvCell neutralises formula triggers and invalid UTF-8. It allocates only
// when it has to change the cell.
func csvCell(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if formulaLike(s) {
		return "'" + s
	}
	return s
}

func formulaLike(s string) bool {
	s = strings.TrimLeft(s, " ")
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	switch r {
	case '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// IncidentRows returns the timeline rows for every incident step
// (reconnaissance, entry vector, timeline) and every alert, sorted by time
// and then by content, so the output is deterministic. A step appearing both
// as the entry vector and in the timeline is listed once. Each row cites the
// first evidence item of its step or alert.
func IncidentRows(f *findings.Findings) []TimelineRow {
	if f == nil {
		return nil
	}
	var rows []TimelineRow
	for _, inc := range f.Incidents {
		actor := ""
		if len(inc.Actors) > 0 {
			actor = inc.Actors[0].Value
		}
		seen := map[string]bool{}
		add := func(desc string, s findings.Step) {
			key := s.Time.UTC().String() + "\x00" + s.What
			if seen[key] {
				return
			}
			seen[key] = true
			r := TimelineRow{
				Time: s.Time, Desc: desc, Message: s.What, Actor: actor,
				Severity: inc.Severity, Tactic: s.Tactic, Attack: s.Attack, Incident: inc.ID,
				DataType: "kizuki:incident_step",
			}
			citeFirst(&r, s.Evidence)
			rows = append(rows, r)
		}
		if inc.EntryVector != nil {
			add("Entry vector", *inc.EntryVector)
		}
		for _, s := range inc.Recon {
			add("Reconnaissance", s)
		}
		for _, s := range inc.Timeline {
			add("Incident step", s)
		}
	}
	incOf := map[string]string{}
	for _, inc := range f.Incidents {
		for _, id := range inc.Alerts {
			if _, ok := incOf[id]; !ok {
				incOf[id] = inc.ID
			}
		}
	}
	for _, a := range f.Alerts {
		msg := a.Title
		if a.Detail != "" {
			msg += ": " + a.Detail
		}
		r := TimelineRow{
			Time: a.Time, Desc: "Alert", Message: msg, Actor: a.Actor, Rule: a.RuleID,
			Severity: a.Severity, Attack: a.Attack, Incident: incOf[a.ID], DataType: "kizuki:alert",
		}
		if len(a.Tactics) > 0 {
			r.Tactic = a.Tactics[0]
		}
		citeFirst(&r, a.Evidence)
		rows = append(rows, r)
	}
	slices.SortStableFunc(rows, func(a, b TimelineRow) int {
		return cmp.Or(
			a.Time.Compare(b.Time),
			cmp.Compare(a.Incident, b.Incident),
			cmp.Compare(a.Desc, b.Desc),
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Rule, b.Rule),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return rows
}

// EventRow is the timeline row of one parsed event, for `--timeline all`:
// the message is the record as read (Raw, or Message when Raw is empty), the
// actor its source address or else its user. path and sha256 name the input
// e.Ref.Input points to, which only the caller knows. It does not allocate.
func EventRow(e *event.Event, path, sha256 string) TimelineRow {
	r := TimelineRow{
		Time: e.Time, Desc: "Event recorded", Message: e.Raw, Actor: e.SourceIP,
		DataType: e.Dataset, Path: path, Line: e.Ref.Line, SHA256: sha256,
	}
	if r.Message == "" {
		r.Message = e.Message
	}
	if r.Actor == "" {
		r.Actor = e.User
	}
	return r
}

func citeFirst(r *TimelineRow, ev []findings.Evidence) {
	if len(ev) == 0 {
		return
	}
	r.Path, r.Line, r.SHA256 = ev[0].Path, ev[0].Line, ev[0].SHA256
}
