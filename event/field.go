package event

import (
	"sort"
	"strconv"
	"time"
)

// Field names one of an Event's fields. Rules resolve names to Fields once, at
// compile time; Value then reads the field without a map lookup.
type Field uint16

const (
	FieldNone Field = iota
	FieldTimestamp
	FieldKind
	FieldDataset
	FieldAction
	FieldOutcome
	FieldHost
	FieldMessage
	FieldLevel
	FieldSourceIP
	FieldSourcePort
	FieldUser
	FieldTargetUser
	FieldMethod
	FieldURL
	FieldHTTPVersion
	FieldStatus
	FieldBytes
	FieldUserAgent
	FieldReferrer
	FieldProcess
	FieldPID
	FieldCommandLine
	FieldStatement
	FieldRows
	FieldRaw
	fieldCount
)

// fieldNames are the ECS-style names of the typed fields, indexed by Field.
var fieldNames = [fieldCount]string{
	FieldNone:        "",
	FieldTimestamp:   "@timestamp",
	FieldKind:        "event.category",
	FieldDataset:     "event.dataset",
	FieldAction:      "event.action",
	FieldOutcome:     "event.outcome",
	FieldHost:        "host.name",
	FieldMessage:     "message",
	FieldLevel:       "log.level",
	FieldSourceIP:    "source.ip",
	FieldSourcePort:  "source.port",
	FieldUser:        "user.name",
	FieldTargetUser:  "user.target.name",
	FieldMethod:      "http.request.method",
	FieldURL:         "url.original",
	FieldHTTPVersion: "http.version",
	FieldStatus:      "http.response.status_code",
	FieldBytes:       "http.response.body.bytes",
	FieldUserAgent:   "user_agent.original",
	FieldReferrer:    "http.request.referrer",
	FieldProcess:     "process.name",
	FieldPID:         "process.pid",
	FieldCommandLine: "process.command_line",
	FieldStatement:   "db.statement",
	FieldRows:        "db.rows_returned",
	FieldRaw:         "event.original",
}

var fieldByName = func() map[string]Field {
	m := make(map[string]Field, len(fieldNames))
	for f, n := range fieldNames {
		if n != "" {
			m[n] = Field(f)
		}
	}
	return m
}()

// LookupField returns the typed Field with the given ECS name. It returns false
// for names that live in Event.Extra (read those with Event.Get).
func LookupField(name string) (Field, bool) {
	f, ok := fieldByName[name]
	return f, ok
}

// FieldNames lists the ECS names of all typed fields, sorted.
func FieldNames() []string {
	var names []string
	for _, n := range fieldNames {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func (f Field) String() string {
	if f < fieldCount {
		return fieldNames[f]
	}
	return "field(" + strconv.Itoa(int(f)) + ")"
}

// Numeric reports whether the field holds an integer.
func (f Field) Numeric() bool {
	switch f {
	case FieldSourcePort, FieldStatus, FieldBytes, FieldPID, FieldRows:
		return true
	}
	return false
}

// Int returns the value of a numeric field and whether it is set (non-zero).
func (e *Event) Int(f Field) (int64, bool) {
	var v int64
	switch f {
	case FieldSourcePort:
		v = int64(e.SourcePort)
	case FieldStatus:
		v = int64(e.Status)
	case FieldBytes:
		v = e.Bytes
	case FieldPID:
		v = int64(e.PID)
	case FieldRows:
		v = e.Rows
	default:
		return 0, false
	}
	return v, v != 0
}

// Value returns the field's value as text and whether it is set. Numeric
// fields are formatted in decimal (this allocates; use Int on hot paths).
func (e *Event) Value(f Field) (string, bool) {
	var s string
	switch f {
	case FieldTimestamp:
		if e.Time.IsZero() {
			return "", false
		}
		return e.Time.UTC().Format(time.RFC3339Nano), true
	case FieldKind:
		return e.Kind.String(), true
	case FieldDataset:
		s = e.Dataset
	case FieldAction:
		s = e.Action
	case FieldOutcome:
		s = e.Outcome.String()
	case FieldHost:
		s = e.Host
	case FieldMessage:
		s = e.Message
	case FieldLevel:
		s = e.Level
	case FieldSourceIP:
		s = e.SourceIP
	case FieldUser:
		s = e.User
	case FieldTargetUser:
		s = e.TargetUser
	case FieldMethod:
		s = e.Method
	case FieldURL:
		s = e.URL
	case FieldHTTPVersion:
		s = e.HTTPVersion
	case FieldUserAgent:
		s = e.UserAgent
	case FieldReferrer:
		s = e.Referrer
	case FieldProcess:
		s = e.Process
	case FieldCommandLine:
		s = e.CommandLine
	case FieldStatement:
		s = e.Statement
	case FieldRaw:
		s = e.Raw
	case FieldSourcePort, FieldStatus, FieldBytes, FieldPID, FieldRows:
		v, ok := e.Int(f)
		if !ok {
			return "", false
		}
		return strconv.FormatInt(v, 10), true
	default:
		return "", false
	}
	return s, s != ""
}
