package syslog

import (
	"net/netip"
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
)

// dataset names the program family a tag belongs to, so that rules need not
// know every spelling (sshd-session since OpenSSH 9.8, CRON on Debian and
// crond on Red Hat, postfix/smtpd and its siblings).
func dataset(prog string) string {
	switch prog {
	case "sshd", "sshd-session", "sshd-auth":
		return "sshd"
	case "CRON", "cron", "crond":
		return "cron"
	case "":
		return "syslog"
	}
	if strings.HasPrefix(prog, "postfix") {
		return "postfix"
	}
	return prog
}

// decodeMessage fills the program fields of ev and reads msg by program.
func decodeMessage(ev *event.Event, prog, msg string) {
	// Red Hat's older pam_unix logged as "sshd(pam_unix)[pid]".
	pamModule := ""
	if i := strings.IndexByte(prog, '('); i > 0 && prog[len(prog)-1] == ')' {
		pamModule = prog[i+1 : len(prog)-1]
		prog = prog[:i]
	}
	ev.Process = prog
	ev.Dataset = dataset(prog)

	// rsyslog folds identical lines; the folded message is still evidence.
	if inner, n, ok := repeated(msg); ok {
		add(ev, "syslog.repeated", n)
		msg = inner
	}
	if pamModule != "" {
		pam(ev, pamModule, prog, "", msg)
		return
	}
	if strings.HasPrefix(msg, "pam_") && pamPrefixed(ev, msg) {
		return
	}
	switch ev.Dataset {
	case "sshd":
		sshd(ev, msg)
	case "sudo":
		sudo(ev, msg)
	case "su":
		su(ev, msg)
	case "useradd", "usermod", "userdel", "groupadd", "groupdel", "groupmod", "gpasswd", "passwd", "chpasswd", "chage":
		account(ev, msg)
	case "systemd-logind":
		logind(ev, msg)
	case "cron", "crontab":
		cron(ev, msg)
	case "postfix":
		postfix(ev, msg)
	case "dovecot":
		dovecot(ev, msg)
	case "ftpd", "vsftpd", "proftpd", "pure-ftpd":
		ftpd(ev, msg)
	case "login":
		// "ROOT LOGIN ON tty2": util-linux login names root in capitals.
		if user, tty, ok := strings.Cut(msg, " LOGIN ON "); ok {
			auth(ev, "console_login", event.OutcomeSuccess)
			if user == "ROOT" {
				user = "root"
			}
			ev.User = user
			add(ev, "process.tty", tty)
		}
	}
}

// ftpd reads wu-ftpd/vsftpd connection and anonymous login lines:
// "connection from IP (name) at DATE", "ANONYMOUS FTP LOGIN FROM IP, (pass)".
func ftpd(ev *event.Event, m string) {
	var rest string
	switch {
	case has(m, "connection from ", &rest), has(m, "CONNECT: Client \"", &rest):
		auth(ev, "ftp_connection", event.OutcomeUnknown)
		ip, name, _ := strings.Cut(rest, " (")
		setSource(ev, strings.TrimSuffix(ip, "\""))
		if name, _, _ = strings.Cut(name, ")"); name != "" {
			add(ev, "source.domain", name)
		}
	case has(m, "ANONYMOUS FTP LOGIN FROM ", &rest):
		auth(ev, "ftp_login", event.OutcomeSuccess)
		ev.User = "anonymous"
		ip, _, _ := strings.Cut(rest, ",")
		setSource(ev, ip)
	}
}

// repeated unwraps "message repeated N times: [ msg]".
func repeated(msg string) (inner, n string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "message repeated ")
	if !ok {
		return "", "", false
	}
	sp := strings.IndexByte(rest, ' ')
	if sp <= 0 {
		return "", "", false
	}
	n = rest[:sp]
	rest, ok = strings.CutPrefix(rest[sp:], " times: [ ")
	if !ok || atoi(n) == 0 {
		return "", "", false
	}
	rest = strings.TrimSuffix(rest, "]")
	return rest, n, true
}

// isIP reports whether s is a literal IPv4 or IPv6 address.
func isIP(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	// Reject names before ParseAddr, whose error values allocate.
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == '.' || b == ':') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// setSource stores a peer: an address goes to source.ip, a name (sshd with
// UseDNS, PAM rhost) to source.domain.
func setSource(ev *event.Event, s string) {
	switch {
	case s == "":
	case isIP(s):
		ev.SourceIP = s
	default:
		add(ev, "source.domain", s)
	}
}

