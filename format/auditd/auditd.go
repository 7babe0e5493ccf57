// Package auditd decodes Linux audit records (auditd's audit.log, raw or
// ENRICHED, with or without node=, and audit records forwarded through
// syslog) into events.
//
// Every key=value of a record is kept as Extra "auditd.<key>" (the ENRICHED
// interpretations after the \x1d separator keep their upper-case names:
// "auditd.AUID", "auditd.UID"), with "auditd.type" and "auditd.serial". Values
// the kernel hex-encoded because they hold spaces or control bytes (proctitle,
// execve arguments, comm, exe, name, cwd, cmd, acct, ...) are decoded; the
// nested msg='...' of user-space records is flattened into the same keys.
//
// The format is stateless: each line is one event. Records of one kernel
// event (SYSCALL, EXECVE, CWD, PATH, PROCTITLE sharing a stamp) stay separate
// events, except that an EXECVE record takes the process facts of the
// SYSCALL record just before it (see Decoder.join).
//
// # Vocabulary
//
//	auditd.type             Kind     Action              fields
//	EXECVE                  process  process_started     CommandLine (argv joined by spaces, split
//	                                                     arguments reassembled), Process (basename of a0);
//	                                                     from its SYSCALL: PID, process.executable,
//	                                                     process.parent.pid, user.id, auditd.auid, User
//	SYSCALL                 system   -                   PID, Process (comm), process.executable (exe),
//	                                                     process.parent.pid (ppid), user.id (uid),
//	                                                     auditd.auid, User (ENRICHED UID), Outcome (success=)
//	PROCTITLE               system   -                   CommandLine (decoded proctitle)
//	USER_LOGIN, USER_AUTH,  auth     user_login, user_auth, user_acct, user_cmd,
//	 USER_ACCT, USER_CMD,            session_opened (USER_START), session_closed (USER_END),
//	 USER_START, USER_END,           cred_acq, cred_disp, user_logout, user_error
//	 CRED_ACQ, CRED_DISP,            User (acct=), SourceIP (addr=), source.domain (hostname=),
//	 USER_LOGOUT, USER_ERR           Outcome (res=), PID, Process (exe basename),
//	                                 process.executable, CommandLine (USER_CMD cmd=)
//	ADD_USER, DEL_USER,     auth     user_created, user_deleted, group_created, group_deleted,
//	 ADD_GROUP, DEL_GROUP,           password_changed, user_changed, group_changed:
//	 USER_CHAUTHTOK,                 TargetUser (acct=), User (ENRICHED AUID), Outcome (res=)
//	 USER_MGMT, GRP_MGMT
//	anything else           system   -                   the auditd.* keys
//
// Time is the audit(seconds.millis:serial) stamp, UTC. Host is node= when
// present, else the host of a syslog header in front of the record.
package auditd

