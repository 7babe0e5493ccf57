package mysql

import (
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

const datasetAudit = "mariadb.audit"

// Audit decodes the MariaDB server_audit plugin's file log, one record a line:
//
//	20250519 03:12:44,db1,app,10.0.0.5,12,345,QUERY,shop,'SELECT * FROM users WHERE name=\'x\'',0
//
// timestamp, serverhost, username, host, connectionid, queryid, operation,
// database, object, retcode. The plugin escapes quotes, backslashes and
// newlines inside object, so a record never spans lines.
type Audit struct {
	loc *time.Location
	ev  event.Event
}

// NewAudit returns a server_audit log decoder; its zone-less times are read in
// o.Loc().
func NewAudit(o format.Options) *Audit {
	return &Audit{loc: o.Loc()}
}

func sniffAudit(sample []string) int {
	var ev event.Event
	return format.SniffLines(sample, func(l string) bool { return parseAudit(&ev, l, time.UTC) })
}

// Decode implements format.Decoder.
func (a *Audit) Decode(line string, ref event.Ref, emit format.Emit) {
	if !parseAudit(&a.ev, line, a.loc) {
		format.Raw(&a.ev, line, ref)
	}
	a.ev.Ref = ref
	emit(&a.ev)
}

// Flush implements format.Decoder.
func (a *Audit) Flush(format.Emit) {}

func parseAudit(ev *event.Event, line string, loc *time.Location) bool {
	// "YYYYMMDD HH:MM:SS,"
	if len(line) < 18 || line[8] != ' ' || line[11] != ':' || line[14] != ':' || line[17] != ',' ||
		!digits(line[:8]) || !digits(line[9:11]) || !digits(line[12:14]) || !digits(line[15:17]) {
		return false
	}
	y := int(line[0]-'0')*1000 + int(line[1]-'0')*100 + atoi2(line[2:4])
	mo, d := atoi2(line[4:6]), atoi2(line[6:8])
	h, mi, s := atoi2(line[9:11]), atoi2(line[12:14]), atoi2(line[15:17])
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 {
		return false
	}
	var f [7]string
	rest := line[18:]
	for i := range f {
		c := strings.IndexByte(rest, ',')
		if c < 0 {
			return false
		}
		f[i], rest = rest[:c], rest[c+1:]
	}
	op := f[5]
	if !validOperation(op) || !digits(f[3]) {
		return false
	}
	object, retcode, ok := auditObject(rest)
	if !ok {
		return false
	}

	ev.Reset()
	ev.Time = time.Date(y, time.Month(mo), d, h, mi, s, 0, loc).UTC()
	ev.Raw = line
	ev.Kind = event.KindDB
	ev.Dataset = datasetAudit
	ev.Host = f[0]
	ev.User = f[1]
	setHost(ev, f[2])
	ev.Action = operationAction(op)
	ev.Extra = append(ev.Extra, event.KV{Key: "db.connection_id", Value: f[3]})
	if f[4] != "" && f[4] != "0" {
		ev.Extra = append(ev.Extra, event.KV{Key: "db.query_id", Value: f[4]})
	}
	if f[6] != "" {
		ev.Extra = append(ev.Extra, event.KV{Key: "db.name", Value: f[6]})
	}
	switch {
	case strings.HasPrefix(op, "QUERY"):
		ev.Statement = object
	case object != "":
		// READ/WRITE/CREATE/ALTER/DROP/RENAME name the table touched.
		ev.Extra = append(ev.Extra, event.KV{Key: "db.table", Value: object})
	}
	switch {
	case op == "FAILED_CONNECT":
		ev.Outcome = event.OutcomeFailure
	case retcode == "0":
		ev.Outcome = event.OutcomeSuccess
	case retcode != "":
		ev.Outcome = event.OutcomeFailure
	}
	if retcode != "" && retcode != "0" {
		ev.Extra = append(ev.Extra, event.KV{Key: "error.code", Value: retcode})
	}
	return true
}

func validOperation(op string) bool {
	if op == "" || len(op) > 32 {
		return false
	}
	for i := 0; i < len(op); i++ {
		if !(op[i] >= 'A' && op[i] <= 'Z' || op[i] == '_') {
			return false
		}
	}
	return true
}

func operationAction(op string) string {
	switch op {
	case "QUERY":
		return "query"
	case "CONNECT":
		return "connect"
	case "DISCONNECT":
		return "disconnect"
	case "FAILED_CONNECT":
		return "failed_connect"
	case "READ":
		return "read"
	case "WRITE":
		return "write"
	}
	return strings.ToLower(op)
}

// auditObject splits "object,retcode". A quoted object ends at the first
// unescaped quote; an unquoted one (a table name) at the last comma.
func auditObject(s string) (object, retcode string, ok bool) {
	if !strings.HasPrefix(s, "'") {
		c := strings.LastIndexByte(s, ',')
		if c < 0 {
			return "", "", false
		}
		object, retcode = s[:c], s[c+1:]
		return object, retcode, retcode == "" || digits(retcode)
	}
	escaped := false
	for i := 1; i < len(s); i++ {
		switch {
		case s[i] == '\\' && !escaped:
			escaped = true
			continue
		case s[i] == '\'' && !escaped:
			if i+1 >= len(s) || s[i+1] != ',' {
				return "", "", false
			}
			retcode = s[i+2:]
			if retcode != "" && !digits(retcode) {
				return "", "", false
			}
			return unescape(s[1:i]), retcode, true
		}
		escaped = false
	}
	return "", "", false
}

// unescape undoes server_audit's backslash escapes. It returns s itself when
// there is nothing to undo, so the common case does not allocate.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case '\\', '\'', '"':
			b.WriteByte(s[i])
		default:
			b.WriteByte('\\')
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
