// Package weberror decodes nginx and Apache httpd error logs into web error
// events.
//
// It registers two formats with package format:
//
//	nginx.error   2024/05/19 03:12:44 [error] 1234#1234: *5 message, client: 1.2.3.4, server: x, request: "GET / HTTP/1.1", ...
//	apache.error  [Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] message                     (httpd 2.2)
//	              [Thu Jun 27 09:38:12.123456 2024] [php:error] [pid 1234:tid 5678] [client 1.2.3.4:5678] message (2.4)
//
// Both have Kind web_error, Level, Message, SourceIP and, when the entry names
// them, Method, URL and HTTPVersion (nginx "request:"), Referrer, Host
// (nginx "server:") and PID. Times carry no zone in either format and are read
// in format.Options.Location. A PHP message (nginx "FastCGI sent in stderr:
// "PHP message: ..."", Apache "PHP Warning: ...", proxy_fcgi "Got error 'PHP
// message: ...'") goes to the extra "php.message".
//
// Other extras: nginx.connection (the *N connection number),
// upstream.address, http.request.header.host, http.subrequest,
// http.request.line (a request line that is not HTTP), apache.module (the
// module of a 2.4 "[module:level]"), error.code (Apache "AHnnnnn"),
// apache.os_error ("(13)Permission denied"), process.thread.id.
//
// nginx writes multi-line entries (a PHP stack trace inside a FastCGI
// message): lines that do not start with an nginx header continue the entry
// before them, so nginx.error is not stateless. Apache writes every line with
// its own header.
package weberror

import (
	"net/netip"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/access"
)

func init() {
	format.Register(&format.Format{
		Name:        "nginx.error",
		Description: "nginx error log (multi-line entries joined)",
		Stateless:   false,
		Sniff:       sniffNginx,
		New: func(o format.Options) (format.Decoder, error) {
			return &nginxDecoder{p: parser{loc: o.Loc()}}, nil
		},
	})
	format.Register(&format.Format{
		Name:        "apache.error",
		Description: "Apache httpd 2.2/2.4 error log",
		Stateless:   true,
		Sniff: func(sample []string) int {
			p := parser{loc: time.UTC}
			var ev event.Event
			return format.SniffLines(sample, func(l string) bool {
				ev.Reset()
				return p.apache(l, &ev)
			})
		},
		New: func(o format.Options) (format.Decoder, error) {
			return &apacheDecoder{p: parser{loc: o.Loc()}}, nil
		},
	})
}

// parser holds the zone for the zone-less timestamps of error logs.
type parser struct {
	loc *time.Location
}

type apacheDecoder struct {
	p  parser
	ev event.Event
}

func (d *apacheDecoder) Decode(line string, ref event.Ref, emit format.Emit) {
	ev := &d.ev
	ev.Reset()
	if !d.p.apache(line, ev) {
		format.Raw(ev, line, ref)
		emit(ev)
		return
	}
	ev.Raw, ev.Ref = line, ref
	emit(ev)
}

func (d *apacheDecoder) Flush(format.Emit) {}

// maxEntry bounds a joined nginx entry; continuation lines beyond it are
// emitted raw so that a hostile file cannot grow memory without limit.
const maxEntry = 1 << 20

type nginxDecoder struct {
	p       parser
	ev      event.Event
	pending []byte // the entry being assembled: its lines joined with \n
	ref     event.Ref
	open    bool
}

func (d *nginxDecoder) Decode(line string, ref event.Ref, emit format.Emit) {
	if _, ok := nginxHeader(line); ok {
		d.Flush(emit)
		d.pending = append(d.pending[:0], line...)
		d.ref, d.open = ref, true
		return
	}
	if d.open {
		if len(d.pending)+1+len(line) <= maxEntry {
			d.pending = append(d.pending, '\n')
			d.pending = append(d.pending, line...)
			return
		}
		d.Flush(emit) // keep events in line order
	}
	format.Raw(&d.ev, line, ref)
	emit(&d.ev)
}

func (d *nginxDecoder) Flush(emit format.Emit) {
	if !d.open {
		return
	}
	d.open = false
	// The entry outlives the lines it was joined from: it needs its own copy.
	entry := string(d.pending)
	ev := &d.ev
	ev.Reset()
	if !d.p.nginx(entry, ev) {
		format.Raw(ev, entry, d.ref)
	} else {
		ev.Raw, ev.Ref = entry, d.ref
	}
	emit(ev)
}

// sniffNginx scores the share of header lines, counting the few lines that
// follow a header as part of its entry.
func sniffNginx(sample []string) int {
	if len(sample) == 0 {
		return 0
	}
	n, total := 0, 0
	since := -1 // lines since the last header, -1 before the first
	for _, l := range sample {
		if _, ok := nginxHeader(l); ok {
			n++
			total++
			since = 0
			continue
		}
		if since >= 0 && since < 20 {
			since++
			continue
		}
		total++
	}
	return n * 100 / total
}

