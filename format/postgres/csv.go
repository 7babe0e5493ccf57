package postgres

import (
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// csvlog columns, PostgreSQL 13-16 ("Using CSV-Format Log Output"). Older
// servers write the first 23 (up to application_name); newer ones append more.
const (
	colTime = iota
	colUser
	colDatabase
	colPID
	colConnectionFrom
	colSessionID
	colSessionLine
	colCommandTag
	colSessionStart
	colVXID
	colXID
	colSeverity
	colSQLState
	colMessage
	colDetail
	colHint
	colInternalQuery
	colInternalQueryPos
	colContext
	colQuery
	colQueryPos
	colLocation
	colApplication
	colBackendType
	minColumns = colApplication + 1
)

// CSV decodes the csvlog. A quoted field may hold newlines, so a record is
// complete once its double quotes balance; encoding/csv's quoting rules apply
// ("" is a quote inside a quoted field).
type CSV struct {
	loc *time.Location
	zc  zoneCache

	lines  []string
	refs   []event.Ref
	size   int
	quotes int // double quotes seen in the pending lines

	fields []string
	ev     event.Event
}

// NewCSV returns a csvlog decoder. Times whose zone abbreviation it does not
// know are read in o.Loc().
func NewCSV(o format.Options) *CSV {
	return &CSV{loc: o.Loc()}
}

func sniffCSV(sample []string) int {
	var zc zoneCache
	return format.SniffLines(sample, func(l string) bool {
		_, n, ok := parseTime(l, time.UTC, &zc)
		return ok && n < len(l) && l[n] == ',' && strings.Count(l, ",") >= minColumns-1
	})
}

// Decode implements format.Decoder.
func (c *CSV) Decode(line string, ref event.Ref, emit format.Emit) {
	if len(c.lines) > 0 && (c.size+len(line)+1 > maxRecord || c.recordStart(line)) {
		// A quote that never closed: give the gathered lines back as raw
		// rather than swallow the records that follow.
		c.raw(emit)
	}
	c.lines = append(c.lines, line)
	c.refs = append(c.refs, ref)
	c.size += len(line) + 1
	c.quotes += strings.Count(line, `"`)
	if c.quotes%2 != 0 {
		return
	}
	record := line
	if len(c.lines) > 1 {
		record = strings.Join(c.lines, "\n")
	}
	if c.decode(record) {
		c.ev.Ref = c.refs[0]
		emit(&c.ev)
		c.reset()
		return
	}
	c.raw(emit)
}

// recordStart reports whether line begins like a csvlog record (its time and a
// comma). A quoted message line could too; then the record it belonged to is
// kept as raw lines, which loses no bytes.
func (c *CSV) recordStart(line string) bool {
	_, n, ok := parseTime(line, c.loc, &c.zc)
	return ok && n < len(line) && line[n] == ','
}

// Flush implements format.Decoder.
func (c *CSV) Flush(emit format.Emit) { c.raw(emit) }

func (c *CSV) reset() {
	c.lines, c.refs, c.size, c.quotes = c.lines[:0], c.refs[:0], 0, 0
}

// raw emits every pending line as a raw event.
func (c *CSV) raw(emit format.Emit) {
	for i, l := range c.lines {
		format.Raw(&c.ev, l, c.refs[i])
		emit(&c.ev)
	}
	c.reset()
}

func (c *CSV) decode(record string) bool {
	var ok bool
	// A CRLF file leaves a CR at the end of the record (inside quotes the
	// CRs before newlines are part of the field, and stay).
	c.fields, ok = splitCSV(c.fields[:0], strings.TrimSuffix(record, "\r"))
	f := c.fields
	if !ok || len(f) < minColumns {
		return false
	}
	t, n, ok := parseTime(f[colTime], c.loc, &c.zc)
	if !ok || n != len(f[colTime]) {
		return false
	}
	ev := &c.ev
	ev.Reset()
	ev.Time = t
	ev.Raw = record
	ev.Kind = event.KindDB
	ev.Dataset = dataset
	ev.Process = "postgres"
	ev.PID, _ = strconv.Atoi(f[colPID])
	ev.User = f[colUser]
	if d := f[colDatabase]; d != "" {
		ev.Set("db.name", d)
	}
	if from := f[colConnectionFrom]; from != "" && from != "[local]" {
		host, port := from, ""
		if i := strings.LastIndexByte(from, ':'); i >= 0 {
			host, port = from[:i], from[i+1:]
		}
		setClient(ev, host)
		ev.SourcePort, _ = strconv.Atoi(port)
	}
	classify(ev, f[colSeverity], f[colMessage])
	if ev.Statement == "" && f[colQuery] != "" {
		// The statement an error came from (stderr logs it as STATEMENT).
		ev.Statement = f[colQuery]
		if ev.Action == "" {
			ev.Action = "query"
		}
	}
	if s := f[colSQLState]; s != "" && s != "00000" {
		ev.Set("error.code", s)
	}
	for _, x := range [...]struct {
		col int
		key string
	}{
		{colSessionID, "postgresql.session_id"},
		{colCommandTag, "postgresql.command_tag"},
		{colDetail, "postgresql.detail"},
		{colHint, "postgresql.hint"},
		{colInternalQuery, "postgresql.internal_query"},
		{colContext, "postgresql.context"},
		{colApplication, "postgresql.application_name"},
		{colBackendType, "postgresql.backend_type"},
	} {
		if x.col < len(f) && f[x.col] != "" {
			ev.Set(x.key, f[x.col])
		}
	}
	return true
}

// splitCSV splits one CSV record (which may contain newlines inside quotes)
// into fields with encoding/csv's rules, appending to dst. Unquoted fields
// and quoted ones without "" share record's memory. It reports false for
// malformed quoting (a quote inside an unquoted field, text after a closing
// quote, an unterminated quote), as encoding/csv would.
func splitCSV(dst []string, record string) ([]string, bool) {
	s := record
	for {
		if strings.HasPrefix(s, `"`) {
			var b *strings.Builder
			i, start := 1, 1
			for {
				q := strings.IndexByte(s[i:], '"')
				if q < 0 {
					return dst, false
				}
				i += q
				if i+1 < len(s) && s[i+1] == '"' {
					if b == nil {
						b = &strings.Builder{}
					}
					b.WriteString(s[start : i+1])
					i += 2
					start = i
					continue
				}
				break
			}
			field := s[start:i]
			if b != nil {
				b.WriteString(field)
				field = b.String()
			}
			dst = append(dst, field)
			s = s[i+1:]
			if s == "" {
				return dst, true
			}
			if s[0] != ',' {
				return dst, false
			}
			s = s[1:]
			continue
		}
		c := strings.IndexByte(s, ',')
		field := s
		if c >= 0 {
			field = s[:c]
		}
		if strings.IndexByte(field, '"') >= 0 || strings.IndexByte(field, '\n') >= 0 {
			return dst, false
		}
		dst = append(dst, field)
		if c < 0 {
			return dst, true
		}
		s = s[c+1:]
	}
}
