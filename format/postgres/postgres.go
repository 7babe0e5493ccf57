// Package postgres decodes PostgreSQL server logs: the stderr log with the
// common log_line_prefix settings ("postgres.stderr") and the csvlog
// ("postgres.csv"). Both yield events of dataset "postgresql.log" (the name
// ECS and Filebeat use), so rules need not care which one a server wrote.
//
// Records span lines (a statement keeps its newlines; csvlog quotes them), so
// neither decoder is stateless. User, database and application names in the
// prefix are chosen by the connecting client: an application_name that imitates
// a log level can mislead any reader of the stderr log, this one included.
package postgres

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

const dataset = "postgresql.log"

func init() {
	format.Register(&format.Format{
		Name:        "postgres.stderr",
		Description: "PostgreSQL stderr log (log_line_prefix '%m [%p] %q%u@%d ', '%t [%p]: [%l-1] user=%u,db=%d,...', '%m [%p] ')",
		Stateless:   false,
		Sniff:       sniffStderr,
		New:         func(o format.Options) (format.Decoder, error) { return NewStderr(o), nil },
	})
	format.Register(&format.Format{
		Name:        "postgres.csv",
		Description: "PostgreSQL csvlog (log_destination = 'csvlog')",
		Stateless:   false,
		Sniff:       sniffCSV,
		New:         func(o format.Options) (format.Decoder, error) { return NewCSV(o), nil },
	})
}

// maxRecord caps the bytes one multi-line record may gather; past it the
// pending record is emitted and the rest of its lines become raw events.
const maxRecord = 1 << 20

// zones maps the time zone abbreviations PostgreSQL prints (log_timezone) to
// offsets. Ambiguous ones (CST, IST, ...) are left out on purpose: they fall
// back to Options.Location, which the user can set.
var zones = map[string]int{
	"UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1 * 3600, "BST": 1 * 3600,
	"CET": 1 * 3600, "CEST": 2 * 3600, "MET": 1 * 3600, "MEST": 2 * 3600, "EET": 2 * 3600, "EEST": 3 * 3600,
	"MSK": 3 * 3600, "JST": 9 * 3600, "KST": 9 * 3600, "HKT": 8 * 3600, "SGT": 8 * 3600, "AWST": 8 * 3600,
	"ACST": 9*3600 + 1800, "ACDT": 10*3600 + 1800, "AEST": 10 * 3600, "AEDT": 11 * 3600,
	"NZST": 12 * 3600, "NZDT": 13 * 3600,
	"EST": -5 * 3600, "EDT": -4 * 3600, "CDT": -5 * 3600, "MST": -7 * 3600, "MDT": -6 * 3600,
	"PST": -8 * 3600, "PDT": -7 * 3600, "AKST": -9 * 3600, "AKDT": -8 * 3600, "HST": -10 * 3600,
}

