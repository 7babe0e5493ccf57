package mysql

import (
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

const datasetGeneral = "mysql.general"

// General decodes the general query log. Two layouts exist:
//
//	2025-05-19T03:12:44.123456Z	   12 Query	SELECT 1                (MySQL 5.7+, 8.x)
//	250519  3:12:44	   12 Connect	app@localhost on shop using TCP/IP  (MariaDB, MySQL ≤ 5.6)
//			   13 Query	SELECT 1                                    (same second: no time)
//
// A statement that contains newlines continues on lines without a header; they
// are joined into the one event.
type General struct {
	loc  *time.Location
	last time.Time // time of the last line that carried one; MariaDB omits repeats

	pending  bool
	ev       event.Event
	first    string   // the record's first line
	arg      string   // its argument (statement or connect text)
	more     []string // continuation lines
	size     int
	overflow bool // the pending record hit maxRecord: continuations are raw until the next header

	out event.Event
}

// NewGeneral returns a general query log decoder; zone-less times are read in
// o.Loc().
func NewGeneral(o format.Options) *General {
	return &General{loc: o.Loc()}
}

// generalLine splits a general log record line into its parts. hasTime is
// false for MariaDB's same-second lines that start with two tabs.
func generalLine(line string, loc *time.Location) (t time.Time, hasTime bool, id, cmd, arg string, ok bool) {
	var rest string
	switch {
	case strings.HasPrefix(line, "\t\t"):
		rest = line[2:]
	case len(line) > 0 && line[0] >= '0' && line[0] <= '9':
		var n int
		if t, n, ok = parseISOTime(line, loc); !ok {
			if t, n, ok = parseShortTime(line, loc); !ok {
				return
			}
		}
		if n >= len(line) || line[n] != '\t' {
			return t, false, "", "", "", false
		}
		hasTime = true
		rest = line[n+1:]
	default:
		return
	}
	i := 0
	for i < len(rest) && rest[i] == ' ' {
		i++
	}
	j := i
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	if j == i || j-i > 20 || j >= len(rest) || rest[j] != ' ' {
		return t, false, "", "", "", false
	}
	id = rest[i:j]
	rest = rest[j+1:]
	k := strings.IndexByte(rest, '\t')
	if k < 0 {
		cmd = rest // "Quit" without its tab (MySQL 5.0)
	} else {
		cmd, arg = rest[:k], rest[k+1:]
	}
	if !validCommand(cmd) {
		return t, false, "", "", "", false
	}
	return t, hasTime, id, cmd, arg, true
}

// validCommand accepts the server command names ("Query", "Init DB",
// "Close stmt", ...): capitalised words of letters.
func validCommand(c string) bool {
	if len(c) == 0 || len(c) > 24 || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	for i := 1; i < len(c); i++ {
		b := c[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == ' ' || b == '_') {
			return false
		}
	}
	return true
}

// action turns a command name into event.action, avoiding an allocation for
// the common ones.
func action(cmd string) string {
	switch cmd {
	case "Query":
		return "query"
	case "Connect":
		return "connect"
	case "Quit":
		return "quit"
	case "Init DB":
		return "init_db"
	case "Prepare":
		return "prepare"
	case "Execute":
		return "execute"
	case "Close stmt":
		return "close_stmt"
	case "Field List":
		return "field_list"
	case "Change user":
		return "change_user"
	case "Ping":
		return "ping"
	case "Statistics":
		return "statistics"
	case "Shutdown":
		return "shutdown"
	}
	return strings.ReplaceAll(strings.ToLower(cmd), " ", "_")
}

func sniffGeneral(sample []string) int {
	return format.SniffLines(sample, func(l string) bool {
		if isServerHeader(l) {
			return true
		}
		_, _, _, _, _, ok := generalLine(l, time.UTC)
		return ok
	})
}

// Decode implements format.Decoder.
func (g *General) Decode(line string, ref event.Ref, emit format.Emit) {
	if isServerHeader(line) {
		g.flush(emit)
		serverHeader(&g.out, line, datasetGeneral, ref)
		emit(&g.out)
		return
	}
	t, hasTime, id, cmd, arg, ok := generalLine(line, g.loc)
	if !ok {
		if g.pending && !g.overflow && g.size+len(line)+1 <= maxRecord {
			g.more = append(g.more, line)
			g.size += len(line) + 1
			return
		}
		if g.pending {
			g.overflow = true
			g.flush(emit)
		}
		format.Raw(&g.out, line, ref)
		emit(&g.out)
		return
	}
	g.flush(emit)
	g.overflow = false
	if hasTime {
		g.last = t
	}
	ev := &g.ev
	ev.Reset()
	ev.Time = g.last.UTC()
	ev.Ref = ref
	ev.Kind = event.KindDB
	ev.Dataset = datasetGeneral
	ev.Action = action(cmd)
	ev.Extra = append(ev.Extra, event.KV{Key: "db.connection_id", Value: id})
	g.pending, g.first, g.arg, g.more, g.size = true, line, arg, g.more[:0], len(line)
}

// Flush implements format.Decoder.
func (g *General) Flush(emit format.Emit) { g.flush(emit) }

func (g *General) flush(emit format.Emit) {
	if !g.pending {
		return
	}
	g.pending = false
	ev := &g.ev
	ev.Raw = g.first
	arg := g.arg
	if len(g.more) > 0 {
		var b strings.Builder
		b.Grow(g.size)
		b.WriteString(g.first)
		for _, l := range g.more {
			b.WriteByte('\n')
			b.WriteString(l)
		}
		ev.Raw = b.String()
		// The argument is the tail of the first line, so the joined argument is
		// the tail of the joined record.
		arg = ev.Raw[len(g.first)-len(g.arg):]
	}
	switch ev.Action {
	case "query", "prepare", "execute":
		ev.Statement = arg
	case "connect", "change_user":
		connect(ev, arg)
	case "init_db":
		ev.Extra = append(ev.Extra, event.KV{Key: "db.name", Value: arg})
	default:
		ev.Message = arg
	}
	emit(ev)
	g.more = g.more[:0]
}

// connect reads a Connect argument: "app@localhost on shop using TCP/IP"
// (the client's claim, logged before authentication, so the outcome stays
// unknown) or "Access denied for user 'app'@'localhost' (using password: YES)".
func connect(ev *event.Event, arg string) {
	ev.Message = arg
	if rest, ok := strings.CutPrefix(arg, "Access denied for user "); ok {
		ev.Outcome = event.OutcomeFailure
		user, host := quotedUserHost(rest)
		ev.User = user
		setHost(ev, host)
		return
	}
	who, rest, _ := strings.Cut(arg, " on ")
	if at := strings.LastIndexByte(who, '@'); at >= 0 {
		ev.User = who[:at]
		setHost(ev, who[at+1:])
	} else {
		ev.User = who
	}
	db, _, _ := strings.Cut(rest, " using ")
	if db = strings.TrimSpace(db); db != "" {
		ev.Extra = append(ev.Extra, event.KV{Key: "db.name", Value: db})
	}
}

// quotedUserHost reads "'user'@'host'" as MySQL error messages quote them.
func quotedUserHost(s string) (user, host string) {
	if len(s) < 2 || s[0] != '\'' {
		return "", ""
	}
	end := strings.Index(s[1:], "'@'")
	if end < 0 {
		return "", ""
	}
	user = s[1 : 1+end]
	rest := s[1+end+3:]
	if q := strings.IndexByte(rest, '\''); q >= 0 {
		host = rest[:q]
	}
	return user, host
}
