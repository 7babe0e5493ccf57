package syslog

import (
	"strconv"
	"strings"
	"time"
)

// header is what the syslog framing of one line says, before the message is
// read by program. All strings are slices of the line.
type header struct {
	pri     int // -1 when the line has no <PRI>
	time    time.Time
	host    string
	prog    string // tag as logged, without [pid]
	pid     int
	msg     string
	msgID   string // RFC 5424 MSGID
	sd      string // RFC 5424 STRUCTURED-DATA, "" when nil
	rfc5424 bool
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parsePRI reads a leading "<N>" (N in 0..191). It returns -1 and s unchanged
// when there is none.
func parsePRI(s string) (int, string) {
	if len(s) < 3 || s[0] != '<' {
		return -1, s
	}
	n := 0
	i := 1
	for ; i < len(s) && i <= 4 && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int(s[i]-'0')
	}
	if i == 1 || i >= len(s) || s[i] != '>' || n > 191 {
		return -1, s
	}
	return n, s[i+1:]
}

// stamp3164 recognises "Mmm dd hh:mm:ss" at the start of s: the day space-
// or zero-padded, or unpadded ("Feb 7 16:01:07", seen from some BSD and
// appliance syslogds), with an optional fraction. It returns the parts and
// the stamp's length.
func stamp3164(s string) (month time.Month, day, hh, mm, ss, nsec, n int, ok bool) {
	if len(s) < 14 || s[3] != ' ' {
		return
	}
	for i, m := range months {
		if s[0] == m[0] && s[1] == m[1] && s[2] == m[2] {
			month = time.Month(i + 1)
			break
		}
	}
	if month == 0 {
		return
	}
	// d is where the two-digit day would start; unpadded days shift the
	// clock one byte left.
	d := 4
	var d1, d2 byte
	if s[5] == ' ' {
		d1, d2 = '0', s[4]
		d--
	} else {
		d1, d2 = s[4], s[5]
		if d1 == ' ' {
			d1 = '0'
		}
	}
	if len(s) < d+11 || s[d+2] != ' ' || s[d+5] != ':' || s[d+8] != ':' {
		return
	}
	var ok1, ok2, ok3, ok4 bool
	day, ok1 = two(d1, d2)
	hh, ok2 = two(s[d+3], s[d+4])
	mm, ok3 = two(s[d+6], s[d+7])
	ss, ok4 = two(s[d+9], s[d+10])
	if !ok1 || !ok2 || !ok3 || !ok4 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return
	}
	n = d + 11
	if n < len(s) && s[n] == '.' {
		// Some rsyslog templates add sub-second digits to the classic stamp.
		j := n + 1
		scale := 100000000
		for ; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
			nsec += int(s[j]-'0') * scale
			scale /= 10
		}
		if j == n+1 || j-n-1 > 9 {
			return
		}
		n = j
	}
	ok = true
	return
}

func two(a, b byte) (int, bool) {
	if a < '0' || a > '9' || b < '0' || b > '9' {
		return 0, false
	}
	return int(a-'0')*10 + int(b-'0'), true
}

// parseISO reads an RFC 3339 timestamp as rsyslog's high-precision template,
// RFC 5424 and journald's short-iso (offset without a colon) write it.
// Timestamps without an offset are read in loc.
func parseISO(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[10] != 'T' && s[10] != ' ' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999-0700", s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// clock turns the year-less RFC 3164 stamp into a time: the latest year that
// does not put the line more than a day after the reference time. Consecutive
// lines usually share a second, so the last answer is kept.
type clock struct {
	loc  *time.Location
	ref  time.Time
	last [32]byte
	lenL int
	lt   time.Time
}

func (c *clock) at(stamp string, month time.Month, day, hh, mm, ss, nsec int) time.Time {
	if len(stamp) <= len(c.last) && c.lenL == len(stamp) && string(c.last[:c.lenL]) == stamp {
		return c.lt
	}
	limit := c.ref.Add(24 * time.Hour)
	y := c.ref.In(c.loc).Year()
	// Eight years back always reaches a leap year for Feb 29. A date no year
	// has (Apr 31) keeps the reference year, normalised by time.Date.
	t := time.Date(y, month, day, hh, mm, ss, nsec, c.loc)
	for k := 0; k < 8; k++ {
		tk := time.Date(y-k, month, day, hh, mm, ss, nsec, c.loc)
		if tk.Day() == day && !tk.After(limit) {
			t = tk
			break
		}
	}
	t = t.UTC()
	if len(stamp) <= len(c.last) {
		c.lenL = copy(c.last[:], stamp)
		c.lt = t
	}
	return t
}

// parseHeader splits a line into its syslog framing. ok is false when the
// line has no recognisable syslog header.
func parseHeader(line string, c *clock, h *header) bool {
	*h = header{pri: -1}
	// logrotate's copytruncate can leave NUL padding where the writer's
	// file offset ran past the truncation; the record follows it.
	for len(line) > 0 && line[0] == 0 {
		line = line[1:]
	}
	pri, rest := parsePRI(line)
	h.pri = pri
	if pri >= 0 && len(rest) > 2 && rest[0] == '1' && rest[1] == ' ' {
		return parse5424(rest[2:], c, h)
	}
	if len(rest) == 0 {
		return false
	}
	var n int
	if rest[0] >= 'A' && rest[0] <= 'S' {
		month, day, hh, mm, ss, nsec, l, ok := stamp3164(rest)
		if !ok {
			return false
		}
		h.time = c.at(rest[:l], month, day, hh, mm, ss, nsec)
		n = l
	} else if rest[0] >= '0' && rest[0] <= '9' {
		sp := strings.IndexByte(rest, ' ')
		if sp < 0 {
			return false
		}
		t, ok := parseISO(rest[:sp], c.loc)
		if !ok {
			return false
		}
		h.time = t.UTC()
		n = sp
	} else {
		return false
	}
	if n >= len(rest) || rest[n] != ' ' {
		return false
	}
	rest = skipSpaces(rest[n:])
	// HOSTNAME, unless the writer left it out and the tag follows the stamp.
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		sp = len(rest)
	}
	tok := rest[:sp]
	if tok == "" {
		return false
	}
	if tok[len(tok)-1] != ':' && tok[len(tok)-1] != ']' && !(len(tok) > 2 && tok[len(tok)-2] == ']' && tok[len(tok)-1] == ':') {
		h.host = tok
		rest = skipSpaces(rest[sp:])
	}
	splitTag(rest, h)
	return true
}