// ipPort reads "IP port P" at the start of s and returns what follows.
func ipPort(s string) (ip string, port int, rest string) {
	sp := strings.IndexByte(s, ' ')
	if sp < 0 {
		return s, 0, ""
	}
	ip, rest = s[:sp], s[sp:]
	if p, ok := strings.CutPrefix(rest, " port "); ok {
		end := 0
		for end < len(p) && p[end] >= '0' && p[end] <= '9' {
			end++
		}
		port, rest = atoi(p[:end]), p[end:]
	}
	return ip, port, rest
}

// userFrom reads "U from IP[ port P][rest]". User names are attacker-chosen
// and may themselves contain " from ": the last one is the real separator.
func userFrom(s string) (user, ip string, port int, rest string, ok bool) {
	i := strings.LastIndex(s, " from ")
	if i < 0 {
		return "", "", 0, "", false
	}
	user = s[:i]
	ip, port, rest = ipPort(s[i+6:])
	return user, ip, port, rest, true
}

// userIPPort reads "[authenticating |invalid ]user U IP port P" or "IP port P".
func userIPPort(ev *event.Event, s string) {
	rest, ok := strings.CutPrefix(s, "authenticating user ")
	if !ok {
		if rest, ok = strings.CutPrefix(s, "invalid user "); ok {
			add(ev, "user.invalid", "true")
		} else {
			rest, ok = strings.CutPrefix(s, "user ")
		}
	}
	if !ok {
		ip, port, _ := ipPort(s)
		setSource(ev, ip)
		ev.SourcePort = port
		return
	}
	// The user name is everything before the last "IP port P".
	p := strings.LastIndex(rest, " port ")
	if p < 0 {
		p = len(rest)
	}
	sp := strings.LastIndexByte(rest[:p], ' ')
	if sp < 0 {
		ev.User = rest
		return
	}
	ev.User = rest[:sp]
	ip, port, _ := ipPort(rest[sp+1:])
	setSource(ev, ip)
	ev.SourcePort = port
}

func auth(ev *event.Event, action string, o event.Outcome) {
	ev.Kind = event.KindAuth
	ev.Action = action
	ev.Outcome = o
}

