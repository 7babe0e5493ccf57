package mysql

import (
	"strconv"
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

const datasetSlow = "mysql.slow"

// Slow decodes the slow query log. An entry is a block of "# " comment lines,
// optional "use db;" and "SET timestamp=N;", then the statement (several lines
// when the query has newlines):
//
//	# Time: 250519  3:12:44                      (only when the second changes, MariaDB)
//	# User@Host: app[app] @ localhost [127.0.0.1]
//	# Thread_id: 12  Schema: shop  QC_hit: No
//	# Query_time: 0.100000  Lock_time: 0.000000  Rows_sent: 910795  Rows_examined: 910795
//	use shop;
//	SET timestamp=1716087164;
//	SELECT * FROM users;
type Slow struct {
	loc  *time.Location
	last time.Time // the last "# Time:" seen; MariaDB writes it only when the second changes

	pending   bool
	ev        event.Event
	lines     []string
	size      int
	hasUser   bool
	stmtLine  int // index in lines of the statement's first line; -1 before it
	entryTime time.Time
	setTime   time.Time
	overflow  bool

	out event.Event
}

// NewSlow returns a slow query log decoder; zone-less times are read in o.Loc().
func NewSlow(o format.Options) *Slow {
	return &Slow{loc: o.Loc()}
}

func sniffSlow(sample []string) int {
	return format.SniffLines(sample, func(l string) bool {
		return isServerHeader(l) || strings.HasPrefix(l, "# Time: ") || strings.HasPrefix(l, "# User@Host: ") ||
			strings.HasPrefix(l, "# Query_time: ") || strings.HasPrefix(l, "# Thread_id: ") ||
			strings.HasPrefix(l, "SET timestamp=")
	})
}

// Decode implements format.Decoder.
func (s *Slow) Decode(line string, ref event.Ref, emit format.Emit) {
	switch {
	case isServerHeader(line):
		s.flush(emit)
		serverHeader(&s.out, line, datasetSlow, ref)
		emit(&s.out)
		return
	case strings.HasPrefix(line, "# Time: "):
		t, ok := s.parseTime(strings.TrimSpace(line[len("# Time: "):]))
		if !ok {
			break
		}
		s.flush(emit)
		s.start(line, ref)
		s.entryTime, s.last = t, t
		return
	case strings.HasPrefix(line, "# User@Host: "):
		if s.pending && (s.hasUser || s.stmtLine >= 0) {
			s.flush(emit)
		}
		if !s.pending {
			s.start(line, ref)
		} else {
			s.add(line)
		}
		s.hasUser = true
		s.userHost(line[len("# User@Host: "):])
		return
	}
	if !s.pending || s.overflow || s.size+len(line)+1 > maxRecord {
		if s.pending {
			s.overflow = true
			s.flush(emit)
		}
		format.Raw(&s.out, line, ref)
		emit(&s.out)
		return
	}
	s.add(line)
	if s.stmtLine >= 0 {
		return
	}
	switch {
	case strings.HasPrefix(line, "# administrator command: "):
		// Protocol commands (Quit, Prepare, Ping...) logged in place of a statement.
		s.ev.Action = "admin_command"
		s.ev.Message = strings.TrimSuffix(line[len("# administrator command: "):], ";")
	case strings.HasPrefix(line, "# "):
		s.attributes(line[2:])
	case strings.HasPrefix(line, "use ") && strings.HasSuffix(line, ";"):
		db := strings.Trim(line[4:len(line)-1], "` ")
		s.ev.Set("db.name", db)
	case strings.HasPrefix(line, "SET timestamp=") && strings.HasSuffix(line, ";"):
		if n, err := strconv.ParseInt(line[len("SET timestamp="):len(line)-1], 10, 64); err == nil {
			s.setTime = time.Unix(n, 0)
		} else {
			s.stmtLine = len(s.lines) - 1
		}
	default:
		s.stmtLine = len(s.lines) - 1
	}
}

// Flush implements format.Decoder.
func (s *Slow) Flush(emit format.Emit) { s.flush(emit) }

func (s *Slow) start(line string, ref event.Ref) {
	s.pending, s.hasUser, s.stmtLine, s.overflow = true, false, -1, false
	s.entryTime, s.setTime = time.Time{}, time.Time{}
	s.lines, s.size = append(s.lines[:0], line), len(line)
	ev := &s.ev
	ev.Reset()
	ev.Ref = ref
	ev.Kind = event.KindDB
	ev.Dataset = datasetSlow
	ev.Action = "query"
}

func (s *Slow) add(line string) {
	s.lines = append(s.lines, line)
	s.size += len(line) + 1
}

func (s *Slow) parseTime(v string) (time.Time, bool) {
	if t, _, ok := parseISOTime(v, s.loc); ok {
		return t, true
	}
	t, n, ok := parseShortTime(v, s.loc)
	return t, ok && n == len(v)
}

// userHost reads "app[app] @ localhost [127.0.0.1]" and MySQL's trailing
// "  Id:    12". The bracketed user is the one the client logged in as; the one
// before it is the account whose privileges apply.
func (s *Slow) userHost(v string) {
	ev := &s.ev
	who, where, _ := strings.Cut(v, " @ ")
	priv, user, _ := strings.Cut(who, "[")
	user = strings.TrimSuffix(user, "]")
	if user == "" {
		user = priv
	}
	ev.User = user
	where, id, hasID := strings.Cut(where, "Id:")
	host, ip, _ := strings.Cut(strings.TrimSpace(where), "[")
	ip = strings.TrimSuffix(strings.TrimSpace(ip), "]")
	host = strings.TrimSpace(host)
	if ip != "" {
		setHost(ev, ip)
		if host != "" && host != ip {
			ev.Extra = append(ev.Extra, event.KV{Key: "source.domain", Value: host})
		}
	} else {
		setHost(ev, host)
	}
	if id = strings.TrimSpace(id); hasID && id != "" {
		ev.Set("db.connection_id", id)
	}
}

// slowKeys names the attributes MariaDB, MySQL and Percona Server write, so
// that the common ones cost no allocation.
var slowKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"QC_hit", "Bytes_sent", "Full_scan", "Full_join", "Tmp_table", "Tmp_table_on_disk",
		"Filesort", "Filesort_on_disk", "Merge_passes", "Priority_queue", "Tmp_tables", "Tmp_disk_tables",
		"Tmp_table_sizes", "Last_errno", "Killed", "Pages_accessed", "Pages_read", "Pages_updated", "Old_rows_read",
		"Pages_read_time", "Engine_time", "Errno", "Start", "End"} {
		m[k] = "mysql.slow." + strings.ToLower(k)
	}
	return m
}()

