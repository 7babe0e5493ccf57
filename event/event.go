// Package event defines kizuki's normalised event: one decoded log record with
// typed fields for what detection and investigation read all the time, ECS-style
// names for every field, and a Ref back to the exact input bytes it came from.
//
// Decoders fill events; rules read them through Field accessors resolved once at
// compile time, so the hot path never looks a field up by name in a map.
package event

import (
	"strconv"
	"time"
)

// Kind says which family of activity an event records.
type Kind uint8

const (
	KindRaw      Kind = iota // a line no decoder understood; kept, never dropped
	KindWeb                  // an HTTP request from an access log
	KindWebError             // a web server or PHP error log entry
	KindAuth                 // authentication and account activity (sshd, sudo, su, useradd, logind, dovecot auth)
	KindProcess              // a process execution (auditd EXECVE, cron command)
	KindDB                   // a database query or connection
	KindMail                 // mail flow (postfix, dovecot delivery)
	KindSystem               // any other system log record (syslog, auditd non-exec records)
)

var kindNames = [...]string{"raw", "web", "web_error", "auth", "process", "database", "mail", "system"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Outcome is ECS event.outcome.
type Outcome uint8

const (
	OutcomeUnknown Outcome = iota
	OutcomeSuccess
	OutcomeFailure
)

func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomeFailure:
		return "failure"
	}
	return ""
}

// Ref points back to the bytes an event was decoded from. Input indexes the
// scan's input table (path, SHA-256); Line is 1-based; Offset is the byte offset
// of the line's first byte in the decompressed stream of that input.
type Ref struct {
	Input  int32
	Line   int64
	Offset int64
}

// KV is one extra field, named with its ECS-style dotted name.
type KV struct {
	Key   string
	Value string
}

// Event is one normalised log record. String fields are empty when unknown;
// integer fields are zero when unknown (a logged zero is indistinguishable from
// absence, which no rule needs to tell apart).
//
// Strings usually share the memory of the line they were cut from: an Event is
// cheap to produce and must be treated as read-only once emitted.
type Event struct {
	Time    time.Time // @timestamp, UTC; zero when the record carries no time
	Ref     Ref
	Kind    Kind
	Dataset string  // event.dataset: "nginx.access", "sshd", "sudo", "mysql.general", ...
	Action  string  // event.action: "http_request", "ssh_login", "sudo", "query", ...
	Outcome Outcome // event.outcome
	Host    string  // host.name
	Message string  // message: free text of the record, after any header
	Level   string  // log.level

	SourceIP   string // source.ip
	SourcePort int    // source.port
	User       string // user.name
	TargetUser string // user.target.name (sudo/su target, account created or changed)

	Method      string // http.request.method
	URL         string // url.original: path and query as logged
	HTTPVersion string // http.version
	Status      int    // http.response.status_code
	Bytes       int64  // http.response.body.bytes
	UserAgent   string // user_agent.original
	Referrer    string // http.request.referrer

	Process     string // process.name
	PID         int    // process.pid
	CommandLine string // process.command_line

	Statement string // db.statement
	Rows      int64  // db.rows_returned (rows sent to the client, from slow logs and audit logs)

	Raw   string // the record as read (lines joined with \n for multi-line records)
	Extra []KV   // every other decoded field
}

// Get returns the value of an extra field by its ECS name.
func (e *Event) Get(key string) (string, bool) {
	for i := range e.Extra {
		if e.Extra[i].Key == key {
			return e.Extra[i].Value, true
		}
	}
	return "", false
}

// Set adds or replaces an extra field.
func (e *Event) Set(key, value string) {
	for i := range e.Extra {
		if e.Extra[i].Key == key {
			e.Extra[i].Value = value
			return
		}
	}
	e.Extra = append(e.Extra, KV{key, value})
}

// Reset clears e for reuse, keeping the Extra slice's capacity.
func (e *Event) Reset() {
	extra := e.Extra[:0]
	*e = Event{Extra: extra}
}