// sshd reads OpenSSH's messages (auth.log / secure).
func sshd(ev *event.Event, m string) {
	m, preauth := strings.CutSuffix(m, " [preauth]")
	if preauth {
		add(ev, "ssh.preauth", "true")
	}
	var rest string
	switch {
	case has(m, "Accepted ", &rest):
		sshLogin(ev, rest, event.OutcomeSuccess)
	case has(m, "Failed ", &rest):
		sshLogin(ev, rest, event.OutcomeFailure)
	case has(m, "Invalid user ", &rest):
		auth(ev, "ssh_invalid_user", event.OutcomeFailure)
		add(ev, "user.invalid", "true")
		if user, ip, port, _, ok := userFrom(rest); ok {
			ev.User = user
			setSource(ev, ip)
			ev.SourcePort = port
		} else {
			ev.User = rest
		}
	case has(m, "input_userauth_request: invalid user ", &rest):
		auth(ev, "ssh_invalid_user", event.OutcomeFailure)
		add(ev, "user.invalid", "true")
		ev.User = rest
	case has(m, "User ", &rest) && strings.Contains(rest, " not allowed because "):
		auth(ev, "ssh_user_not_allowed", event.OutcomeFailure)
		i := strings.LastIndex(rest, " not allowed because ")
		add(ev, "event.reason", rest[i+len(" not allowed because "):])
		if user, ip, _, _, ok := userFrom(rest[:i]); ok {
			ev.User = user
			setSource(ev, ip)
		}
	case has(m, "Disconnected from ", &rest):
		auth(ev, "ssh_disconnect", event.OutcomeUnknown)
		userIPPort(ev, rest)
	case has(m, "Connection closed by ", &rest), has(m, "Connection reset by ", &rest):
		auth(ev, "ssh_connection_closed", event.OutcomeUnknown)
		userIPPort(ev, rest)
	case has(m, "Received disconnect from ", &rest), has(m, "error: Received disconnect from ", &rest):
		auth(ev, "ssh_disconnect", event.OutcomeUnknown)
		ip, port, reason := peerReason(rest)
		setSource(ev, ip)
		ev.SourcePort = port
		if reason = strings.TrimSpace(reason); reason != "" {
			add(ev, "event.reason", reason)
		}
	case has(m, "Disconnecting: Too many authentication failures", &rest):
		auth(ev, "ssh_max_auth_exceeded", event.OutcomeFailure)
		ev.User = strings.TrimPrefix(rest, " for ")
	case has(m, "Disconnecting ", &rest) && strings.HasSuffix(rest, ": Too many authentication failures"):
		auth(ev, "ssh_max_auth_exceeded", event.OutcomeFailure)
		userIPPort(ev, strings.TrimSuffix(rest, ": Too many authentication failures"))
	case has(m, "Disconnecting ", &rest) && strings.Contains(rest, ": "):
		// "Disconnecting invalid user U IP port P: Change of username or service not allowed: ..."
		auth(ev, "ssh_disconnect", event.OutcomeUnknown)
		who, reason, _ := strings.Cut(rest, ": ")
		userIPPort(ev, who)
		add(ev, "event.reason", reason)
	case has(m, "error: PAM: ", &rest):
		// "error: PAM: Authentication failure for U from HOST[ via ADDR]"
		auth(ev, "pam_auth", event.OutcomeFailure)
		if i := strings.Index(rest, " for "); i >= 0 {
			add(ev, "event.reason", rest[:i])
			who := rest[i+5:]
			if r, ok := strings.CutPrefix(who, "illegal user "); ok {
				add(ev, "user.invalid", "true")
				who = r
			}
			if j := strings.LastIndex(who, " via "); j >= 0 {
				who = who[:j]
			}
			sshUser(ev, strings.TrimSpace(who))
		}
	case has(m, "ROOT LOGIN REFUSED FROM ", &rest):
		auth(ev, "ssh_login", event.OutcomeFailure)
		ev.User = "root"
		ip, port, _ := ipPort(rest)
		setSource(ev, ip)
		ev.SourcePort = port
	case has(m, "refused connect from ", &rest):
		// tcp_wrappers: "refused connect from NAME (ADDR)"
		auth(ev, "ssh_connection_refused", event.OutcomeFailure)
		if i := strings.LastIndex(rest, " ("); i >= 0 {
			setSource(ev, strings.TrimPrefix(strings.TrimSuffix(rest[i+2:], ")"), "::ffff:"))
		}
	case has(m, "error: maximum authentication attempts exceeded for ", &rest):
		auth(ev, "ssh_max_auth_exceeded", event.OutcomeFailure)
		sshUser(ev, rest)
	case has(m, "Did not receive identification string from ", &rest):
		auth(ev, "ssh_no_identification", event.OutcomeFailure)
		ip, port, _ := ipPort(rest)
		setSource(ev, ip)
		ev.SourcePort = port
	case has(m, "PAM ", &rest) && strings.Contains(rest, " more authentication failure"):
		auth(ev, "pam_auth", event.OutcomeFailure)
		sp := strings.IndexByte(rest, ' ')
		add(ev, "auth.failures", rest[:sp])
		if i := strings.IndexByte(rest, ';'); i >= 0 {
			pamKV(ev, rest[i+1:])
		}
	case has(m, "PAM service(", &rest) && strings.Contains(rest, "ignoring max retries"):
		auth(ev, "pam_max_retries", event.OutcomeFailure)
	case has(m, "reverse mapping checking getaddrinfo for ", &rest):
		auth(ev, "ssh_reverse_mapping_failed", event.OutcomeFailure)
		// "NAME [IP] failed - POSSIBLE BREAK-IN ATTEMPT!"
		if i := strings.LastIndex(rest, " ["); i >= 0 {
			add(ev, "source.domain", rest[:i])
			if j := strings.IndexByte(rest[i:], ']'); j > 0 {
				setSource(ev, rest[i+2:i+j])
			}
		}
	case has(m, "Address ", &rest) && strings.Contains(rest, " maps to "):
		auth(ev, "ssh_reverse_mapping_failed", event.OutcomeFailure)
		ip, _, _ := ipPort(rest)
		setSource(ev, ip)
	case has(m, "Connection from ", &rest):
		auth(ev, "ssh_connection", event.OutcomeUnknown)
		ip, port, _ := ipPort(rest)
		setSource(ev, ip)
		ev.SourcePort = port
	case has(m, "Unable to negotiate with ", &rest), has(m, "fatal: Unable to negotiate with ", &rest):
		auth(ev, "ssh_negotiation_failed", event.OutcomeFailure)
		ip, port, _ := ipPort(rest)
		setSource(ev, strings.TrimSuffix(ip, ":"))
		ev.SourcePort = port
	case has(m, "banner exchange: Connection from ", &rest):
		auth(ev, "ssh_bad_banner", event.OutcomeFailure)
		ip, port, _ := ipPort(rest)
		setSource(ev, ip)
		ev.SourcePort = port
	case has(m, "error: kex_exchange_identification: ", &rest):
		// The peer is on the sshd[pid]'s "Connection from" line.
		auth(ev, "ssh_bad_banner", event.OutcomeFailure)
		add(ev, "event.reason", rest)
	case has(m, "Bad protocol version identification ", &rest):
		auth(ev, "ssh_bad_banner", event.OutcomeFailure)
		if _, ip, port, _, ok := userFrom(rest); ok {
			setSource(ev, ip)
			ev.SourcePort = port
		}
	case has(m, "Timeout before authentication for ", &rest),
		has(m, "fatal: Timeout before authentication for ", &rest):
		auth(ev, "ssh_auth_timeout", event.OutcomeFailure)
		// OpenSSH 9: "for connection from IP to IP, pid = N".
		rest = strings.TrimPrefix(rest, "connection from ")
		ip, port, _ := ipPort(rest)
		setSource(ev, ip)
		ev.SourcePort = port
	case has(m, "drop connection #", &rest):
		// OpenSSH 9.8 PerSourcePenalties/MaxStartups: "drop connection #0 from [IP]:PORT on [IP]:22 penalty: ..."
		auth(ev, "ssh_connection_dropped", event.OutcomeFailure)
		if _, peer, ok := strings.Cut(rest, " from ["); ok {
			if ip, after, ok := strings.Cut(peer, "]:"); ok {
				setSource(ev, ip)
				p, _, _ := strings.Cut(after, " ")
				ev.SourcePort = atoi(p)
			}
		}
		if _, reason, ok := strings.Cut(rest, " penalty: "); ok {
			add(ev, "event.reason", reason)
		}
	case has(m, "Starting session: ", &rest):
		auth(ev, "ssh_session_started", event.OutcomeSuccess)
		// "shell on pts/0 for U from IP port P id 0"
		if i := strings.LastIndex(rest, " for "); i >= 0 {
			add(ev, "ssh.session", rest[:i])
			sshUser(ev, rest[i+5:])
		}
	}
}

