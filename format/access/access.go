// Package access decodes nginx and Apache httpd access logs into web events.
//
// It registers four formats with package format:
//
//	access.combined        NCSA combined: nginx's default "combined", Apache's "combined"
//	access.common          NCSA common log format (CLF)
//	access.vhost_combined  Apache's "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""
//	access.custom          compiled from format.Options.AccessFormat
//
// An AccessFormat is an nginx log_format string when it holds a $variable and
// an Apache LogFormat string otherwise. Either may also be pasted as the whole
// directive (log_format main '...' '...'; or LogFormat "..." nickname). The
// string is compiled once into (literal, field) steps; decoding walks them
// with byte searches, no regular expressions. A quoted field ends at the
// first '"' that is not backslash-escaped and is followed by the rest of the
// next literal. Values are kept as logged: escapes (\" from Apache, \x22
// from nginx) are not decoded, and "-" means empty. Text after the last field
// is kept in the extra "log.trailing" rather than failing the line, since
// formats gain fields over the years (a number that ends a format ends at
// the first space: "... 200 2326 extra" keeps " extra" as trailing). A line
// cut short inside its last quoted field keeps what is there. A request line
// that is not HTTP (TLS or binary probes, "-") leaves Method and URL empty;
// the line goes to the extra "http.request.line".
//
// Common and combined, most of what there is to read, are decoded by an
// unrolled equivalent of the step walk (FuzzNCSA checks they agree).
//
// Where values go (nginx variable / Apache directive → Event field or extra):
//
//	$remote_addr %h %a              SourceIP
//	$remote_port %{remote}p         SourcePort
//	$remote_user %u                 User
//	$time_local %t, $time_iso8601,
//	$msec %{sec|msec|usec}t         Time (UTC)
//	$request %r                     Method, URL, HTTPVersion
//	$request_method %m              Method
//	$request_uri, $uri$is_args$args,
//	%U%q                            URL
//	$server_protocol %H             HTTPVersion
//	$status %s %>s                  Status
//	$body_bytes_sent %b %B          Bytes
//	$bytes_sent %O                  Bytes, or "http.response.bytes" when body bytes are logged too
//	$http_referer %{Referer}i       Referrer
//	$http_user_agent %{User-Agent}i UserAgent
//	$host $server_name %v %V        Host
//	$pid %P                         PID
//	$request_time %T                http.request.time (seconds, as logged)
//	%D %{us}T / %{ms}T              http.request.time_us / http.request.time_ms
//	$request_length %I              http.request.bytes
//	$http_x_forwarded_for
//	%{X-Forwarded-For}i             http.request.x_forwarded_for
//	$upstream_cache_status          cache.status
//	$upstream_addr, _status,
//	_response_time, ...             upstream.address, upstream.status, upstream.response_time, ...
//	$cookie_NAME %{NAME}C           http.request.cookie.NAME
//	$http_NAME %{Name}i             http.request.header.name (lower case, '-' as '_')
//	$sent_http_NAME %{Name}o        http.response.header.name
//	$arg_NAME                       url.query.NAME
//	$args %q (not after the path)   url.query
//	$request_id %L                  http.request.id
//	$server_addr %A                 destination.ip
//	$server_port %p                 destination.port
//	$scheme                         url.scheme
//	$ssl_protocol $ssl_cipher       tls.version, tls.cipher
//	%l (ident)                      user.ident
//	%{NAME}e %{NAME}n               apache.env.NAME, apache.note.NAME
//	%f %R %k %X %S                  file.path, apache.handler, apache.keepalive_requests,
//	                                apache.connection_status, apache.bytes_transferred
//	%{strftime}t (other forms)      apache.time (Time stays zero)
//	any other $name                 nginx.name
//
// Events have Kind web, Action "http_request" and Dataset "nginx.access" or
// "apache.access" when the format says which server wrote it, "web.access"
// otherwise.
package access

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// The standard formats, in Apache notation.
const (
	Common        = `%h %l %u %t "%r" %>s %b`
	Combined      = `%h %l %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`
	VhostCombined = `%v:%p %h %l %u %t "%r" %>s %O "%{Referer}i" "%{User-Agent}i"`
)

var (
	combined      = mustCompile(Combined, "web.access")
	common        = mustCompile(Common, "web.access")
	vhostCombined = mustCompile(VhostCombined, "apache.access")
)

func init() {
	combined.ncsa = ncsaCombined
	common.ncsa = ncsaCommon
}

func mustCompile(f, dataset string) *layout {
	l, err := compile(f)
	if err != nil {
		panic(err)
	}
	l.dataset = dataset
	return l
}

func init() {
	for _, s := range []struct {
		name, desc string
		l          *layout
	}{
		{"access.combined", "nginx/Apache combined access log (NCSA combined)", combined},
		{"access.common", "nginx/Apache common access log (NCSA CLF)", common},
		{"access.vhost_combined", "Apache vhost_combined access log (%v:%p prefix)", vhostCombined},
	} {
		l := s.l
		format.Register(&format.Format{
			Name:        s.name,
			Description: s.desc,
			Stateless:   true,
			Sniff:       func(sample []string) int { return sniff(l, sample) },
			New:         func(format.Options) (format.Decoder, error) { return newDecoder(l), nil },
		})
	}
	format.Register(&format.Format{
		Name:        "access.custom",
		Description: "nginx log_format or Apache LogFormat access log given by --access-format",
		Stateless:   true,
		// A custom format is chosen by configuration, never guessed.
		Sniff: func([]string) int { return 0 },
		New: func(o format.Options) (format.Decoder, error) {
			if o.AccessFormat == "" {
				return nil, errors.New("access.custom: no access log format given")
			}
			l, err := compile(o.AccessFormat)
			if err != nil {
				return nil, fmt.Errorf("access.custom: %w", err)
			}
			return newDecoder(l), nil
		},
	})
}

// Compile checks an nginx log_format or Apache LogFormat string the way
// access.custom will use it, so callers can report a bad --access-format
// before reading any input.
func Compile(f string) error {
	_, err := compile(f)
	return err
}

// SplitRequest cuts an HTTP request line ("GET /a?b HTTP/1.1") into method,
// URL and protocol, as logged. It reports false when the line is not an HTTP
// request (a TLS handshake or binary probe sent to a plain-HTTP port, "-").
// The protocol is empty for HTTP/0.9 requests.
func SplitRequest(line string) (method, url, proto string, ok bool) {
	return splitRequest(line)
}

func sniff(l *layout, sample []string) int {
	p := parser{l: l}
	var ev event.Event
	return format.SniffLines(sample, func(line string) bool {
		ev.Reset()
		// A user name with a space fits but is rare; not counting it lets
		// vhost_combined ("host:port ip - user") win over combined.
		return p.parse(line, &ev) && strings.IndexByte(ev.User, ' ') < 0
	})
}

type decoder struct {
	p  parser
	ev event.Event
}

func newDecoder(l *layout) *decoder { return &decoder{p: parser{l: l}} }

func (d *decoder) Decode(line string, ref event.Ref, emit format.Emit) {
	ev := &d.ev
	ev.Reset()
	if !d.p.parse(line, ev) {
		format.Raw(ev, line, ref)
		emit(ev)
		return
	}
	ev.Kind = event.KindWeb
	ev.Dataset = d.p.l.dataset
	ev.Action = "http_request"
	ev.Raw = line
	ev.Ref = ref
	emit(ev)
}

func (d *decoder) Flush(format.Emit) {}