import (
	"strings"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

func init() {
	format.Register(&format.Format{
		Name:        "auditd",
		Description: "Linux audit records: /var/log/audit/audit.log (raw or ENRICHED), with node= or behind a syslog header",
		Stateless:   true,
		Sniff: func(sample []string) int {
			return format.SniffLines(sample, func(l string) bool {
				_, _, ok := findRecord(l)
				return ok
			})
		},
		New: func(opts format.Options) (format.Decoder, error) { return NewDecoder(), nil },
	})
}

// Decoder decodes audit records. Options do not apply: audit stamps are
// seconds since the epoch.
type Decoder struct {
	ev   event.Event
	keys map[string]string // "auditd."+key for keys outside the known table
	seen seen
	args []string
	buf  []byte
	call syscall // the last SYSCALL record, for the EXECVE that follows it
}

// syscall is what a SYSCALL record says about the process that made the
// call. auditd writes the records of one event together, SYSCALL first, so
// the EXECVE record after it (same stamp, serial and host) gets the
// executable and the account that EXECVE itself does not name: Sigma's
// process_creation rules read Image and User.
type syscall struct {
	stamp, host                     string // the event: see stampOf
	exe, pid, ppid, uid, auid, user string
	outcome                         event.Outcome
}

// NewDecoder returns an audit record decoder.
func NewDecoder() *Decoder {
	return &Decoder{keys: make(map[string]string)}
}

// Flush implements format.Decoder; every record is one line.
func (d *Decoder) Flush(format.Emit) {}

// Decode implements format.Decoder.
func (d *Decoder) Decode(line string, ref event.Ref, emit format.Emit) {
	ev := &d.ev
	if !d.decode(line, ev) {
		format.Raw(ev, line, ref)
	} else {
		ev.Ref = ref
	}
	emit(ev)
}

// findRecord locates "type=T msg=audit(S.MS:N): " (or the kernel's "type=N
// audit(S.MS:N): ") in line and returns the text before it and the record.
func findRecord(line string) (prefix, rec string, ok bool) {
	i := 0
	for {
		j := strings.Index(line[i:], "type=")
		if j < 0 {
			return "", "", false
		}
		j += i
		// NUL: padding left by logrotate's copytruncate.
		if j == 0 || line[j-1] == ' ' || line[j-1] == 0 {
			rest := line[j:]
			sp := strings.IndexByte(rest, ' ')
			if sp > 0 {
				after := rest[sp+1:]
				after = strings.TrimPrefix(after, "msg=")
				if strings.HasPrefix(after, "audit(") {
					return line[:j], rest, true
				}
			}
		}
		i = j + 5
	}
}

// stamp parses "audit(1716087164.123:456):" and returns the time, the serial
// and the rest of the record.
func stamp(s string) (t time.Time, serial, rest string, ok bool) {
	s, ok = strings.CutPrefix(s, "audit(")
	if !ok {
		return
	}
	end := strings.IndexByte(s, ')')
	if end < 0 {
		return time.Time{}, "", "", false
	}
	inner := s[:end]
	rest = strings.TrimPrefix(strings.TrimPrefix(s[end+1:], ":"), " ")
	ts, serial, ok := strings.Cut(inner, ":")
	if !ok {
		return time.Time{}, "", "", false
	}
	secs, frac, _ := strings.Cut(ts, ".")
	sec, ok1 := digits(secs)
	ms, ok2 := digits(frac)
	if !ok1 || !ok2 || len(frac) > 9 || len(secs) > 12 {
		return time.Time{}, "", "", false
	}
	if _, ok := digits(serial); !ok {
		return time.Time{}, "", "", false
	}
	for n := len(frac); n < 9; n++ {
		ms *= 10
	}
	return time.Unix(sec, ms).UTC(), serial, rest, true
}

func digits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, s == ""
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

func (d *Decoder) decode(line string, ev *event.Event) bool {
	raw := line
	line = strings.TrimSuffix(line, "\r")
	prefix, rec, ok := findRecord(line)
	if !ok {
		return false
	}
	sp := strings.IndexByte(rec, ' ')
	typ := rec[len("type="):sp]
	t, serial, body, ok := stamp(strings.TrimPrefix(rec[sp+1:], "msg="))
	if !ok {
		return false
	}
	ev.Reset()
	ev.Raw = raw
	ev.Kind = event.KindSystem
	ev.Dataset = "auditd"
	ev.Time = t
	if name, ok := typeNames[typ]; ok {
		typ = name
	}
	ev.Message = body
	d.add(ev, "auditd.type", typ)
	d.add(ev, "auditd.serial", serial)
	ev.Host = prefixHost(prefix)

	// Raw fields, then the ENRICHED interpretations after \x1d.
	d.args = d.args[:0]
	d.seen = seen{}
	raw, enriched, _ := strings.Cut(body, "\x1d")
	d.fields(ev, raw, typ == "EXECVE")
	if enriched != "" {
		d.fields(ev, enriched, false)
	}
	d.interpret(ev, typ)
	switch typ {
	case "SYSCALL":
		d.remember(ev, rec)
	case "EXECVE":
		d.join(ev, rec)
	}
	return true
}

// stampOf returns a record's "audit(seconds.millis:serial" stamp. With the
// host it identifies an audit event: serials restart with each boot and
// differ between machines.
func stampOf(rec string) string {
	i := strings.Index(rec, "audit(")
	j := strings.IndexByte(rec, ')')
	if i < 0 || j < i {
		return ""
	}
	return rec[i:j]
}

func (d *Decoder) remember(ev *event.Event, rec string) {
	s := &d.seen
	d.call = syscall{
		stamp: strings.Clone(stampOf(rec)), host: strings.Clone(ev.Host), exe: strings.Clone(s.exe), pid: strings.Clone(s.pid),
		ppid: strings.Clone(s.ppid), uid: strings.Clone(s.uid), auid: strings.Clone(s.auid),
		user: strings.Clone(s.enrichedUID), outcome: ev.Outcome,
	}
}

// join gives an EXECVE record the process facts of its SYSCALL record.
// Blocks of a large file are decoded in parallel, so the SYSCALL may have
// gone to another goroutine when a 1 MiB block boundary falls between the
// two lines (at most one event per MiB): that EXECVE then keeps only its
// own fields.
func (d *Decoder) join(ev *event.Event, rec string) {
	c := &d.call
	if c.stamp == "" || c.stamp != stampOf(rec) || c.host != ev.Host {
		return
	}
	ev.PID = atoi(c.pid)
	if c.exe != "" {
		d.add(ev, "process.executable", c.exe)
	}
	if c.ppid != "" {
		d.add(ev, "process.parent.pid", c.ppid)
	}
	if c.uid != "" {
		d.add(ev, "user.id", c.uid)
	}
	if c.auid != "" {
		d.add(ev, "auditd.auid", c.auid)
	}
	ev.User = c.user
	ev.Outcome = c.outcome
}

// prefixHost reads the host from what precedes a record: "node=web1 ", or a
// syslog header ("May 19 03:12:44 web1 audispd: ", "2025-05-19T03:12:44+00:00 web1 audit: ").
func prefixHost(p string) string {
	if p == "" {
		return ""
	}
	if i := strings.LastIndex(p, "node="); i >= 0 && (i == 0 || p[i-1] == ' ') {
		h, _, _ := strings.Cut(p[i+5:], " ")
		return h
	}
	var f [5]string
	n := 0
	for n < len(f) {
		p = strings.TrimLeft(p, " ")
		if p == "" {
			break
		}
		tok, rest, _ := strings.Cut(p, " ")
		f[n], p = tok, rest
		n++
	}
	switch {
	case n >= 5 && len(f[0]) == 3 && f[0][0] >= 'A' && f[0][0] <= 'Z':
		return f[3] // "May 19 03:12:44 web1 audispd:"
	case n >= 3 && f[0][0] >= '0' && f[0][0] <= '9':
		return f[1] // "2025-05-19T03:12:44+00:00 web1 audit:"
	}
	return ""
}

// fields reads space-separated key=value pairs. Values are "quoted",
// 'nested k=v lists' (user-space records' msg=), or bare tokens.
func (d *Decoder) fields(ev *event.Event, s string, execve bool) {
	for s != "" {
		for len(s) > 0 && (s[0] == ' ' || s[0] == '\x1d') {
			s = s[1:]
		}
		i := 0
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\x1d' {
			i++
		}
		if i == len(s) {
			return
		}
		if s[i] != '=' || i == 0 {
			// A bare word ("TLS", "ssh2") or a stray "=": skip it.
			s = s[i+1:]
			continue
		}
		key := s[:i]
		s = s[i+1:]
		var val string
		quoted := false
		switch {
		case len(s) > 0 && s[0] == '"':
			end := strings.IndexByte(s[1:], '"')
			if end < 0 {
				val, s = s[1:], ""
			} else {
				val, s = s[1:end+1], s[end+2:]
			}
			quoted = true
		case len(s) > 0 && s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			var inner string
			if end < 0 {
				inner, s = s[1:], ""
			} else {
				inner, s = s[1:end+1], s[end+2:]
			}
			d.fields(ev, inner, false)
			continue
		default:
			end := 0
			for end < len(s) && s[end] != ' ' && s[end] != '\x1d' {
				end++
			}
			val, s = s[:end], s[end:]
		}
		if !quoted && isHex(val) && (hexFields[key] || execve && isArgKey(key)) {
			val = d.unhex(val)
		}
		if execve && isArgKey(key) {
			d.arg(key, val)
			if key[len(key)-1] == ']' {
				continue // chunks of a split argument: kept reassembled only
			}
		}
		d.seen.note(key, val)
		d.add(ev, d.key(key), val)
	}
}

