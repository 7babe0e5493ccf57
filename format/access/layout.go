package access

import (
	"errors"
	"fmt"
	"strings"
)

// fieldKind says where a logged value goes in the Event.
type fieldKind uint8

const (
	fIgnore     fieldKind = iota // logged but not kept ("%l" ident "-")
	fRemoteAddr                  // SourceIP
	fRemotePort                  // SourcePort
	fUser                        // User
	fTimeLocal                   // 10/Oct/2000:13:55:36 -0700
	fTimeISO                     // 2000-10-10T13:55:36-07:00
	fTimeSec                     // seconds since the epoch, optionally with a fraction
	fTimeMsec                    // milliseconds since the epoch (Apache %{msec}t)
	fTimeUsec                    // microseconds since the epoch (Apache %{usec}t)
	fRequest                     // "GET /path HTTP/1.1"
	fMethod                      // Method
	fURI                         // URL: path and query
	fPath                        // URL: path only; a query may follow directly
	fIsArgs                      // nginx $is_args: "?" or ""
	fQuery                       // query string, "?a=b" (Apache %q) or "a=b" (nginx $args)
	fProto                       // HTTPVersion
	fStatus                      // Status
	fBodyBytes                   // Bytes
	fTotalBytes                  // Bytes when no body-bytes field is logged, else an extra
	fReferrer                    // Referrer
	fUserAgent                   // UserAgent
	fHost                        // Host
	fPID                         // PID
	fExtra                       // Extra under step.key
)

// numeric reports whether values of k never hold a space.
func (k fieldKind) numeric() bool {
	switch k {
	case fRemotePort, fTimeSec, fTimeMsec, fTimeUsec, fStatus, fBodyBytes, fTotalBytes, fPID:
		return true
	}
	return false
}

// step is one (literal, field) pair of a compiled format: the literal must
// appear at the current position, then the field's value runs up to end.
type step struct {
	lit  string // literal before the field
	end  string // literal after the field (the next step's lit, or the layout's tail)
	kind fieldKind
	key  string // Extra key for fExtra and fTotalBytes
	// quoted values sit between '"'s and may hold escaped quotes; list values
	// ("1.2.3.4, 5.6.7.8") may hold ", " and so the separator after a comma
	// does not end them; stopQuery values end where a directly following
	// query string starts ('?').
	quoted, list, stopQuery bool
	next                    string // for stopQuery: the first non-empty literal after the field
}

// layout is a compiled log format.
type layout struct {
	steps   []step
	tail    string // literal after the last field
	dataset string
	ncsa    ncsa // common or combined: decoded by parseNCSA
}

// item is a format string token before steps are built.
type item struct {
	lit  string
	kind fieldKind
	key  string
	list bool
	tok  string // the directive as written, for error messages
}

// compile turns an nginx log_format or Apache LogFormat string into a layout.
func compile(format string) (*layout, error) {
	f := strings.TrimSpace(format)
	if f == "" {
		return nil, errors.New("empty log format")
	}
	var (
		items   []item
		dataset string
		err     error
	)
	if isNginx(f) {
		items, err = tokensNginx(f)
		dataset = "nginx.access"
	} else if strings.Contains(f, "%") {
		items, err = tokensApache(f)
		dataset = "apache.access"
	} else {
		return nil, fmt.Errorf("log format %q has no $variable (nginx) or %%directive (Apache)", format)
	}
	if err != nil {
		return nil, fmt.Errorf("log format %q: %w", format, err)
	}
	l, err := build(items)
	if err != nil {
		return nil, fmt.Errorf("log format %q: %w", format, err)
	}
	l.dataset = dataset
	return l, nil
}

// isNginx reports whether f uses nginx $variables.
func isNginx(f string) bool {
	if strings.HasPrefix(f, "log_format") {
		return true
	}
	for i := 0; i+1 < len(f); i++ {
		if f[i] == '$' && (f[i+1] == '{' || isVarChar(f[i+1])) {
			return true
		}
	}
	return false
}

func isVarChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// build merges literals, checks that adjacent fields can be told apart, and
// marks quoted fields.
func build(items []item) (*layout, error) {
	l := &layout{}
	var lit strings.Builder
	hasBody := false
	for _, it := range items {
		if it.tok == "" {
			lit.WriteString(it.lit)
			continue
		}
		if it.kind == fBodyBytes {
			hasBody = true
		}
		l.steps = append(l.steps, step{lit: lit.String(), kind: it.kind, key: it.key, list: it.list})
		lit.Reset()
	}
	l.tail = lit.String()
	if len(l.steps) == 0 {
		return nil, errors.New("no fields")
	}
	for i := range l.steps {
		s := &l.steps[i]
		if i+1 < len(l.steps) {
			s.end = l.steps[i+1].lit
		} else {
			s.end = l.tail
		}
		s.quoted = strings.HasSuffix(s.lit, `"`) && strings.HasPrefix(s.end, `"`)
		if s.kind == fTotalBytes && hasBody {
			s.kind = fExtra
			s.key = "http.response.bytes"
		}
		if s.kind == fTotalBytes {
			s.key = ""
		}
		if s.end == "" && i+1 < len(l.steps) {
			// Two fields with nothing between them can only be split where the
			// second one announces itself: a query string's '?'.
			switch l.steps[i+1].kind {
			case fIsArgs, fQuery:
				s.stopQuery = true
				s.next = l.tail
				for _, n := range l.steps[i+1:] {
					if n.lit != "" {
						s.next = n.lit
						break
					}
				}
			default:
				if s.kind != fIsArgs && s.kind != fTimeLocal && s.kind != fTimeISO {
					return nil, fmt.Errorf("field %d is followed by field %d with no separator between them", i+1, i+2)
				}
			}
		}
	}
	return l, nil
}

// tokensNginx splits an nginx log_format into literals and variables. A
// pasted directive ("log_format main '...' '...';") is accepted too.
func tokensNginx(f string) ([]item, error) {
	if rest, ok := strings.CutPrefix(f, "log_format"); ok {
		rest = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), ";"))
		// skip the format's name and an optional escape= parameter
		for rest != "" && rest[0] != '\'' && rest[0] != '"' {
			sp := strings.IndexAny(rest, " \t\n")
			if sp < 0 {
				return nil, errors.New("log_format directive without a quoted format")
			}
			rest = strings.TrimSpace(rest[sp:])
		}
		var b strings.Builder
		for rest != "" {
			q := rest[0]
			if q != '\'' && q != '"' {
				return nil, fmt.Errorf("unexpected %q in log_format directive", rest)
			}
			end := strings.IndexByte(rest[1:], q)
			if end < 0 {
				return nil, errors.New("unterminated quote in log_format directive")
			}
			b.WriteString(rest[1 : 1+end])
			rest = strings.TrimSpace(rest[2+end:])
		}
		f = b.String()
	}
	var items []item
	for i := 0; i < len(f); {
		if f[i] != '$' {
			j := strings.IndexByte(f[i:], '$')
			if j < 0 {
				j = len(f) - i
			}
			if j == 0 {
				j = 1
			}
			items = append(items, item{lit: f[i : i+j]})
			i += j
			continue
		}
		var name string
		if i+1 < len(f) && f[i+1] == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated ${ at byte %d", i)
			}
			name = f[i+2 : i+end]
			i += end + 1
		} else {
			j := i + 1
			for j < len(f) && isVarChar(f[j]) {
				j++
			}
			name = f[i+1 : j]
			if name == "" {
				items = append(items, item{lit: "$"})
				i++
				continue
			}
			i = j
		}
		if name == "" {
			return nil, errors.New("empty variable name ${}")
		}
		it := nginxVar(name)
		it.tok = "$" + name
		items = append(items, it)
	}
	return items, nil
}

