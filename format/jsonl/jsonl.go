// Package jsonl decodes JSON lines ("jsonl"): one JSON object a line, from
// any application, shipper or web server.
//
// Nested objects are flattened to dotted keys ({"user":{"name":"x"}} is
// user.name). ECS names (@timestamp, source.ip, user.name,
// http.request.method, url.original, ...) fill the event's typed fields, as do
// the keys of common JSON access logs: nginx variables (remote_addr,
// time_local, request, status, body_bytes_sent, http_user_agent, ...), Caddy
// (request.remote_ip, request.method, request.uri, ts) and Traefik
// (ClientHost, RequestMethod, RequestPath, DownstreamStatus); such lines are
// web events of dataset "web.access". Every other leaf is kept in Extra under
// its dotted key; arrays are kept whole as their JSON text, nulls are dropped.
//
// Lines that are not a single valid JSON object, nest deeper than 64 levels
// or have a flattened key over 512 bytes are kept as raw events.
package jsonl

import (
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

func init() {
	format.Register(&format.Format{
		Name:        "jsonl",
		Description: "JSON lines: ECS documents, nginx/Apache/Caddy/Traefik JSON access logs, any JSON object per line",
		Stateless:   true,
		Sniff:       sniff,
		New:         func(o format.Options) (format.Decoder, error) { return New(o), nil },
	})
}

// Decoder decodes JSON lines. It is stateless: each line stands alone.
type Decoder struct {
	loc *time.Location
	sc  scanner
	ev  event.Event

	web      bool   // an access-log key was seen
	kindSet  bool   // event.category named the kind
	timeRank int    // rank of the key Time came from; lower wins
	timeKey  string // the key and value Time came from
	timeVal  string
	request  string // nginx $request, split once all keys are seen
	key      string // the current leaf's key, once made a string (see name)
}

// New returns a JSON lines decoder; times without a zone are read in o.Loc().
func New(o format.Options) *Decoder {
	d := &Decoder{loc: o.Loc()}
	d.sc.leaf = d.field
	return d
}

func sniff(sample []string) int {
	d := New(format.Options{})
	return format.SniffLines(sample, func(l string) bool { return d.parse(l) })
}

// Decode implements format.Decoder.
func (d *Decoder) Decode(line string, ref event.Ref, emit format.Emit) {
	if !d.parse(line) {
		format.Raw(&d.ev, line, ref)
	}
	d.ev.Ref = ref
	emit(&d.ev)
}

// Flush implements format.Decoder.
func (d *Decoder) Flush(format.Emit) {}

func (d *Decoder) parse(line string) bool {
	ev := &d.ev
	ev.Reset()
	d.web, d.kindSet, d.timeRank, d.request = false, false, 0, ""
	sc := &d.sc
	sc.s, sc.i, sc.depth = line, 0, 0
	if strings.HasPrefix(line, "\ufeff") {
		sc.i = 3 // a byte order mark on a file's first line
	}
	sc.ws()
	if sc.i >= len(line) || line[sc.i] != '{' || !sc.object(0) {
		return false
	}
	if sc.ws(); sc.i != len(line) {
		return false
	}
	if d.request != "" {
		d.splitRequest()
	}
	ev.Raw = line
	switch {
	case d.kindSet:
	case d.web || (ev.Method != "" && ev.Status != 0):
		ev.Kind = event.KindWeb
	case ev.CommandLine != "":
		ev.Kind = event.KindProcess
	case ev.Statement != "":
		ev.Kind = event.KindDB
	default:
		ev.Kind = event.KindSystem
	}
	if ev.Kind == event.KindWeb {
		// As the access-log decoders name their events.
		if ev.Dataset == "" {
			ev.Dataset = "web.access"
		}
		if ev.Action == "" {
			ev.Action = "http_request"
		}
	}
	if ev.Dataset == "" {
		ev.Dataset = "jsonl"
	}
	return true
}

// splitRequest reads nginx's $request, "GET /path HTTP/1.1" (or HTTP/0.9's
// "GET /path"). The specific keys (request_method, request_uri) win when both
// are logged; a request line that is not one (TLS bytes sent to a plain-HTTP
// port) is kept whole as http.request.line.
func (d *Decoder) splitRequest() {
	ev := &d.ev
	m, rest, ok := strings.Cut(d.request, " ")
	u, proto, hasProto := strings.Cut(rest, " ")
	if !ok || !httpToken(m) || u == "" || (hasProto && !strings.HasPrefix(proto, "HTTP/")) {
		d.extra("http.request.line", d.request)
		return
	}
	if ev.Method == "" {
		ev.Method = m
	}
	if ev.URL == "" {
		ev.URL = u
	}
	if ev.HTTPVersion == "" && hasProto {
		ev.HTTPVersion = proto[len("HTTP/"):]
	}
}

// httpToken reports whether m can be an HTTP method (RFC 9110 token chars;
// upper-case letters in practice, anything printable but separators allowed).
func httpToken(m string) bool {
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		c := m[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// field places one leaf: typed fields for the names it knows, Extra for the
// rest.
func (d *Decoder) field(key, val string, typ byte) {
	ev := &d.ev
	d.key = key
	// switch on string(kb) compares without converting (no allocation);
	// the key becomes a string only when it goes to Extra.
	switch string(d.sc.kb) {
	// ECS (event/field.go names).
	case "@timestamp":
		d.setTime(val, typ, 1)
	case "event.category":
		// ECS makes it an array (["web"], ["authentication","network"]); the
		// first value decides the kind.
		c := val
		if typ == '[' {
			c = firstString(val)
		}
		if k, ok := categories[c]; ok && (typ == '"' || typ == '[') {
			ev.Kind, d.kindSet = k, true
		}
		d.extra(d.name(), val)
	case "event.dataset":
		ev.Dataset = val
	case "event.action":
		ev.Action = val
	case "event.outcome":
		switch val {
		case "success":
			ev.Outcome = event.OutcomeSuccess
		case "failure":
			ev.Outcome = event.OutcomeFailure
		}
	case "host.name":
		ev.Host = val
	case "message", "msg":
		ev.Message = val
	case "log.level", "level":
		ev.Level = val
	case "source.ip":
		d.setIP(val, true)
	case "client.ip":
		d.setIP(val, false)
	case "source.port", "client.port":
		ev.SourcePort = int(d.int(val))
	case "user.name", "remote_user":
		if val != "-" {
			ev.User = val
		}
	case "user.target.name":
		ev.TargetUser = val
	case "http.request.method", "request_method", "request.method", "RequestMethod":
		ev.Method = val
		d.web = true
	case "url.original", "request_uri", "request.uri", "RequestPath":
		ev.URL = val
		d.web = true
	case "http.version":
		ev.HTTPVersion = val
	case "server_protocol", "request.proto", "RequestProtocol":
		ev.HTTPVersion = strings.TrimPrefix(val, "HTTP/")
		d.web = true
	case "http.response.status_code", "status", "DownstreamStatus":
		// A bare "status" is too common outside access logs to make a web
		// event on its own; with a method or a request it does.
		ev.Status = int(d.int(val))
		d.web = d.web || string(d.sc.kb) != "status"
	case "http.response.body.bytes", "body_bytes_sent", "DownstreamContentSize":
		ev.Bytes = d.int(val)
	case "user_agent.original", "http_user_agent", "request_User-Agent":
		ev.UserAgent = val
	case "http.request.referrer", "http_referer", "request_Referer":
		if val != "-" {
			ev.Referrer = val
		}
	case "process.name":
		ev.Process = val
	case "process.pid":
		ev.PID = int(d.int(val))
	case "process.command_line":
		ev.CommandLine = val
	case "db.statement":
		ev.Statement = val
	case "db.rows_returned":
		ev.Rows = d.int(val)

	// Access logs.
	case "remote_addr", "remote_ip", "client_ip", "request.remote_ip", "request.client_ip", "ClientHost":
		d.setIP(val, false)
		d.web = true
	case "request":
		d.request = val
		d.web = true
	case "time_iso8601", "time_local":
		d.setTime(val, typ, 2)
		d.web = true
	case "timestamp", "time", "ts", "StartUTC":
		d.setTime(val, typ, 3)
	case "msec":
		d.setTime(val, typ, 4)
	case "http_x_forwarded_for":
		if val != "-" && val != "" {
			d.extra("http.request.x_forwarded_for", val)
		}
	case "request_time":
		d.extra("http.request.time", val)
	default:
		d.extra(d.name(), val)
	}
}

var categories = map[string]event.Kind{
	"web": event.KindWeb, "authentication": event.KindAuth, "iam": event.KindAuth, "database": event.KindDB,
	"process": event.KindProcess, "email": event.KindMail,
}

// firstString returns the first element of a JSON array text when it is a
// string without escapes (category names never have any).
func firstString(arr string) string {
	s := strings.TrimLeft(arr[1:], " \t\r\n")
	if !strings.HasPrefix(s, `"`) {
		return ""
	}
	end := strings.IndexAny(s[1:], `"\`)
	if end < 0 || s[1+end] != '"' {
		return ""
	}
	return s[1 : 1+end]
}

func (d *Decoder) extra(key, val string) {
	d.ev.Extra = append(d.ev.Extra, event.KV{Key: key, Value: val})
}

// name returns the current leaf's key as a string, for Extra.
func (d *Decoder) name() string {
	if d.key == "" {
		d.key = string(d.sc.kb)
	}
	return d.key
}

// int reads an integer field; a value that is not one ("-" for nginx's
// missing values, text) stays in Extra so nothing logged is lost.
func (d *Decoder) int(val string) int64 {
	n, err := strconv.ParseInt(val, 10, 64)
	if err != nil {
		if val != "-" && val != "" {
			d.extra(d.name(), val)
		}
		return 0
	}
	return n
}

// setIP keeps addresses in source.ip (source.ip itself wins over the other
// keys that name the client); anything else (a host name, "unix:") stays in
// Extra under its own key, since source.ip must hold addresses.
func (d *Decoder) setIP(val string, primary bool) {
	if a, err := netip.ParseAddr(val); err == nil {
		if d.ev.SourceIP == "" || primary {
			d.ev.SourceIP = val
			if a.Is4In6() {
				d.ev.SourceIP = a.Unmap().String()
			}
		}
		return
	}
	if val != "" && val != "-" {
		d.extra(d.name(), val)
	}
}

// setTime sets the event time from a time key; rank orders the keys (lower
// wins) so that "@timestamp" beats an application's own "time". A value that
// does not become the time stays in Extra under its key.
func (d *Decoder) setTime(val string, typ byte, rank int) {
	if d.timeRank != 0 && d.timeRank <= rank {
		d.extra(d.name(), val)
		return
	}
	t, ok := parseTime(val, typ, d.loc)
	if !ok {
		d.extra(d.name(), val)
		return
	}
	if d.timeRank != 0 {
		d.extra(d.timeKey, d.timeVal) // displaced by a better key: keep it
	}
	d.ev.Time, d.timeRank, d.timeKey, d.timeVal = t, rank, d.name(), val
}

// parseTime reads the time forms JSON logs use: RFC 3339 (with or without a
// zone, 'T' or space), nginx $time_local, and Unix epochs in seconds, ms, µs
// or ns (as numbers or numeric strings).
func parseTime(v string, typ byte, loc *time.Location) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	if v[0] >= '0' && v[0] <= '9' && (typ == '0' || !strings.ContainsAny(v, "-:/ ")) {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return time.Time{}, false
		}
		switch {
		case f > 1e17:
			return time.Unix(0, int64(f)).UTC(), true
		case f > 1e14:
			return time.UnixMicro(int64(f)).UTC(), true
		case f > 1e11:
			return time.UnixMilli(int64(f)).UTC(), true
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)/1000*1000).UTC(), true
	}
	if typ != '"' {
		return time.Time{}, false
	}
	if t, ok := fastTime(v, loc); ok {
		return t, true
	}
	for _, l := range [...]string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "02/Jan/2006:15:04:05 -0700"} {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	for _, l := range [...]string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// fastTime parses the two forms nearly every JSON log uses, RFC 3339
// ("2025-05-19T03:12:44.123+09:00", also with a space for the T or without a
// zone) and nginx's $time_local ("19/May/2025:03:12:44 +0900"), without the
// allocations of time.Parse's error path. Anything else falls through to
// time.Parse.
func fastTime(v string, loc *time.Location) (time.Time, bool) {
	var y, mo, d, h, mi, sec int
	var rest string
	switch {
	case len(v) >= 19 && v[4] == '-' && v[7] == '-' && (v[10] == 'T' || v[10] == ' ') && v[13] == ':' && v[16] == ':':
		var ok bool
		if y, ok = num(v[0:4]); !ok {
			return time.Time{}, false
		}
		mo, ok1 := num(v[5:7])
		d, ok2 := num(v[8:10])
		h, ok3 := num(v[11:13])
		mi, ok4 := num(v[14:16])
		sec, ok5 := num(v[17:19])
		if !(ok1 && ok2 && ok3 && ok4 && ok5) {
			return time.Time{}, false
		}
		return finishTime(y, mo, d, h, mi, sec, v[19:], loc)
	case len(v) == 26 && v[2] == '/' && v[6] == '/' && v[11] == ':' && v[14] == ':' && v[17] == ':' && v[20] == ' ':
		m := strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", v[3:6])
		if m < 0 || m%3 != 0 {
			return time.Time{}, false
		}
		mo = m/3 + 1
		var ok0, ok1, ok2, ok3, ok4 bool
		d, ok0 = num(v[0:2])
		y, ok1 = num(v[7:11])
		h, ok2 = num(v[12:14])
		mi, ok3 = num(v[15:17])
		sec, ok4 = num(v[18:20])
		if !(ok0 && ok1 && ok2 && ok3 && ok4) {
			return time.Time{}, false
		}
		rest = v[21:] // "+0900"
		if len(rest) != 5 || (rest[0] != '+' && rest[0] != '-') {
			return time.Time{}, false
		}
		return finishTime(y, mo, d, h, mi, sec, rest[:3]+":"+rest[3:], loc)
	}
	return time.Time{}, false
}

// finishTime reads the optional fraction and zone after the seconds.
func finishTime(y, mo, d, h, mi, sec int, rest string, loc *time.Location) (time.Time, bool) {
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	nsec := 0
	if rest != "" && (rest[0] == '.' || rest[0] == ',') {
		i, scale := 1, 100_000_000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			nsec += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 || i > 10 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "":
		return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, loc).UTC(), true
	case rest == "Z" || rest == "z":
		return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC), true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := num(rest[1:3])
		om, ok2 := num(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return time.Time{}, false
		}
		off := time.Duration(oh)*time.Hour + time.Duration(om)*time.Minute
		if rest[0] == '+' {
			off = -off
		}
		return time.Date(y, time.Month(mo), d, h, mi, sec, nsec, time.UTC).Add(off), true
	}
	return time.Time{}, false
}

func num(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, len(s) > 0
}

func daysIn(mo, y int) int {
	switch mo {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