// seen keeps the values interpret reads, so it need not search Extra.
type seen struct {
	pid, ppid, uid, auid, comm, exe, success, res, acct, addr, hostname, cmd, proctitle, enrichedAUID, enrichedUID string
}

func (s *seen) note(key, val string) {
	switch key {
	case "pid":
		s.pid = val
	case "ppid":
		s.ppid = val
	case "uid":
		s.uid = val
	case "auid":
		s.auid = val
	case "comm":
		s.comm = val
	case "exe":
		s.exe = val
	case "success":
		s.success = val
	case "res":
		s.res = val
	case "acct":
		s.acct = val
	case "addr":
		s.addr = val
	case "hostname":
		s.hostname = val
	case "cmd":
		s.cmd = val
	case "proctitle":
		s.proctitle = val
	case "AUID":
		s.enrichedAUID = val
	case "UID":
		s.enrichedUID = val
	}
}

// key returns "auditd."+k without allocating for known keys, and caches a
// bounded number of others.
func (d *Decoder) key(k string) string {
	if full, ok := knownKeys[k]; ok {
		return full
	}
	if full, ok := d.keys[k]; ok {
		return full
	}
	full := "auditd." + k
	if len(d.keys) < 4096 {
		d.keys[full[len("auditd."):]] = full
	}
	return full
}