// nginxVars maps nginx variables to Event fields or Extra keys. Variables not
// listed here and not matched by a prefix rule in nginxVar are kept as
// "nginx.<name>".
var nginxVars = map[string]item{
	"remote_addr":               {kind: fRemoteAddr},
	"remote_port":               {kind: fRemotePort},
	"remote_user":               {kind: fUser},
	"time_local":                {kind: fTimeLocal},
	"time_iso8601":              {kind: fTimeISO},
	"msec":                      {kind: fTimeSec},
	"request":                   {kind: fRequest},
	"request_method":            {kind: fMethod},
	"request_uri":               {kind: fURI},
	"uri":                       {kind: fPath},
	"document_uri":              {kind: fPath},
	"is_args":                   {kind: fIsArgs},
	"args":                      {kind: fQuery},
	"query_string":              {kind: fQuery},
	"server_protocol":           {kind: fProto},
	"status":                    {kind: fStatus},
	"body_bytes_sent":           {kind: fBodyBytes},
	"bytes_sent":                {kind: fTotalBytes},
	"http_referer":              {kind: fReferrer},
	"http_user_agent":           {kind: fUserAgent},
	"host":                      {kind: fHost},
	"server_name":               {kind: fHost},
	"pid":                       {kind: fPID},
	"http_x_forwarded_for":      {kind: fExtra, key: "http.request.x_forwarded_for", list: true},
	"proxy_add_x_forwarded_for": {kind: fExtra, key: "http.request.x_forwarded_for", list: true},
	"request_time":              {kind: fExtra, key: "http.request.time"},
	"request_length":            {kind: fExtra, key: "http.request.bytes"},
	"request_id":                {kind: fExtra, key: "http.request.id"},
	"content_type":              {kind: fExtra, key: "http.request.mime_type"},
	"content_length":            {kind: fExtra, key: "http.request.body.bytes"},
	"upstream_cache_status":     {kind: fExtra, key: "cache.status"},
	"upstream_addr":             {kind: fExtra, key: "upstream.address", list: true},
	"upstream_status":           {kind: fExtra, key: "upstream.status", list: true},
	"upstream_response_time":    {kind: fExtra, key: "upstream.response_time", list: true},
	"upstream_connect_time":     {kind: fExtra, key: "upstream.connect_time", list: true},
	"upstream_header_time":      {kind: fExtra, key: "upstream.header_time", list: true},
	"upstream_response_length":  {kind: fExtra, key: "upstream.response_length", list: true},
	"server_addr":               {kind: fExtra, key: "destination.ip"},
	"server_port":               {kind: fExtra, key: "destination.port"},
	"scheme":                    {kind: fExtra, key: "url.scheme"},
	"ssl_protocol":              {kind: fExtra, key: "tls.version"},
	"ssl_cipher":                {kind: fExtra, key: "tls.cipher"},
	"ssl_server_name":           {kind: fExtra, key: "tls.client.server_name"},
	"ssl_client_s_dn":           {kind: fExtra, key: "tls.client.subject"},
	"hostname":                  {kind: fExtra, key: "observer.hostname"},
	"realip_remote_addr":        {kind: fExtra, key: "nginx.realip_remote_addr"},
}

func nginxVar(name string) item {
	if it, ok := nginxVars[name]; ok {
		return it
	}
	for _, p := range [...]struct{ prefix, key string }{
		{"http_", "http.request.header."},
		{"sent_http_", "http.response.header."},
		{"cookie_", "http.request.cookie."},
		{"arg_", "url.query."},
		{"upstream_http_", "upstream.response.header."},
	} {
		if rest, ok := strings.CutPrefix(name, p.prefix); ok && rest != "" {
			return item{kind: fExtra, key: p.key + strings.ToLower(rest)}
		}
	}
	return item{kind: fExtra, key: "nginx." + name}
}

// tokensApache splits an Apache LogFormat into literals and directives. The
// string may be written as in httpd.conf, with \" escapes, or as a whole
// pasted directive (LogFormat "..." nickname).
func tokensApache(f string) ([]item, error) {
	if rest, ok := strings.CutPrefix(f, "LogFormat"); ok {
		rest = strings.TrimSpace(rest)
		if rest == "" || rest[0] != '"' {
			return nil, errors.New("LogFormat directive without a quoted format")
		}
		end := -1
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\\' {
				i++
				continue
			}
			if rest[i] == '"' {
				end = i
				break
			}
		}
		if end < 0 {
			return nil, errors.New("unterminated quote in LogFormat directive")
		}
		f = rest[1:end]
	}
	// httpd.conf string escapes
	if strings.IndexByte(f, '\\') >= 0 {
		var b strings.Builder
		for i := 0; i < len(f); i++ {
			if f[i] == '\\' && i+1 < len(f) {
				i++
				switch f[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(f[i])
				}
				continue
			}
			b.WriteByte(f[i])
		}
		f = b.String()
	}
	var items []item
	for i := 0; i < len(f); {
		if f[i] != '%' {
			j := strings.IndexByte(f[i:], '%')
			if j < 0 {
				j = len(f) - i
			}
			items = append(items, item{lit: f[i : i+j]})
			i += j
			continue
		}
		start := i
		i++
		// modifiers: %>s, %<s, %400,501{User-agent}i, %!200{Referer}i
		for i < len(f) && (f[i] == '<' || f[i] == '>' || f[i] == '!' || f[i] == ',' || f[i] >= '0' && f[i] <= '9') {
			i++
		}
		if i >= len(f) {
			return nil, fmt.Errorf("incomplete directive %q at end", f[start:])
		}
		if f[i] == '%' {
			items = append(items, item{lit: "%"})
			i++
			continue
		}
		var arg string
		if f[i] == '{' {
			end := strings.IndexByte(f[i:], '}')
			if end < 0 {
				return nil, fmt.Errorf("unterminated %%{ at byte %d", start)
			}
			arg = f[i+1 : i+end]
			i += end + 1
			if i >= len(f) {
				return nil, fmt.Errorf("directive %q has no letter", f[start:])
			}
		}
		letter := f[i : i+1]
		if f[i] == '^' {
			if i+2 >= len(f) {
				return nil, fmt.Errorf("incomplete directive %q", f[start:])
			}
			letter = f[i : i+3]
		}
		i += len(letter)
		tok := f[start:i]
		if letter == "t" && arg == "" {
			// %t logs its own brackets
			items = append(items, item{lit: "["}, item{kind: fTimeLocal, tok: tok}, item{lit: "]"})
			continue
		}
		it, err := apacheDirective(letter, arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", tok, err)
		}
		it.tok = tok
		items = append(items, it)
	}
	return items, nil
}

