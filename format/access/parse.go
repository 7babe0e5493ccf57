package access

import (
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
)

// parser decodes lines with one layout. It holds a one-entry time cache:
// consecutive access-log lines almost always share their minute (for
// $time_local) or second (for ISO 8601 times).
type parser struct {
	l *layout

	local, iso timeCache
}

// timeCache remembers the last time string parsed and its value.
type timeCache struct {
	key    [32]byte
	n      int
	t      time.Time
	minute int64 // $time_local: Unix time of key's minute
}

func (c *timeCache) remember(v string, t time.Time) {
	c.n = copy(c.key[:], v)
	c.t = t
}

// parse fills ev from line and reports whether the line fits the layout. ev
// must be reset; on false it holds partial values and must be reset again.
// All strings are sliced from line.
func (p *parser) parse(line string, ev *event.Event) bool {
	if p.l.ncsa != ncsaNone {
		return p.parseNCSA(line, ev)
	}
	return p.walk(line, ev)
}

// walk is parse for any layout: it follows the compiled steps.
func (p *parser) walk(line string, ev *event.Event) bool {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1] // a CRLF file read by a LF splitter
	}
	pos := 0
	ustart, uend := -1, -1 // URL as a span of line, so a path and its query stay one slice
	for i := range p.l.steps {
		s := &p.l.steps[i]
		switch len(s.lit) {
		case 0:
		case 1: // most separators are one byte: skip memequal
			if pos >= len(line) || line[pos] != s.lit[0] {
				return false
			}
		default:
			if !hasLit(line, pos, s.lit) {
				return false
			}
		}
		pos += len(s.lit)
		rest := line[pos:]
		n := -1 // length of the value
		switch {
		case s.kind == fTimeLocal:
			n = len("10/Oct/2000:13:55:36 -0700")
			if len(rest) < n {
				return false
			}
		case s.quoted:
			n = quotedEnd(rest, s.end)
			if n < 0 {
				if i+1 != len(p.l.steps) || s.end != `"` {
					return false
				}
				// The last quoted field of a truncated line: keep what is there.
				n = len(rest)
				pos += n
				if !p.assign(s, line, pos-n, pos, ev, &ustart, &uend) {
					return false
				}
				goto done
			}
		case s.stopQuery:
			n = strings.IndexByte(rest, '?')
			if n < 0 && s.next != "" {
				// no query: the path runs up to the next literal
				n = indexSep(rest, s.next, false)
			}
			if n < 0 {
				n = len(rest)
			}
		case s.kind == fIsArgs:
			n = 0
			if rest != "" && rest[0] == '?' {
				n = 1
			}
		case s.end == "":
			n = len(rest)
			if s.kind.numeric() {
				// a number ends the line only if the format says so;
				// text after it is trailing
				if sp := strings.IndexByte(rest, ' '); sp >= 0 {
					n = sp
				}
			}
		default:
			n = indexSep(rest, s.end, s.list)
			if n < 0 {
				return false
			}
		}
		if !p.assign(s, line, pos, pos+n, ev, &ustart, &uend) {
			return false
		}
		pos += n
	}
	if t := p.l.tail; t != "" {
		if len(line)-pos < len(t) || line[pos:pos+len(t)] != t {
			return false
		}
		pos += len(t)
	}
	if pos < len(line) {
		// Formats grow fields over the years; what follows the known ones is
		// kept rather than failing the line.
		ev.Extra = append(ev.Extra, event.KV{Key: "log.trailing", Value: line[pos:]})
	}
done:
	if ustart >= 0 {
		ev.URL = line[ustart:uend]
	}
	return true
}

// hasLit reports whether line holds lit at pos. A byte loop beats memequal
// for the two- and three-byte separators of access logs.
func hasLit(line string, pos int, lit string) bool {
	if len(line)-pos < len(lit) {
		return false
	}
	for i := 0; i < len(lit); i++ {
		if line[pos+i] != lit[i] {
			return false
		}
	}
	return true
}

// indexSep returns the index of sep in s. In a list value a separator right
// after a comma belongs to the list ("1.2.3.4, 5.6.7.8").
func indexSep(s, sep string, list bool) int {
	off := 0
	c := sep[0]
	for {
		// IndexByte then a compare beats strings.Index for the short
		// separators and short values of access logs.
		i := strings.IndexByte(s[off:], c)
		if i < 0 {
			return -1
		}
		i += off
		if hasLit(s, i, sep) && (!list || i == 0 || s[i-1] != ',') {
			return i
		}
		off = i + 1
	}
}