// attributes reads one "# Key: value  Key: value" line.
func (s *Slow) attributes(v string) {
	ev := &s.ev
	for v != "" {
		v = strings.TrimLeft(v, " ")
		k, rest, ok := strings.Cut(v, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			ev.Set("mysql.slow.comment", v)
			return
		}
		rest = strings.TrimLeft(rest, " ")
		// The value ends at the next space; an empty value ("Schema:   QC_hit:")
		// shows as the next key.
		val, next, _ := strings.Cut(rest, " ")
		if strings.HasSuffix(val, ":") {
			val, next = "", rest
		}
		v = next
		switch k {
		case "Query_time":
			ev.Set("db.query_time", val)
		case "Lock_time":
			ev.Set("db.lock_time", val)
		case "Rows_sent":
			ev.Rows, _ = strconv.ParseInt(val, 10, 64)
		case "Rows_examined":
			ev.Set("db.rows_examined", val)
		case "Rows_affected":
			ev.Set("db.rows_affected", val)
		case "Thread_id", "Id":
			ev.Set("db.connection_id", val)
		case "Schema":
			if val != "" {
				ev.Set("db.name", val)
			}
		default:
			if val != "" {
				name, ok := slowKeys[k]
				if !ok {
					name = "mysql.slow." + strings.ToLower(k)
				}
				ev.Set(name, val)
			}
		}
	}
}

func (s *Slow) flush(emit format.Emit) {
	if !s.pending {
		return
	}
	s.pending = false
	ev := &s.ev
	switch {
	case !s.setTime.IsZero():
		ev.Time = s.setTime
		// SET timestamp has whole seconds; # Time may carry microseconds.
		if !s.entryTime.IsZero() && s.entryTime.Unix() == s.setTime.Unix() {
			ev.Time = s.entryTime
		}
	case !s.entryTime.IsZero():
		ev.Time = s.entryTime
	default:
		ev.Time = s.last
	}
	if !ev.Time.IsZero() {
		ev.Time = ev.Time.UTC()
	}
	var b strings.Builder
	b.Grow(s.size)
	stmtAt := -1
	for i, l := range s.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		if i == s.stmtLine {
			stmtAt = b.Len()
		}
		b.WriteString(l)
	}
	ev.Raw = b.String()
	if stmtAt >= 0 {
		// The log writes every statement with a terminating ';'.
		ev.Statement = strings.TrimSuffix(ev.Raw[stmtAt:], ";")
	}
	emit(ev)
}
