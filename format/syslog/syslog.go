package syslog

import (
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

func init() {
	format.Register(&format.Format{
		Name:        "syslog",
		Description: "syslog files as rsyslog/syslog-ng write them (RFC 3164 or high-precision stamps): messages, auth.log/secure, mail.log/maillog",
		Stateless:   true,
		Sniff:       func(sample []string) int { return format.SniffLines(sample, is3164) },
		New:         func(opts format.Options) (format.Decoder, error) { return NewDecoder(opts), nil },
	})
	format.Register(&format.Format{
		Name:        "syslog.5424",
		Description: "RFC 5424 syslog lines: <PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG",
		Stateless:   true,
		Sniff:       func(sample []string) int { return format.SniffLines(sample, is5424) },
		New:         func(opts format.Options) (format.Decoder, error) { return NewDecoder(opts), nil },
	})
}

var sniffClock = clock{loc: time.UTC}

func is3164(line string) bool {
	var h header
	c := sniffClock
	return parseHeader(trimCR(line), &c, &h) && !h.rfc5424
}

func is5424(line string) bool {
	var h header
	c := sniffClock
	return parseHeader(trimCR(line), &c, &h) && h.rfc5424
}

// Decoder decodes syslog lines of either framing (RFC 3164 or RFC 5424) and
// reads the message of the programs listed in the package documentation.
type Decoder struct {
	clock clock
	hdr   header
	ev    event.Event
}

// NewDecoder returns a decoder for opts. Year-less RFC 3164 stamps are placed
// relative to opts.RefTime, or to the current time when it is zero.
func NewDecoder(opts format.Options) *Decoder {
	ref := opts.RefTime
	if ref.IsZero() {
		ref = time.Now()
	}
	return &Decoder{clock: clock{loc: opts.Loc(), ref: ref}}
}

// Decode implements format.Decoder.
func (d *Decoder) Decode(line string, ref event.Ref, emit format.Emit) {
	ev := &d.ev
	if !d.decode(line, ev) {
		format.Raw(ev, line, ref)
	} else {
		ev.Ref = ref
	}
	emit(ev)
}

// Flush implements format.Decoder; syslog records are single lines.
func (d *Decoder) Flush(format.Emit) {}

// decode fills ev from line and reports whether the line had a syslog header.
func (d *Decoder) decode(line string, ev *event.Event) bool {
	h := &d.hdr
	if !parseHeader(trimCR(line), &d.clock, h) {
		return false
	}
	ev.Reset()
	ev.Raw = line
	ev.Kind = event.KindSystem
	ev.Time = h.time
	ev.Host = h.host
	ev.PID = h.pid
	ev.Message = h.msg
	if h.pri >= 0 {
		ev.Level = severities[h.pri&7]
		add(ev, "log.syslog.facility.name", facilities[h.pri>>3])
	}
	if h.msgID != "" {
		add(ev, "log.syslog.msgid", h.msgID)
	}
	if h.sd != "" {
		addSD(ev, h.sd)
	}
	decodeMessage(ev, h.prog, h.msg)
	return true
}

func trimCR(s string) string {
	if n := len(s); n > 0 && s[n-1] == '\r' {
		return s[:n-1]
	}
	return s
}

var severities = [8]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

var facilities = [24]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// addSD keeps the raw structured data and each parameter as
// "syslog.sd.<id>.<name>" (these names are built, so they allocate; RFC 5424
// lines with structured data are rare on disk).
func addSD(ev *event.Event, sd string) {
	add(ev, "log.syslog.structured_data", sd)
	for len(sd) > 0 && sd[0] == '[' {
		sd = sd[1:]
		sp := strings.IndexAny(sd, " ]")
		if sp < 0 {
			return
		}
		id := sd[:sp]
		sd = sd[sp:]
		for len(sd) > 0 && sd[0] == ' ' {
			sd = sd[1:]
			eq := strings.IndexByte(sd, '=')
			if eq < 0 || eq+1 >= len(sd) || sd[eq+1] != '"' {
				return
			}
			name := sd[:eq]
			sd = sd[eq+2:]
			val, n, escaped := sdValue(sd)
			if n < 0 {
				return
			}
			if escaped {
				val = unescapeSD(val)
			}
			add(ev, "syslog.sd."+id+"."+name, val)
			sd = sd[n:]
		}
		if len(sd) == 0 || sd[0] != ']' {
			return
		}
		sd = sd[1:]
	}
}

// sdValue returns the quoted value at the start of s (after the opening
// quote), the length consumed including the closing quote, and whether it
// holds escapes.
func sdValue(s string) (string, int, bool) {
	escaped := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			escaped = true
			i++
		case '"':
			return s[:i], i + 1, escaped
		}
	}
	return "", -1, false
}

func unescapeSD(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == ']') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// add appends an extra field; decoders start from a Reset event, so keys are
// not repeated unless a message really repeats them.
func add(ev *event.Event, k, v string) {
	ev.Extra = append(ev.Extra, event.KV{Key: k, Value: v})
}