var nginxLevels = [...]string{"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"}

// header is what precedes the message of an nginx entry.
type header struct {
	time  string // "2024/05/19 03:12:44"
	level string
	pid   string
	tid   string
	conn  string // "*5" without the star
	rest  string // the message and its context
}

// nginxHeader parses "2024/05/19 03:12:44 [error] 1234#1234: *5 ".
func nginxHeader(l string) (h header, ok bool) {
	if len(l) < 26 || l[4] != '/' || l[7] != '/' || l[10] != ' ' || l[13] != ':' || l[16] != ':' || l[19] != ' ' || l[20] != '[' {
		return h, false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18} {
		if l[i] < '0' || l[i] > '9' {
			return h, false
		}
	}
	h.time = l[:19]
	end := strings.IndexByte(l[21:], ']')
	if end < 0 {
		return h, false
	}
	h.level = l[21 : 21+end]
	known := false
	for _, lv := range nginxLevels {
		if h.level == lv {
			known = true
			break
		}
	}
	if !known {
		return h, false
	}
	r := l[21+end+1:]
	if len(r) < 2 || r[0] != ' ' {
		return h, false
	}
	r = r[1:]
	colon := strings.Index(r, ": ")
	if colon < 0 {
		if !strings.HasSuffix(r, ":") {
			return h, false
		}
		colon = len(r) - 1
	}
	pid, tid, found := strings.Cut(r[:colon], "#")
	if !found || !digits(pid) || !digits(tid) {
		return h, false
	}
	h.pid, h.tid = pid, tid
	r = r[min(colon+2, len(r)):]
	if len(r) > 1 && r[0] == '*' {
		sp := strings.IndexByte(r, ' ')
		if sp < 0 {
			sp = len(r)
		}
		if digits(r[1:sp]) {
			h.conn = r[1:sp]
			r = r[min(sp+1, len(r)):]
		}
	}
	h.rest = r
	return h, true
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// nginx decodes one (possibly multi-line) nginx error entry.
func (p *parser) nginx(entry string, ev *event.Event) bool {
	h, ok := nginxHeader(entry)
	if !ok {
		return false
	}
	t, ok := p.nginxTime(h.time)
	if !ok {
		return false
	}
	ev.Time = t
	ev.Kind = event.KindWebError
	ev.Dataset = "nginx.error"
	ev.Level = h.level
	ev.PID = atoi(h.pid)
	if h.conn != "" {
		ev.Extra = append(ev.Extra, event.KV{Key: "nginx.connection", Value: h.conn})
	}
	msg := h.rest
	// The context nginx appends (", client: ..., server: ...") starts at the
	// first ", client: " after which the whole rest parses as context, with
	// an address as client and no space in server. An earlier ", client: "
	// inside an attacker-chosen path rarely passes; one that does (a path
	// with a '"' and a whole fake context) can mislead, and Raw stays the
	// evidence.
	// Each try may scan to the end: a bounded number of tries keeps a
	// hostile entry full of ", client: " linear.
	for off, tries := 0, 0; tries < 4; tries++ {
		i := strings.Index(msg[off:], ", client: ")
		if i < 0 {
			break
		}
		i += off
		if ctx, ok := nginxContext(msg[i+2:]); ok {
			applyContext(ctx, ev)
			msg = msg[:i]
			break
		}
		off = i + 1
	}
	ev.Message = msg
	if pm := phpMessage(msg); pm != "" {
		ev.Extra = append(ev.Extra, event.KV{Key: "php.message", Value: pm})
	}
	return true
}

// nginxKeys are the context keys nginx appends, in the order it writes them
// (http: client, server, request, subrequest, upstream, host, referrer;
// mail: client, server, login, upstream).
var nginxKeys = [...]string{"client", "server", "login", "request", "subrequest", "upstream", "host", "referrer"}

type kv struct{ key, value string }

// nginxContext parses `client: 1.2.3.4, server: x, request: "GET / HTTP/1.1", ...`
// to the end of s. Keys must come in nginx's order; a quoted value ends at a
// '"' that is followed by the next key or the end.
func nginxContext(s string) (ctx [len(nginxKeys)]kv, ok bool) {
	next := 0 // index into nginxKeys of the earliest key allowed next
	n := 0
	for s != "" {
		ki := -1
		for k := next; k < len(nginxKeys); k++ {
			if strings.HasPrefix(s, nginxKeys[k]) && strings.HasPrefix(s[len(nginxKeys[k]):], ": ") {
				ki = k
				break
			}
		}
		if ki < 0 || (n == 0 && ki != 0) {
			return ctx, false
		}
		s = s[len(nginxKeys[ki])+2:]
		var v string
		if strings.HasPrefix(s, `"`) {
			end := -1
			for off := 1; ; {
				q := strings.IndexByte(s[off:], '"')
				if q < 0 {
					break
				}
				q += off
				if q == len(s)-1 || startsKey(s[q+1:], ki+1) {
					end = q
					break
				}
				off = q + 1
			}
			if end < 0 {
				return ctx, false
			}
			v, s = s[1:end], s[end+1:]
		} else if ki == 0 {
			// client: an address, which never holds ", "
			end := strings.Index(s, ", ")
			if end < 0 {
				end = len(s)
			} else if !startsKey(s[end:], 1) {
				return ctx, false
			}
			v, s = s[:end], s[end:]
		} else {
			end := len(s)
			for off := 0; ; {
				c := strings.Index(s[off:], ", ")
				if c < 0 {
					break
				}
				c += off
				if startsKey(s[c:], ki+1) {
					end = c
					break
				}
				off = c + 1
			}
			v, s = s[:end], s[end:]
		}
		switch nginxKeys[ki] {
		case "client":
			// an address ("1.2.3.4", "::1", "unix:"), never free text
			if _, err := netip.ParseAddr(v); err != nil && !strings.HasPrefix(v, "unix:") {
				return ctx, false
			}
		case "server":
			if strings.IndexByte(v, ' ') >= 0 {
				return ctx, false
			}
		}
		ctx[ki] = kv{nginxKeys[ki], v}
		n++
		next = ki + 1
		if s != "" {
			s = s[2:] // ", " (checked by startsKey)
		}
	}
	return ctx, n > 0
}

// startsKey reports whether s is ", key: ..." for a key at index from or later.
func startsKey(s string, from int) bool {
	if !strings.HasPrefix(s, ", ") {
		return false
	}
	s = s[2:]
	for k := from; k < len(nginxKeys); k++ {
		if strings.HasPrefix(s, nginxKeys[k]) && strings.HasPrefix(s[len(nginxKeys[k]):], ": ") {
			return true
		}
	}
	return false
}

func applyContext(ctx [len(nginxKeys)]kv, ev *event.Event) {
	for _, c := range ctx {
		if c.key == "" || c.value == "" {
			continue
		}
		switch c.key {
		case "client":
			ev.SourceIP = c.value
		case "server":
			ev.Host = c.value
		case "login":
			ev.User = c.value
		case "request":
			setRequest(ev, c.value)
		case "subrequest":
			ev.Extra = append(ev.Extra, event.KV{Key: "http.subrequest", Value: c.value})
		case "upstream":
			ev.Extra = append(ev.Extra, event.KV{Key: "upstream.address", Value: c.value})
		case "host":
			ev.Extra = append(ev.Extra, event.KV{Key: "http.request.header.host", Value: c.value})
		case "referrer":
			ev.Referrer = c.value
		}
	}
}

func setRequest(ev *event.Event, r string) {
	if m, u, proto, ok := access.SplitRequest(r); ok {
		ev.Method, ev.URL, ev.HTTPVersion = m, u, proto
		return
	}
	ev.Extra = append(ev.Extra, event.KV{Key: "http.request.line", Value: r})
}

// phpMessage returns the PHP error text carried by msg, or "".
func phpMessage(msg string) string {
	if _, pm, ok := strings.Cut(msg, "PHP message: "); ok {
		// nginx: `FastCGI sent in stderr: "PHP message: ..." while reading ...`
		if i := strings.LastIndex(pm, `" while `); i >= 0 {
			return pm[:i]
		}
		// Apache proxy_fcgi: `AH01071: Got error 'PHP message: ...'`
		pm = strings.TrimSuffix(pm, `'`)
		return strings.TrimSuffix(pm, `"`)
	}
	if strings.HasPrefix(msg, "PHP ") {
		return msg // mod_php: "PHP Warning:  ..."
	}
	return ""
}

// apache decodes one Apache error log line.
func (p *parser) apache(l string, ev *event.Event) bool {
	// [Sun Nov 22 22:33:27.147315 2026]
	if len(l) < 26 || l[0] != '[' || l[4] != ' ' || l[8] != ' ' || l[11] != ' ' || l[14] != ':' || l[17] != ':' {
		return false
	}
	end := strings.IndexByte(l, ']')
	if end < 25 || end > 40 {
		return false
	}
	t, ok := p.apacheTime(l[1:end])
	if !ok {
		return false
	}
	r := l[end+1:]
	// [level] or [module:level]
	if !strings.HasPrefix(r, " [") {
		return false
	}
	e := strings.IndexByte(r, ']')
	if e < 0 {
		return false
	}
	level := r[2:e]
	if level == "" || strings.IndexByte(level, ' ') >= 0 {
		return false
	}
	v24 := false
	if mod, lv, ok := strings.Cut(level, ":"); ok {
		level = lv
		v24 = true
		ev.Extra = append(ev.Extra, event.KV{Key: "apache.module", Value: mod})
	}
	r = r[e+1:]
	if strings.HasPrefix(r, " [pid ") {
		e := strings.IndexByte(r, ']')
		if e < 0 {
			return false
		}
		pid, tid, _ := strings.Cut(r[6:e], ":tid ")
		ev.PID = atoi(pid)
		if tid != "" && tid != pid {
			ev.Extra = append(ev.Extra, event.KV{Key: "process.thread.id", Value: tid})
		}
		r = r[e+1:]
		v24 = true
	}
	r = strings.TrimPrefix(r, " ")
	// 2.4 writes an OS error before the client: "(13)Permission denied: [client ..."
	if strings.HasPrefix(r, "(") {
		if i := strings.Index(r, ": [client "); i > 0 {
			ev.Extra = append(ev.Extra, event.KV{Key: "apache.os_error", Value: r[:i]})
			r = r[i+2:]
		}
	}
	for _, tag := range [...]string{"[client ", "[remote "} {
		if strings.HasPrefix(r, tag) {
			e := strings.IndexByte(r, ']')
			if e < 0 {
				break
			}
			addr := r[len(tag):e]
			if v24 {
				if c := strings.LastIndexByte(addr, ':'); c > 0 && digits(addr[c+1:]) {
					ev.SourcePort = atoi(addr[c+1:])
					addr = addr[:c]
				}
			}
			if tag == "[client " {
				ev.SourceIP = addr
			} else {
				ev.Extra = append(ev.Extra, event.KV{Key: "source.peer_ip", Value: addr})
			}
			r = strings.TrimPrefix(r[e+1:], " ")
		}
	}
	if i := strings.LastIndex(r, ", referer: "); i >= 0 {
		ev.Referrer = r[i+len(", referer: "):]
		r = r[:i]
	}
	if len(r) > 9 && r[0] == 'A' && r[1] == 'H' && r[7] == ':' && digits(r[2:7]) {
		ev.Extra = append(ev.Extra, event.KV{Key: "error.code", Value: r[:7]})
	}
	// ModSecurity names the request's URI: [uri "/a.php"]
	if i := strings.Index(r, ` [uri "`); i >= 0 {
		u := r[i+len(` [uri "`):]
		if j := strings.Index(u, `"]`); j > 0 {
			ev.URL = u[:j]
		}
	}
	if pm := phpMessage(r); pm != "" {
		ev.Extra = append(ev.Extra, event.KV{Key: "php.message", Value: pm})
	}
	ev.Time = t
	ev.Kind = event.KindWebError
	ev.Dataset = "apache.error"
	ev.Level = level
	ev.Message = r
	return true
}

// nginxTime parses "2024/05/19 03:12:44" in p.loc.
func (p *parser) nginxTime(v string) (time.Time, bool) {
	if len(v) != 19 {
		return time.Time{}, false
	}
	return p.date(num(v[0:4]), num(v[5:7]), num(v[8:10]), v[11:19], 0)
}

// apacheTime parses "Sun Nov 22 22:33:27 2026" or, from 2.4,
// "Sun Nov 22 22:33:27.147315 2026" in p.loc.
func (p *parser) apacheTime(v string) (time.Time, bool) {
	if len(v) < 24 {
		return time.Time{}, false
	}
	mon := 0
	for i, m := range months {
		if v[4:7] == m {
			mon = i + 1
		}
	}
	day := v[8:10]
	if day[0] == ' ' {
		day = "0" + day[1:2] // constant-folded one-byte strings: no allocation
	}
	rest := v[19:]
	nsec := 0
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if scale > 0 {
				nsec += int(rest[i]-'0') * scale
				scale /= 10
			}
			i++
		}
		rest = rest[i:]
	}
	if len(rest) != 5 || rest[0] != ' ' {
		return time.Time{}, false
	}
	return p.date(num(rest[1:5]), mon, num(day), v[11:19], nsec)
}

var months = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// date builds a time from parsed parts (-1 marks a part that did not parse)
// and "15:04:05".
func (p *parser) date(year, mon, day int, hms string, nsec int) (time.Time, bool) {
	if hms[2] != ':' || hms[5] != ':' {
		return time.Time{}, false
	}
	hh, mm, ss := num(hms[0:2]), num(hms[3:5]), num(hms[6:8])
	if year < 0 || mon < 1 || mon > 12 || day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 {
		return time.Time{}, false
	}
	return time.Date(year, time.Month(mon), day, hh, mm, ss, nsec, p.loc).UTC(), true
}

// num parses a short run of digits, -1 when there is anything else.
func num(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return -1
		}
		n = n*10 + int(c)
	}
	return n
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0
		}
		n = n*10 + int(c)
	}
	return n
}