// has is strings.CutPrefix in a form that reads as a switch case.
func has(s, prefix string, rest *string) bool {
	r, ok := strings.CutPrefix(s, prefix)
	if ok {
		*rest = r
	}
	return ok
}

// sshLogin reads "<method> for [invalid user ]U from IP port P ssh2[: KEY]"
// after "Accepted " or "Failed ".
func sshLogin(ev *event.Event, rest string, o event.Outcome) {
	auth(ev, "ssh_login", o)
	sp := strings.IndexByte(rest, ' ')
	if sp < 0 {
		return
	}
	add(ev, "auth.method", rest[:sp])
	rest, ok := strings.CutPrefix(rest[sp:], " for ")
	if !ok {
		return
	}
	// " ssh2: RSA SHA256:..." names the key, and the free text after ": "
	// may be attacker-written ("ssh2: from 10.10.1.2 port 55555"): read the
	// peer before the first ": " when it holds a port, else the whole line.
	head, info, cut := strings.Cut(rest, ": ")
	if cut {
		if _, _, port, _, ok := userFrom(head); !ok || port == 0 {
			head, info = rest, ""
		}
	}
	sshUser(ev, head)
	if info != "" {
		add(ev, "ssh.key", info)
	}
}

// sshUser reads "[invalid user ]U from IP port P..." and returns the tail.
func sshUser(ev *event.Event, s string) string {
	if r, ok := strings.CutPrefix(s, "invalid user "); ok {
		add(ev, "user.invalid", "true")
		s = r
	}
	user, ip, port, tail, ok := userFrom(s)
	if !ok {
		ev.User = s
		return ""
	}
	ev.User = user
	setSource(ev, ip)
	ev.SourcePort = port
	return tail
}