// apacheDirective maps one Apache directive (letter and {argument}) to an
// Event field or Extra key.
func apacheDirective(letter, arg string) (item, error) {
	x := func(key string) (item, error) { return item{kind: fExtra, key: key}, nil }
	switch letter {
	case "a", "h":
		if arg == "c" {
			return x("source.peer_ip")
		}
		return item{kind: fRemoteAddr}, nil
	case "A":
		return x("destination.ip")
	case "b", "B":
		return item{kind: fBodyBytes}, nil
	case "O":
		return item{kind: fTotalBytes, key: "http.response.bytes"}, nil
	case "I":
		return x("http.request.bytes")
	case "S":
		return x("apache.bytes_transferred")
	case "C":
		return x("http.request.cookie." + headerKey(arg))
	case "D":
		return x("http.request.time_us")
	case "T":
		switch arg {
		case "ms":
			return x("http.request.time_ms")
		case "us":
			return x("http.request.time_us")
		}
		return x("http.request.time")
	case "e":
		return x("apache.env." + arg)
	case "f":
		return x("file.path")
	case "H":
		return item{kind: fProto}, nil
	case "i":
		switch headerKey(arg) {
		case "referer":
			return item{kind: fReferrer}, nil
		case "user_agent":
			return item{kind: fUserAgent}, nil
		case "x_forwarded_for":
			return item{kind: fExtra, key: "http.request.x_forwarded_for", list: true}, nil
		}
		return x("http.request.header." + headerKey(arg))
	case "k":
		return x("apache.keepalive_requests")
	case "l":
		return x("user.ident")
	case "L":
		return x("http.request.id")
	case "m":
		return item{kind: fMethod}, nil
	case "n":
		return x("apache.note." + arg)
	case "o":
		return x("http.response.header." + headerKey(arg))
	case "p":
		switch arg {
		case "remote":
			return item{kind: fRemotePort}, nil
		}
		return x("destination.port")
	case "P":
		if arg == "" || arg == "pid" {
			return item{kind: fPID}, nil
		}
		return x("process.thread.id")
	case "q":
		return item{kind: fQuery}, nil
	case "r":
		return item{kind: fRequest}, nil
	case "R":
		return x("apache.handler")
	case "s":
		return item{kind: fStatus}, nil
	case "t":
		a := strings.TrimPrefix(strings.TrimPrefix(arg, "begin:"), "end:")
		switch a {
		case "sec":
			return item{kind: fTimeSec}, nil
		case "msec":
			return item{kind: fTimeMsec}, nil
		case "usec":
			return item{kind: fTimeUsec}, nil
		case "", "%d/%b/%Y:%H:%M:%S %z":
			return item{kind: fTimeLocal}, nil
		case "%Y-%m-%dT%H:%M:%S%z", "%FT%T%z":
			return item{kind: fTimeISO}, nil
		}
		return x("apache.time")
	case "u":
		return item{kind: fUser}, nil
	case "U":
		return item{kind: fPath}, nil
	case "v", "V":
		return item{kind: fHost}, nil
	case "X":
		return x("apache.connection_status")
	case "^ti":
		return x("http.request.trailer." + headerKey(arg))
	case "^to":
		return x("http.response.trailer." + headerKey(arg))
	}
	return item{}, fmt.Errorf("unknown directive %%%s", letter)
}

// headerKey names a header the way nginx does: lower case, '-' as '_'.
func headerKey(h string) string {
	return strings.ReplaceAll(strings.ToLower(h), "-", "_")
}