func (d *Decoder) add(ev *event.Event, k, v string) {
	ev.Extra = append(ev.Extra, event.KV{Key: k, Value: v})
}

// isHex reports whether s looks like the kernel's hex encoding of an
// untrusted string: an even number of upper-case hex digits.
func isHex(s string) bool {
	if len(s) < 2 || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'A' && b <= 'F') {
			return false
		}
	}
	return true
}

func (d *Decoder) unhex(s string) string {
	d.buf = d.buf[:0]
	for i := 0; i+1 < len(s); i += 2 {
		d.buf = append(d.buf, unhexByte(s[i])<<4|unhexByte(s[i+1]))
	}
	return string(d.buf)
}

func unhexByte(b byte) byte {
	if b <= '9' {
		return b - '0'
	}
	return b - 'A' + 10
}

// isArgKey reports whether k names an execve argument: a0, a12, a1[3].
func isArgKey(k string) bool {
	if len(k) < 2 || k[0] != 'a' || k[1] < '0' || k[1] > '9' {
		return false
	}
	for i := 2; i < len(k); i++ {
		if k[i] == '[' {
			return strings.HasSuffix(k, "]")
		}
		if k[i] < '0' || k[i] > '9' {
			return false
		}
	}
	return true
}

// arg collects execve arguments in order; a split argument's chunks
// (a1[0], a1[1], ...) are appended to the same argument.
func (d *Decoder) arg(key, val string) {
	idx := key[1:]
	chunk := false
	if i := strings.IndexByte(idx, '['); i >= 0 {
		idx = idx[:i]
		chunk = true
	}
	n, ok := digits(idx)
	if !ok || n > 1<<16 {
		return
	}
	// Arguments arrive in order; anything else is ignored rather than trusted.
	switch {
	case chunk && int(n) == len(d.args)-1:
		d.args[n] += val
	case chunk && int(n) == len(d.args):
		d.args = append(d.args, val)
	case !chunk && int(n) == len(d.args):
		d.args = append(d.args, val)
	}
}

func basename(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
