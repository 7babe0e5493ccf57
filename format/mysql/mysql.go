// Package mysql decodes MySQL and MariaDB server logs: the general query log
// ("mysql.general"), the slow query log ("mysql.slow") and the MariaDB
// server_audit plugin log ("mariadb.audit").
//
// The general and slow logs hold records that span several lines (a query
// logged with its newlines), so their decoders assemble a record until the
// next record header and are not stateless. The statements in these logs are
// written by whoever can reach the database: a continuation line that happens
// to look like a record header is indistinguishable from one, which is a
// property of the log format, not something a decoder can repair.
package mysql

import (
	"net/netip"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

func init() {
	format.Register(&format.Format{
		Name:        "mysql.general",
		Description: "MySQL/MariaDB general query log (connections and every statement)",
		Stateless:   false,
		Sniff:       sniffGeneral,
		New:         func(o format.Options) (format.Decoder, error) { return NewGeneral(o), nil },
	})
	format.Register(&format.Format{
		Name:        "mysql.slow",
		Description: "MySQL/MariaDB slow query log (# Time / # User@Host / # Query_time entries)",
		Stateless:   false,
		Sniff:       sniffSlow,
		New:         func(o format.Options) (format.Decoder, error) { return NewSlow(o), nil },
	})
	format.Register(&format.Format{
		Name:        "mariadb.audit",
		Description: "MariaDB server_audit plugin log (CONNECT, QUERY, READ, WRITE, ... with return codes)",
		Stateless:   true,
		Sniff:       sniffAudit,
		New:         func(o format.Options) (format.Decoder, error) { return NewAudit(o), nil },
	})
}

// maxRecord caps the bytes one multi-line record may gather. A log whose
// statement never ends (or an attacker who logs a gigabyte query) must not make
// the decoder hold it all: past the cap the pending record is emitted and the
// remaining continuation lines become raw events.
const maxRecord = 1 << 20

// setHost records where a client connected from: an address goes to
// source.ip, a host name to the extra source.domain (source.ip must only ever
// hold addresses, since rules and CIDR matches rely on it).
func setHost(ev *event.Event, host string) {
	if host == "" {
		return
	}
	if a, err := netip.ParseAddr(host); err == nil {
		ev.SourceIP = a.Unmap().String()
		return
	}
	ev.Extra = append(ev.Extra, event.KV{Key: "source.domain", Value: host})
}

// parseShortTime parses the old general/slow log time "YYMMDD H:MM:SS" (the
// hour space-padded, so "250519  3:12:44") in loc. It returns the time and the
// number of bytes consumed.
func parseShortTime(s string, loc *time.Location) (time.Time, int, bool) {
	if len(s) < 13 || !digits(s[:6]) {
		return time.Time{}, 0, false
	}
	yy, mo, dd := atoi2(s[0:2]), atoi2(s[2:4]), atoi2(s[4:6])
	i := 6
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if i == 6 || i > 8 {
		return time.Time{}, 0, false
	}
	h, n := 0, 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 2 {
		h = h*10 + int(s[i]-'0')
		i++
		n++
	}
	if n == 0 || len(s) < i+6 || s[i] != ':' || s[i+3] != ':' || !digits(s[i+1:i+3]) || !digits(s[i+4:i+6]) {
		return time.Time{}, 0, false
	}
	mi, sec := atoi2(s[i+1:i+3]), atoi2(s[i+4:i+6])
	if mo < 1 || mo > 12 || dd < 1 || dd > 31 || h > 23 || mi > 59 || sec > 60 {
		return time.Time{}, 0, false
	}
	return time.Date(2000+yy, time.Month(mo), dd, h, mi, sec, 0, loc), i + 6, true
}

// parseISOTime parses the MySQL 5.7+ time "2025-05-19T03:12:44.123456Z" (or
// with a +hh:mm offset when log_timestamps=SYSTEM); it returns the bytes
// consumed, up to the first tab or space.
func parseISOTime(s string, loc *time.Location) (time.Time, int, bool) {
	if len(s) < 19 || s[4] != '-' || s[10] != 'T' {
		return time.Time{}, 0, false
	}
	end := strings.IndexAny(s, "\t ")
	if end < 0 {
		end = len(s)
	}
	ts := s[:end]
	if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
		return t, end, true
	}
	// Without a zone (seen in hand-rotated logs and some forks).
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", ts, loc); err == nil {
		return t, end, true
	}
	return time.Time{}, 0, false
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

func atoi2(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// isServerHeader reports whether line is one of the three lines mysqld writes
// when it (re)opens a general or slow log.
func isServerHeader(line string) bool {
	if strings.HasPrefix(line, "Tcp port: ") {
		return true
	}
	if strings.HasPrefix(line, "Time") {
		rest := strings.TrimLeft(line[4:], " \t")
		return strings.HasPrefix(rest, "Id") && strings.Contains(rest, "Command") && strings.HasSuffix(strings.TrimRight(rest, " \t"), "Argument")
	}
	return strings.Contains(line, ", Version: ") && strings.HasSuffix(line, "started with:")
}

// serverHeader fills ev from a server header line.
func serverHeader(ev *event.Event, line, dataset string, ref event.Ref) {
	ev.Reset()
	ev.Kind = event.KindSystem
	ev.Dataset = dataset
	ev.Ref = ref
	ev.Raw = line
	ev.Message = line
	switch {
	case strings.HasSuffix(line, "started with:"):
		ev.Action = "server_start"
		prog, rest, _ := strings.Cut(line, ", Version: ")
		ev.Process = prog[strings.LastIndexByte(prog, '/')+1:]
		if v, _, ok := strings.Cut(rest, " "); ok || v != "" {
			ev.Extra = append(ev.Extra, event.KV{Key: "service.version", Value: strings.TrimSuffix(v, ".")})
		}
	case strings.HasPrefix(line, "Tcp port: "):
		ev.Action = "server_listen"
	default:
		ev.Action = "log_header"
	}
}