// parseTime reads PostgreSQL's %m / %t / csvlog time, "2025-05-19
// 03:12:44.123 UTC" (milliseconds optional; the zone an abbreviation or a
// numeric offset such as +09, -0330 or +05:30). It returns the bytes consumed.
func parseTime(s string, loc *time.Location, zc *zoneCache) (time.Time, int, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, 0, false
	}
	var n [6]int
	for i, p := range [6][2]int{{0, 4}, {5, 7}, {8, 10}, {11, 13}, {14, 16}, {17, 19}} {
		for j := p[0]; j < p[1]; j++ {
			c := s[j]
			if c < '0' || c > '9' {
				return time.Time{}, 0, false
			}
			n[i] = n[i]*10 + int(c-'0')
		}
	}
	if n[1] < 1 || n[1] > 12 || n[2] < 1 || n[2] > 31 || n[3] > 23 || n[4] > 59 || n[5] > 60 {
		return time.Time{}, 0, false
	}
	i, nsec := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		scale := 100_000_000
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if scale > 0 {
				nsec += int(s[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		if i == start {
			return time.Time{}, 0, false
		}
	}
	l := loc
	if i < len(s) && s[i] == ' ' {
		end := strings.IndexAny(s[i+1:], " ,")
		if end < 0 {
			end = len(s) - i - 1
		}
		if z, ok := zc.zone(s[i+1 : i+1+end]); ok {
			l = z
			i += 1 + end
		} else if validZoneName(s[i+1 : i+1+end]) {
			// An abbreviation we do not know: Options.Location stands in.
			i += 1 + end
		}
	}
	return time.Date(n[0], time.Month(n[1]), n[2], n[3], n[4], n[5], nsec, l).UTC(), i, true
}

func validZoneName(z string) bool {
	if len(z) < 2 || len(z) > 6 {
		return false
	}
	for i := 0; i < len(z); i++ {
		if z[i] < 'A' || z[i] > 'Z' {
			return false
		}
	}
	return true
}

// zoneCache remembers the last zone a decoder resolved: a log repeats the same
// one on every line, and time.FixedZone allocates.
type zoneCache struct {
	name string
	loc  *time.Location
}

func (c *zoneCache) zone(z string) (*time.Location, bool) {
	if c != nil && c.loc != nil && z == c.name {
		return c.loc, true
	}
	var off int
	if o, ok := zones[z]; ok {
		off = o
	} else {
		if len(z) < 3 || (z[0] != '+' && z[0] != '-') {
			return nil, false
		}
		d := strings.ReplaceAll(z[1:], ":", "")
		if (len(d) != 2 && len(d) != 4) || !digits(d) {
			return nil, false
		}
		h, _ := strconv.Atoi(d[:2])
		m := 0
		if len(d) == 4 {
			m, _ = strconv.Atoi(d[2:])
		}
		if h > 15 || m > 59 {
			return nil, false
		}
		off = h*3600 + m*60
		if z[0] == '-' {
			off = -off
		}
	}
	name := strings.Clone(z)
	l := time.FixedZone(name, off)
	if c != nil {
		c.name, c.loc = name, l
	}
	return l, true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// setClient records a client address: addresses go to source.ip, host names
// (log_hostname = on) to source.domain; "[local]" (a Unix socket) names no
// network peer and is left out.
func setClient(ev *event.Event, host string) {
	if host == "" || host == "[local]" || host == "[unknown]" {
		return
	}
	if a, err := netip.ParseAddr(host); err == nil {
		ev.SourceIP = a.Unmap().String()
		return
	}
	ev.Set("source.domain", host)
}

// kvValue returns the value of key=value in a space-separated list such as
// "user=app database=shop application_name=psql".
func kvValue(s, key string) string {
	for s != "" {
		var f string
		f, s, _ = strings.Cut(s, " ")
		if v, ok := strings.CutPrefix(f, key); ok && strings.HasPrefix(v, "=") {
			return v[1:]
		}
	}
	return ""
}

// quoted returns the text between the first pair of double quotes after
// prefix in s.
func quoted(s, prefix string) string {
	i := strings.Index(s, prefix)
	if i < 0 {
		return ""
	}
	rest := s[i+len(prefix):]
	if !strings.HasPrefix(rest, `"`) {
		return ""
	}
	end := strings.IndexByte(rest[1:], '"')
	if end < 0 {
		return ""
	}
	return rest[1 : 1+end]
}

// classify reads the meaning of a message: statements, durations,
// connections and authentication. It is shared by the stderr and csv decoders.
func classify(ev *event.Event, level, msg string) {
	ev.Level = level
	ev.Message = msg
	defer func() {
		// Server lifecycle records (startup, checkpoints, reloads) belong to no
		// client session: they are system events, not database activity.
		if ev.Kind == event.KindDB && ev.Action == "" && ev.User == "" && ev.Statement == "" {
			ev.Kind = event.KindSystem
		}
	}()
	switch level {
	case "ERROR", "FATAL", "PANIC":
		ev.Outcome = event.OutcomeFailure
	case "STATEMENT":
		// The statement that caused the preceding error: with the default
		// log_statement = none, the only place queries appear.
		ev.Action = "query"
		ev.Statement = msg
		ev.Outcome = event.OutcomeFailure
		return
	}
	if rest, ok := strings.CutPrefix(msg, "duration: "); ok {
		d, after, _ := strings.Cut(rest, " ms")
		if f, err := strconv.ParseFloat(d, 64); err == nil {
			// Seconds with microseconds, as MySQL writes Query_time.
			ev.Set("db.query_time", strconv.FormatFloat(f/1000, 'f', 6, 64))
		}
		msg = strings.TrimLeft(after, " ")
		if msg == "" {
			ev.Action = "duration"
			return
		}
	}
	switch {
	case strings.HasPrefix(msg, "statement: "):
		ev.Action = "query"
		ev.Statement = msg[len("statement: "):]
	case strings.HasPrefix(msg, "execute "):
		// Extended protocol: "execute <unnamed>: SELECT ..." or "execute S_1: ...".
		if _, stmt, ok := strings.Cut(msg, ": "); ok {
			ev.Action = "query"
			ev.Statement = stmt
		}
	case strings.HasPrefix(msg, "connection received: "):
		ev.Action = "connect"
		rest := msg[len("connection received: "):]
		setClient(ev, kvValue(rest, "host"))
		ev.SourcePort, _ = strconv.Atoi(kvValue(rest, "port"))
	case strings.HasPrefix(msg, "connection authorized: "):
		ev.Action = "connect"
		ev.Outcome = event.OutcomeSuccess
		rest := msg[len("connection authorized: "):]
		if u := kvValue(rest, "user"); u != "" {
			ev.User = u
		}
		if d := kvValue(rest, "database"); d != "" {
			ev.Set("db.name", d)
		}
	case strings.HasPrefix(msg, "connection authenticated: "):
		ev.Kind = event.KindAuth
		ev.Action = "login"
		ev.Outcome = event.OutcomeSuccess
		if id := quoted(msg, "identity="); id != "" {
			ev.User = id
		}
		if m := kvValue(msg, "method"); m != "" {
			ev.Set("event.reason", m)
		}
	case strings.HasPrefix(msg, "disconnection: "):
		ev.Action = "disconnect"
		rest := msg[len("disconnection: "):]
		if u := kvValue(rest, "user"); u != "" {
			ev.User = u
		}
		if d := kvValue(rest, "database"); d != "" {
			ev.Set("db.name", d)
		}
		if st, ok := strings.CutPrefix(rest, "session time: "); ok {
			st, _, _ = strings.Cut(st, " ")
			ev.Set("db.session_time", st)
		}
		setClient(ev, kvValue(rest, "host"))
		if p, err := strconv.Atoi(kvValue(rest, "port")); err == nil {
			ev.SourcePort = p
		}
	case strings.Contains(msg, "authentication failed for user \""):
		// password, md5, scram, ident, peer, ldap, radius, cert, pam ...
		ev.Kind = event.KindAuth
		ev.Action = "login"
		ev.Outcome = event.OutcomeFailure
		ev.User = quoted(msg, "for user ")
	case strings.HasPrefix(msg, "no pg_hba.conf entry for host "):
		ev.Kind = event.KindAuth
		ev.Action = "login"
		ev.Outcome = event.OutcomeFailure
		setClient(ev, quoted(msg, "for host "))
		ev.User = quoted(msg, "user ")
		if d := quoted(msg, "database "); d != "" {
			ev.Set("db.name", d)
		}
	case strings.HasPrefix(msg, "role \"") && strings.HasSuffix(msg, "\" does not exist") && level == "FATAL":
		ev.Kind = event.KindAuth
		ev.Action = "login"
		ev.Outcome = event.OutcomeFailure
		ev.User = quoted(msg, "role ")
	case strings.HasPrefix(msg, "database \"") && strings.HasSuffix(msg, "\" does not exist") && level == "FATAL":
		ev.Action = "connect"
		ev.Outcome = event.OutcomeFailure
	}
}