// peerReason reads "ADDR[ port P]: code: reason". ADDR may be an IPv6
// address, so it ends at the first space or ": ", not at the first colon.
func peerReason(s string) (ip string, port int, reason string) {
	end := strings.Index(s, ": ")
	if sp := strings.IndexByte(s, ' '); sp >= 0 && (end < 0 || sp < end) {
		ip, port, rest := ipPort(s)
		// "IP port P: 11: Bye" and, without the space, "IP port P:11: Bye".
		return ip, port, strings.TrimPrefix(rest, ":")
	}
	if end < 0 {
		return s, 0, ""
	}
	return s[:end], 0, s[end+1:]
}

// pamPrefixed reads "pam_MODULE(SERVICE:TYPE): msg".
func pamPrefixed(ev *event.Event, msg string) bool {
	open := strings.IndexByte(msg, '(')
	end := strings.Index(msg, "): ")
	if open < 0 || end < open {
		return false
	}
	svc, typ, _ := strings.Cut(msg[open+1:end], ":")
	pam(ev, msg[:open], svc, typ, msg[end+3:])
	return true
}

// pam reads the messages of pam_unix and its kin, whichever program logs them.
func pam(ev *event.Event, module, service, typ, m string) {
	ev.Kind = event.KindAuth
	add(ev, "pam.module", module)
	if service != "" {
		add(ev, "pam.service", service)
	}
	if typ != "" {
		add(ev, "pam.type", typ)
	}
	var rest string
	switch {
	case has(m, "authentication failure;", &rest):
		ev.Action, ev.Outcome = "pam_auth", event.OutcomeFailure
		pamKV(ev, rest)
	case m == "check pass; user unknown":
		ev.Action, ev.Outcome = "pam_auth", event.OutcomeFailure
		add(ev, "user.invalid", "true")
	case has(m, "auth could not identify password for [", &rest):
		ev.Action, ev.Outcome = "pam_auth", event.OutcomeFailure
		ev.User = strings.TrimSuffix(rest, "]")
	case has(m, "session opened for user ", &rest):
		ev.Action, ev.Outcome = "session_opened", event.OutcomeSuccess
		pamSession(ev, rest)
	case has(m, "session closed for user ", &rest):
		ev.Action, ev.Outcome = "session_closed", event.OutcomeSuccess
		ev.User = stripUID(rest)
	case has(m, "password changed for ", &rest):
		ev.Action, ev.Outcome = "password_changed", event.OutcomeSuccess
		ev.TargetUser = rest
	}
}

// pamSession reads "X[(uid=N)] by [Y](uid=N)". A named Y is the user who
// opened a session as X (sudo, su); a bare "(uid=N)" is the service itself.
func pamSession(ev *event.Event, s string) {
	forUser, by, ok := cutLast(s, " by ")
	forUser = stripUID(forUser)
	if ok {
		by = stripUID(by)
	}
	// login(1) has no invoking user and reports itself as "LOGIN".
	if by != "" && by != "LOGIN" && by != forUser {
		ev.User = by
		ev.TargetUser = forUser
		return
	}
	ev.User = forUser
}

func cutLast(s, sep string) (before, after string, ok bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}

func stripUID(s string) string {
	if i := strings.Index(s, "(uid="); i >= 0 {
		return s[:i]
	}
	return s
}

