package postgres

import (
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// Stderr decodes the stderr log. It understands a prefix of a time (%m or
// %t), the process id in brackets (%p), an optional session line number
// ([%l-1]) and either user@database (%u@%d, Debian's default) or
// key=value pairs (user=%u,db=%d,app=%a,client=%h, as pgBadger recommends),
// then "LEVEL:  message":
//
//	2025-05-19 03:12:44.123 UTC [1234] app@shop LOG:  statement: SELECT 1
//	2025-05-19 03:12:44 UTC [1234]: [3-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  statement: SELECT 1
//
// Lines that continue a record (a statement's own newlines, DETAIL text)
// start with a tab and join the record before them.
type Stderr struct {
	loc *time.Location
	zc  zoneCache

	pending  bool
	ev       event.Event
	level    string
	msg      string
	first    string
	more     []string
	size     int
	overflow bool

	out event.Event
}

// NewStderr returns a stderr log decoder. Times whose zone abbreviation it
// does not know are read in o.Loc().
func NewStderr(o format.Options) *Stderr {
	return &Stderr{loc: o.Loc()}
}

func sniffStderr(sample []string) int {
	var ev event.Event
	var zc zoneCache
	prev := false
	return format.SniffLines(sample, func(l string) bool {
		if strings.HasPrefix(l, "\t") {
			return prev
		}
		_, _, prev = parseHeader(&ev, l, time.UTC, &zc)
		return prev
	})
}

// maxPrefix bounds where a level may start in a line, after the time.
const maxPrefix = 1024

var levels = map[string]bool{
	"LOG": true, "ERROR": true, "FATAL": true, "PANIC": true, "WARNING": true, "NOTICE": true, "INFO": true,
	"DEBUG": true, "DEBUG1": true, "DEBUG2": true, "DEBUG3": true, "DEBUG4": true, "DEBUG5": true,
	"STATEMENT": true, "DETAIL": true, "HINT": true, "CONTEXT": true, "QUERY": true, "LOCATION": true,
}

// parseHeader reads a record's first line into ev (time, pid, prefix fields)
// and returns its level and message.
func parseHeader(ev *event.Event, line string, loc *time.Location, zc *zoneCache) (level, msg string, ok bool) {
	t, n, ok := parseTime(line, loc, zc)
	if !ok {
		return "", "", false
	}
	rest := strings.TrimLeft(line[n:], " ")
	pid := 0
	if len(rest) > 2 && rest[0] == '[' {
		if end := strings.IndexByte(rest, ']'); end > 1 && digits(rest[1:end]) {
			pid, _ = strconv.Atoi(rest[1:end])
			rest = strings.TrimPrefix(rest[end+1:], ":")
			rest = strings.TrimLeft(rest, " ")
		}
	}
	// "[%l-1]": the session line number and the line within a multi-line
	// message, which carries nothing an investigation needs.
	if len(rest) > 4 && rest[0] == '[' {
		if end := strings.IndexByte(rest, ']'); end > 0 && strings.Contains(rest[1:end], "-") &&
			digits(strings.ReplaceAll(rest[1:end], "-", "")) {
			rest = strings.TrimLeft(rest[end+1:], " ")
		}
	}
	// The level is the first word before ":  " that names one. It sits within
	// the prefix (names are at most 63 bytes each), so the search is bounded:
	// a long line of ":  " must not make it quadratic.
	prefix := ""
	head := rest
	if len(head) > maxPrefix {
		head = head[:maxPrefix]
	}
	for from := 0; ; {
		i := strings.Index(head[from:], ":  ")
		if i < 0 {
			return "", "", false
		}
		i += from
		w := strings.LastIndexByte(rest[:i], ' ') + 1
		if levels[rest[w:i]] {
			prefix, level, msg = strings.TrimSpace(rest[:w]), rest[w:i], rest[i+3:]
			break
		}
		from = i + 3
	}
	ev.Reset()
	ev.Time = t
	ev.Kind = event.KindDB
	ev.Dataset = dataset
	ev.Process = "postgres"
	ev.PID = pid
	ev.Raw = line
	prefixFields(ev, prefix)
	return level, msg, true
}

// prefixFields reads the part of log_line_prefix after the pid.
func prefixFields(ev *event.Event, p string) {
	if p == "" {
		return
	}
	if strings.Contains(p, "=") {
		for p != "" {
			var f string
			if i := strings.IndexAny(p, ", "); i >= 0 {
				f, p = p[:i], p[i+1:]
			} else {
				f, p = p, ""
			}
			k, v, _ := strings.Cut(f, "=")
			if v == "" || v == "[unknown]" {
				continue
			}
			switch k {
			case "user":
				ev.User = v
			case "db":
				ev.Set("db.name", v)
			case "app":
				ev.Set("postgresql.application_name", v)
			case "client", "host", "remote":
				// %r is host(port); %h the host alone.
				host, port, ok := strings.Cut(v, "(")
				setClient(ev, host)
				if ok {
					ev.SourcePort, _ = strconv.Atoi(strings.TrimSuffix(port, ")"))
				}
			}
		}
		return
	}
	// "%u@%d", possibly among other escapes ("%u@%d %a"): the first word with an @.
	for p != "" {
		var w string
		w, p, _ = strings.Cut(p, " ")
		at := strings.LastIndexByte(w, '@')
		if at < 0 {
			continue
		}
		if u := w[:at]; u != "" && u != "[unknown]" {
			ev.User = u
		}
		if d := w[at+1:]; d != "" && d != "[unknown]" {
			ev.Set("db.name", d)
		}
		return
	}
}

// Decode implements format.Decoder.
func (s *Stderr) Decode(line string, ref event.Ref, emit format.Emit) {
	if strings.HasPrefix(line, "\t") {
		if s.pending && !s.overflow && s.size+len(line)+1 <= maxRecord {
			s.more = append(s.more, line)
			s.size += len(line) + 1
			return
		}
		if s.pending {
			s.overflow = true
			s.flush(emit)
		}
		format.Raw(&s.out, line, ref)
		emit(&s.out)
		return
	}
	s.flush(emit)
	s.overflow = false
	level, msg, ok := parseHeader(&s.ev, line, s.loc, &s.zc)
	if !ok {
		format.Raw(&s.out, line, ref)
		emit(&s.out)
		return
	}
	s.ev.Ref = ref
	s.pending, s.level, s.msg, s.first, s.more, s.size = true, level, msg, line, s.more[:0], len(line)
}

// Flush implements format.Decoder.
func (s *Stderr) Flush(emit format.Emit) { s.flush(emit) }

func (s *Stderr) flush(emit format.Emit) {
	if !s.pending {
		return
	}
	s.pending = false
	msg := s.msg
	if len(s.more) > 0 {
		var raw, m strings.Builder
		raw.Grow(s.size)
		m.Grow(len(s.msg) + s.size - len(s.first))
		raw.WriteString(s.first)
		m.WriteString(s.msg)
		for _, l := range s.more {
			raw.WriteByte('\n')
			raw.WriteString(l)
			m.WriteByte('\n')
			m.WriteString(l[1:]) // the tab is PostgreSQL's, not the statement's
		}
		s.ev.Raw, msg = raw.String(), m.String()
	}
	classify(&s.ev, s.level, msg)
	emit(&s.ev)
	s.more = s.more[:0]
}