// splitTag reads "prog[pid]: msg" or "prog: msg". A message without a
// well-formed tag is kept whole (RFC 3164 makes the tag optional).
func splitTag(s string, h *header) {
	h.msg = s
	j := 0
	for j < len(s) && j < 128 && s[j] != '[' && s[j] != ':' && s[j] != ' ' {
		j++
	}
	if j == 0 || j >= len(s) {
		return
	}
	prog := s[:j]
	switch s[j] {
	case '[':
		end := strings.IndexByte(s[j:], ']')
		if end < 0 {
			return
		}
		end += j
		if end+1 >= len(s) || s[end+1] != ':' {
			return
		}
		h.pid = atoi(s[j+1 : end])
		h.prog = prog
		h.msg = trimOneSpace(s[end+2:])
	case ':':
		if j+1 < len(s) && s[j+1] != ' ' {
			return
		}
		h.prog = prog
		h.msg = trimOneSpace(s[j+1:])
	}
}

// parse5424 reads the rest of an RFC 5424 header after "<PRI>1 ".
func parse5424(s string, c *clock, h *header) bool {
	h.rfc5424 = true
	var f [5]string
	for i := range f {
		sp := strings.IndexByte(s, ' ')
		if sp < 0 {
			if i < 4 {
				return false
			}
			f[i], s = s, ""
			break
		}
		f[i], s = s[:sp], s[sp+1:]
	}
	if f[0] != "-" {
		t, ok := parseISO(f[0], c.loc)
		if !ok {
			return false
		}
		h.time = t.UTC()
	}
	h.host = nilValue(f[1])
	h.prog = nilValue(f[2])
	h.pid = atoi(nilValue(f[3]))
	h.msgID = nilValue(f[4])
	// STRUCTURED-DATA: "-" or one or more [id param="value"...] elements.
	switch {
	case len(s) > 0 && s[0] == '-':
		s = s[1:]
	case len(s) > 0 && s[0] == '[':
		n := sdLen(s)
		if n < 0 {
			return false
		}
		h.sd, s = s[:n], s[n:]
	default:
		if s != "" {
			return false
		}
	}
	s = trimOneSpace(s)
	// A UTF-8 byte order mark announces a UTF-8 message; it is not text.
	if len(s) >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF {
		s = s[3:]
	}
	h.msg = s
	return true
}

// sdLen returns the length of the structured-data elements at the start of s,
// or -1 when they are malformed.
func sdLen(s string) int {
	i := 0
	for i < len(s) && s[i] == '[' {
		i++
		inQuote := false
		closed := false
		for i < len(s) {
			b := s[i]
			i++
			if inQuote {
				if b == '\\' {
					i++
				} else if b == '"' {
					inQuote = false
				}
				continue
			}
			if b == '"' {
				inQuote = true
			} else if b == ']' {
				closed = true
				break
			}
		}
		if !closed {
			return -1
		}
	}
	return i
}

func nilValue(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

func skipSpaces(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	return s
}

func trimOneSpace(s string) string {
	if len(s) > 0 && s[0] == ' ' {
		return s[1:]
	}
	return s
}

// atoi reads a small non-negative decimal; anything else is 0.
func atoi(s string) int {
	if len(s) == 0 || len(s) > 9 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