// pamKV reads "logname= uid=0 euid=0 tty=ssh ruser= rhost=IP  user=U".
func pamKV(ev *event.Event, s string) {
	for s != "" {
		s = skipSpaces(s)
		sp := strings.IndexByte(s, ' ')
		var kv string
		if sp < 0 {
			kv, s = s, ""
		} else {
			kv, s = s[:sp], s[sp:]
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || v == "" {
			continue
		}
		switch k {
		case "rhost":
			setSource(ev, v)
		case "user":
			ev.User = v
		case "ruser":
			add(ev, "pam.ruser", v)
		case "tty":
			add(ev, "pam.tty", v)
		case "logname":
			add(ev, "pam.logname", v)
		}
	}
}

// sudo reads "U : [REASON ; ]TTY=t ; PWD=d ; USER=u ; COMMAND=c".
func sudo(ev *event.Event, m string) {
	m = skipSpaces(m)
	user, rest, ok := strings.Cut(m, " : ")
	if !ok || strings.IndexByte(user, ' ') >= 0 {
		return
	}
	auth(ev, "sudo", event.OutcomeSuccess)
	ev.User = user
	for rest != "" {
		if cmd, ok := strings.CutPrefix(rest, "COMMAND="); ok {
			// The command comes last and may itself contain " ; ".
			ev.CommandLine = cmd
			break
		}
		seg, next, _ := strings.Cut(rest, " ; ")
		rest = next
		k, v, ok := strings.Cut(seg, "=")
		if !ok || strings.IndexByte(k, ' ') >= 0 {
			// "3 incorrect password attempts", "user NOT in sudoers", ...
			ev.Outcome = event.OutcomeFailure
			add(ev, "event.reason", seg)
			if sp := strings.IndexByte(seg, ' '); sp > 0 && strings.HasPrefix(seg[sp:], " incorrect password attempt") {
				add(ev, "auth.failures", seg[:sp])
			}
			continue
		}
		switch k {
		case "USER":
			ev.TargetUser = v
		case "PWD":
			add(ev, "process.working_directory", v)
		case "TTY":
			add(ev, "process.tty", v)
		case "GROUP":
			add(ev, "group.name", v)
		}
	}
}

// su reads the su lines of shadow-utils and util-linux.
func su(ev *event.Event, m string) {
	var rest string
	switch {
	case has(m, "Successful su for ", &rest):
		auth(ev, "su", event.OutcomeSuccess)
		ev.TargetUser, ev.User, _ = cutLast(rest, " by ")
	case has(m, "FAILED su for ", &rest):
		auth(ev, "su", event.OutcomeFailure)
		ev.TargetUser, ev.User, _ = cutLast(rest, " by ")
	case has(m, "(to ", &rest):
		auth(ev, "su", event.OutcomeSuccess)
		suTo(ev, rest)
	case has(m, "FAILED SU (to ", &rest):
		auth(ev, "su", event.OutcomeFailure)
		suTo(ev, rest)
	case len(m) > 2 && (m[0] == '+' || m[0] == '-') && m[1] == ' ':
		// "+ pts/0 alice:root" (success) or "- pts/0 alice:root" (failure).
		tty, users, ok := strings.Cut(m[2:], " ")
		from, to, ok2 := strings.Cut(users, ":")
		if !ok || !ok2 {
			return
		}
		o := event.OutcomeSuccess
		if m[0] == '-' {
			o = event.OutcomeFailure
		}
		auth(ev, "su", o)
		ev.User, ev.TargetUser = from, to
		add(ev, "process.tty", tty)
	}
}

// suTo reads "root) alice on pts/0".
func suTo(ev *event.Event, s string) {
	target, rest, ok := strings.Cut(s, ") ")
	if !ok {
		return
	}
	ev.TargetUser = target
	user, tty, ok := cutLast(rest, " on ")
	ev.User = user
	if ok {
		add(ev, "process.tty", tty)
	}
}

// account reads shadow-utils' useradd/usermod/userdel/groupadd/gpasswd/passwd.
func account(ev *event.Event, m string) {
	var rest string
	switch {
	case has(m, "new user: ", &rest):
		auth(ev, "user_created", event.OutcomeSuccess)
		commaKV(ev, rest)
	case has(m, "new group: ", &rest), has(m, "group added to ", &rest):
		auth(ev, "group_created", event.OutcomeSuccess)
		if _, kv, ok := strings.Cut(rest, ": "); ok && strings.HasPrefix(m, "group added") {
			rest = kv
		}
		commaKV(ev, rest)
	case has(m, "add '", &rest):
		// "add 'bob' to group 'sudo'", "add 'bob' to shadow group 'sudo'"
		auth(ev, "group_member_added", event.OutcomeSuccess)
		userGroup(ev, rest)
	case has(m, "delete '", &rest):
		auth(ev, "group_member_removed", event.OutcomeSuccess)
		userGroup(ev, rest)
	case has(m, "delete user '", &rest):
		auth(ev, "user_deleted", event.OutcomeSuccess)
		ev.TargetUser, _, _ = strings.Cut(rest, "'")
	case has(m, "removed group '", &rest), has(m, "group '", &rest) && strings.HasSuffix(rest, " removed"),
		has(m, "removed shadow group '", &rest):
		auth(ev, "group_deleted", event.OutcomeSuccess)
		g, _, _ := strings.Cut(rest, "'")
		add(ev, "group.name", g)
	case has(m, "change user '", &rest):
		name, what, _ := strings.Cut(rest, "' ")
		ev.TargetUser = name
		if what == "password" {
			auth(ev, "password_changed", event.OutcomeSuccess)
		} else {
			auth(ev, "user_changed", event.OutcomeSuccess)
			add(ev, "event.reason", what)
		}
	case has(m, "lock user '", &rest), has(m, "unlock user '", &rest):
		auth(ev, "user_changed", event.OutcomeSuccess)
		ev.TargetUser, _, _ = strings.Cut(rest, "'")
		add(ev, "event.reason", m[:strings.IndexByte(m, ' ')])
	case has(m, "password for '", &rest):
		// "password for 'bob' changed by 'root'"
		auth(ev, "password_changed", event.OutcomeSuccess)
		target, by, _ := strings.Cut(rest, "' changed by '")
		ev.TargetUser = target
		ev.User = strings.TrimSuffix(by, "'")
	case has(m, "user ", &rest) && strings.Contains(rest, " by "):
		// gpasswd: "user bob added by root to group sudo"
		target, rest2, _ := strings.Cut(rest, " ")
		var by, group string
		var ok bool
		action := ""
		if by, ok = strings.CutPrefix(rest2, "added by "); ok {
			action = "group_member_added"
			by, group, _ = strings.Cut(by, " to group ")
		} else if by, ok = strings.CutPrefix(rest2, "removed by "); ok {
			action = "group_member_removed"
			by, group, _ = strings.Cut(by, " from group ")
		} else {
			return
		}
		auth(ev, action, event.OutcomeSuccess)
		ev.TargetUser, ev.User = target, by
		add(ev, "group.name", group)
	}
}

// userGroup reads "bob' to [shadow ]group 'sudo'" (or "from").
func userGroup(ev *event.Event, s string) {
	user, rest, ok := strings.Cut(s, "' ")
	if !ok {
		return
	}
	ev.TargetUser = user
	if _, g, ok := strings.Cut(rest, "group '"); ok {
		add(ev, "group.name", strings.TrimSuffix(g, "'"))
	}
}

// commaKV reads useradd's "name=bob, UID=1001, GID=1001, home=/home/bob, ...".
func commaKV(ev *event.Event, s string) {
	for s != "" {
		var kv string
		kv, s, _ = strings.Cut(s, ", ")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch k {
		case "name":
			if ev.Action == "group_created" {
				add(ev, "group.name", v)
			} else {
				ev.TargetUser = v
			}
		case "UID":
			add(ev, "user.target.id", v)
		case "GID":
			add(ev, "group.id", v)
		case "home":
			add(ev, "user.home", v)
		case "shell":
			add(ev, "user.shell", v)
		case "from":
			add(ev, "process.tty", v)
		}
	}
}

// logind reads systemd-logind's session lines.
func logind(ev *event.Event, m string) {
	var rest string
	switch {
	case has(m, "New session ", &rest):
		id, user, ok := strings.Cut(rest, " of user ")
		if !ok {
			return
		}
		auth(ev, "session_opened", event.OutcomeSuccess)
		add(ev, "session.id", id)
		ev.User = strings.TrimSuffix(user, ".")
	case has(m, "Removed session ", &rest):
		auth(ev, "session_closed", event.OutcomeSuccess)
		add(ev, "session.id", strings.TrimSuffix(rest, "."))
	case has(m, "Session ", &rest) && strings.Contains(rest, " logged out."):
		auth(ev, "session_logged_out", event.OutcomeSuccess)
		id, _, _ := strings.Cut(rest, " ")
		add(ev, "session.id", id)
	}
}

// cron reads "(root) CMD (command)" and crontab's "(alice) REPLACE (alice)".
func cron(ev *event.Event, m string) {
	rest, ok := strings.CutPrefix(m, "(")
	if !ok {
		return
	}
	user, rest, ok := strings.Cut(rest, ") ")
	if !ok {
		return
	}
	verb, arg, ok := strings.Cut(rest, " (")
	if !ok {
		return
	}
	arg = strings.TrimSuffix(strings.TrimRight(arg, " "), ")")
	switch verb {
	case "CMD":
		ev.Kind = event.KindProcess
		ev.Action = "cron_exec"
		ev.User = user
		ev.CommandLine = arg
	case "REPLACE":
		auth(ev, "crontab_replaced", event.OutcomeSuccess)
		ev.User, ev.TargetUser = user, arg
	case "DELETE":
		auth(ev, "crontab_deleted", event.OutcomeSuccess)
		ev.User, ev.TargetUser = user, arg
	}
}