// quotedEnd returns the length of a quoted value at the start of s: the first
// '"' that is not backslash-escaped and is followed by the rest of end (which
// starts with '"'). Requiring the whole separator lets a bare quote inside a
// value (old Apache did not escape them) pass.
func quotedEnd(s, end string) int {
	off := 0
	for {
		i := strings.IndexByte(s[off:], '"')
		if i < 0 {
			return -1
		}
		i += off
		bs := 0
		for j := i - 1; j >= 0 && s[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 && hasLit(s, i, end) {
			return i
		}
		off = i + 1
	}
}

// assign stores line[a:b] in the field s names.
func (p *parser) assign(s *step, line string, a, b int, ev *event.Event, ustart, uend *int) bool {
	v := line[a:b]
	switch s.kind {
	case fIgnore:
	case fRemoteAddr:
		if v == "" {
			return false
		}
		ev.SourceIP = v
	case fRemotePort:
		n, ok := atoi(v)
		if ok && n < 65536 {
			ev.SourcePort = int(n)
		}
	case fUser:
		if v != "-" {
			ev.User = v
		}
	case fTimeLocal:
		t, ok := p.timeLocal(v)
		if !ok {
			return false
		}
		ev.Time = t
	case fTimeISO:
		t, ok := p.timeISO(v)
		if !ok {
			return false
		}
		ev.Time = t
	case fTimeSec, fTimeMsec, fTimeUsec:
		t, ok := epoch(v, s.kind)
		if !ok {
			return false
		}
		ev.Time = t
	case fRequest:
		method, url, proto, ok := splitRequest(v)
		if !ok {
			if v != "-" && v != "" {
				ev.Extra = append(ev.Extra, event.KV{Key: "http.request.line", Value: v})
			}
			return true
		}
		ev.Method, ev.HTTPVersion = method, proto
		*ustart, *uend = -1, -1
		ev.URL = url
	case fMethod:
		if v != "-" {
			ev.Method = v
		}
	case fURI, fPath:
		if v != "-" && v != "" {
			*ustart, *uend = a, b
		}
	case fIsArgs:
	case fQuery:
		if v == "" || v == "-" {
			return true
		}
		if *ustart >= 0 && *uend == a && (v[0] == '?' || line[a-1] == '?') {
			*uend = b
		} else if *ustart >= 0 && *uend+1 == a && line[*uend] == '?' {
			*uend = b
		} else {
			ev.Extra = append(ev.Extra, event.KV{Key: "url.query", Value: strings.TrimPrefix(v, "?")})
		}
	case fProto:
		if v != "-" {
			ev.HTTPVersion = v
		}
	case fStatus:
		if len(v) != 3 {
			return false
		}
		n, ok := atoi(v)
		if !ok {
			return false
		}
		ev.Status = int(n)
	case fBodyBytes, fTotalBytes:
		if v == "-" {
			return true
		}
		n, ok := atoi(v)
		if !ok {
			return false
		}
		ev.Bytes = n
	case fReferrer:
		if v != "-" {
			ev.Referrer = v
		}
	case fUserAgent:
		if v != "-" {
			ev.UserAgent = v
		}
	case fHost:
		if v != "-" {
			ev.Host = v
		}
	case fPID:
		if n, ok := atoi(v); ok && n < 1<<31 {
			ev.PID = int(n)
		}
	case fExtra:
		if v != "" && v != "-" {
			ev.Extra = append(ev.Extra, event.KV{Key: s.key, Value: v})
		}
	}
	return true
}

// splitRequest cuts a request line "GET /a?b HTTP/1.1" into its parts. It
// fails on anything whose method is not an HTTP token (TLS handshakes, binary
// probes, "-"), which the caller keeps whole.
func splitRequest(r string) (method, url, proto string, ok bool) {
	sp := strings.IndexByte(r, ' ')
	if sp <= 0 {
		return "", "", "", false
	}
	method = r[:sp]
	for i := 0; i < len(method); i++ {
		if !isTchar(method[i]) {
			return "", "", "", false
		}
	}
	rest := r[sp+1:]
	if n := len(rest); n > 9 && rest[n-9] == ' ' && rest[n-8:n-3] == "HTTP/" {
		return method, rest[:n-9], rest[n-8:], true // the usual " HTTP/1.1"
	}
	if last := strings.LastIndexByte(rest, ' '); last >= 0 && strings.HasPrefix(rest[last+1:], "HTTP/") {
		url, proto = rest[:last], rest[last+1:]
	} else {
		url = rest // HTTP/0.9, or a line cut short
	}
	if url == "" {
		return "", "", "", false
	}
	return method, url, proto, true
}

// isTchar reports whether c may appear in an HTTP token (RFC 9110 5.6.2).
func isTchar(c byte) bool { return tchar[c] }

var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range []byte("!#$%&'*+-.^_`|~") {
		t[c] = true
	}
	return t
}()

// atoi parses a non-negative decimal of at most 18 digits.
func atoi(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int64(c)
	}
	return n, true
}

// timeLocal parses "10/Oct/2000:13:55:36 -0700" into UTC. Lines within
// the same minute and zone as the previous one only parse the seconds.
func (p *parser) timeLocal(v string) (time.Time, bool) {
	if len(v) != 26 || v[2] != '/' || v[6] != '/' || v[11] != ':' || v[14] != ':' || v[17] != ':' || v[20] != ' ' {
		return time.Time{}, false
	}
	c := &p.local
	if c.n == 26 && string(c.key[:17]) == v[:17] && string(c.key[20:26]) == v[20:] {
		if c.key[18] == v[18] && c.key[19] == v[19] {
			return c.t, true
		}
		ss, ok := num(v[18:20])
		if !ok || ss > 60 {
			return time.Time{}, false
		}
		c.key[18], c.key[19] = v[18], v[19]
		c.t = time.Unix(c.minute+int64(ss), 0).UTC()
		return c.t, true
	}
	day, ok1 := num(v[0:2])
	mon := month(v[3:6])
	year, ok2 := num(v[7:11])
	hh, ok3 := num(v[12:14])
	mm, ok4 := num(v[15:17])
	ss, ok5 := num(v[18:20])
	off, ok6 := zone(v[21:26])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon == 0 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	t := unix(year, mon, day, hh, mm, ss, 0, off)
	c.remember(v, t)
	c.minute = t.Unix() - int64(ss)
	return t, true
}

// timeISO parses "2000-10-10T13:55:36-07:00" (also "Z", "+0000", fractions).
func (p *parser) timeISO(v string) (time.Time, bool) {
	c := &p.iso
	if c.n == len(v) && string(c.key[:c.n]) == v {
		return c.t, true
	}
	if len(v) < 20 || v[4] != '-' || v[7] != '-' || (v[10] != 'T' && v[10] != ' ') || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(v[0:4])
	mon, ok2 := num(v[5:7])
	day, ok3 := num(v[8:10])
	hh, ok4 := num(v[11:13])
	mm, ok5 := num(v[14:16])
	ss, ok6 := num(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60 {
		return time.Time{}, false
	}
	rest := v[19:]
	nsec := 0
	if rest[0] == '.' || rest[0] == ',' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	var off int
	switch {
	case rest == "Z":
	case len(rest) == 6 && rest[3] == ':':
		o, ok := zone6(rest)
		if !ok {
			return time.Time{}, false
		}
		off = o
	case len(rest) == 5:
		o, ok := zone(rest)
		if !ok {
			return time.Time{}, false
		}
		off = o
	default:
		return time.Time{}, false
	}
	t := unix(year, mon, day, hh, mm, ss, nsec, off)
	if len(v) <= len(c.key) {
		c.remember(v, t)
	}
	return t, true
}

// epoch parses seconds ("1716088364.123"), or whole milli- or microseconds.
func epoch(v string, k fieldKind) (time.Time, bool) {
	ip, frac, _ := strings.Cut(v, ".")
	n, ok := atoi(ip)
	if !ok {
		return time.Time{}, false
	}
	switch k {
	case fTimeMsec:
		return time.UnixMilli(n).UTC(), frac == ""
	case fTimeUsec:
		return time.UnixMicro(n).UTC(), frac == ""
	}
	nsec := 0
	scale := 100000000
	for i := 0; i < len(frac) && i < 9; i++ {
		c := frac[i] - '0'
		if c > 9 {
			return time.Time{}, false
		}
		nsec += int(c) * scale
		scale /= 10
	}
	if n > 1<<40 {
		return time.Time{}, false
	}
	return time.Unix(n, int64(nsec)).UTC(), true
}

func num(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + int(c)
	}
	return n, true
}

// zone parses "+hhmm" into seconds east of UTC.
func zone(s string) (int, bool) {
	if len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		return 0, false
	}
	h, ok1 := num(s[1:3])
	m, ok2 := num(s[3:5])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

// zone6 parses "+hh:mm" into seconds east of UTC.
func zone6(s string) (int, bool) {
	if len(s) != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' {
		return 0, false
	}
	h, ok1 := num(s[1:3])
	m, ok2 := num(s[4:6])
	if !ok1 || !ok2 || h > 23 || m > 59 {
		return 0, false
	}
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off, true
}

func month(s string) int {
	switch s {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

// unix converts a civil time at offset off (seconds east of UTC) to a UTC
// time without time.Date's zone lookups. Day overflow (31 Feb) rolls over as
// time.Date does.
func unix(year, mon, day, hh, mm, ss, nsec, off int) time.Time {
	// days from civil, Howard Hinnant's algorithm
	y := year
	if mon <= 2 {
		y--
	}
	era := y / 400
	yoe := y - era*400
	mp := (mon + 9) % 12
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	days := int64(era)*146097 + int64(doe) - 719468
	sec := days*86400 + int64(hh*3600+mm*60+ss) - int64(off)
	return time.Unix(sec, int64(nsec)).UTC()
}
