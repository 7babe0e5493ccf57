package syslog

import (
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
)

// postfix reads the lines of postfix's daemons (smtpd, qmgr, smtp, cleanup,
// pickup, local, ...): connections, SASL logins and the flow of each message.
func postfix(ev *event.Event, m string) {
	ev.Kind = event.KindMail
	if qid, rest, ok := queueID(m); ok {
		if qid != "NOQUEUE" {
			add(ev, "mail.queue_id", qid)
		}
		m = rest
	}
	var rest string
	switch {
	case has(m, "connect from ", &rest):
		ev.Action = "mail_connect"
		hostIP(ev, rest)
	case has(m, "disconnect from ", &rest):
		ev.Action = "mail_disconnect"
		hostIP(ev, rest)
	case has(m, "lost connection after ", &rest):
		ev.Action = "mail_lost_connection"
		if _, peer, ok := strings.Cut(rest, " from "); ok {
			hostIP(ev, peer)
		}
	case has(m, "warning: ", &rest) && strings.Contains(rest, ": SASL ") && strings.Contains(rest, " authentication failed"):
		// "warning: unknown[IP]: SASL LOGIN authentication failed: UGFzc3dvcmQ6"
		auth(ev, "mail_login", event.OutcomeFailure)
		peer, sasl, _ := strings.Cut(rest, ": SASL ")
		hostIP(ev, peer)
		if method, _, ok := strings.Cut(sasl, " "); ok {
			add(ev, "auth.method", method)
		}
		if _, reason, ok := strings.Cut(sasl, "authentication failed: "); ok {
			add(ev, "event.reason", reason)
		}
	case has(m, "client=", &rest):
		// "client=host[IP], sasl_method=LOGIN, sasl_username=U"
		ev.Action = "mail_received"
		peer, kvs, _ := strings.Cut(rest, ", ")
		hostIP(ev, peer)
		for kvs != "" {
			var kv string
			kv, kvs, _ = strings.Cut(kvs, ", ")
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "sasl_method":
				add(ev, "auth.method", v)
			case "sasl_username":
				auth(ev, "mail_login", event.OutcomeSuccess)
				ev.User = v
			}
		}
	case has(m, "reject: ", &rest):
		// "reject: RCPT from host[IP]: 554 5.7.1 <b>: Relay access denied; from=<a> to=<b> proto=ESMTP helo=<h>"
		ev.Action, ev.Outcome = "mail_rejected", event.OutcomeFailure
		if _, peer, ok := strings.Cut(rest, " from "); ok {
			hostIP(ev, peer)
		}
		if i := strings.LastIndex(rest, "; from=<"); i >= 0 {
			reason := rest[:i]
			if j := strings.Index(reason, "]: "); j >= 0 {
				reason = reason[j+3:]
			}
			add(ev, "event.reason", reason)
			mailKV(ev, rest[i+2:], ' ')
		}
	case strings.HasPrefix(m, "from=<"):
		ev.Action = "mail_queued"
		mailKV(ev, m, ',')
	case strings.HasPrefix(m, "to=<"):
		mailKV(ev, m, ',')
		status, _ := ev.Get("mail.status")
		switch status {
		case "sent", "delivered":
			ev.Action, ev.Outcome = "mail_sent", event.OutcomeSuccess
		case "bounced", "expired":
			ev.Action, ev.Outcome = "mail_bounced", event.OutcomeFailure
		case "deferred":
			ev.Action, ev.Outcome = "mail_deferred", event.OutcomeFailure
		}
	case has(m, "message-id=", &rest):
		add(ev, "email.message_id", strings.TrimSuffix(strings.TrimPrefix(rest, "<"), ">"))
	case strings.HasPrefix(m, "uid="):
		// pickup: "uid=1000 from=<alice>": a message submitted on this host.
		ev.Action = "mail_submitted"
		mailKV(ev, m, ' ')
	}
}

// queueID splits "3F4A21C0B7: rest" (hex or long queue ids) and "NOQUEUE: rest".
func queueID(m string) (qid, rest string, ok bool) {
	c := strings.Index(m, ": ")
	if c < 5 || c > 20 {
		return "", "", false
	}
	if m[:c] == "NOQUEUE" {
		return m[:c], m[c+2:], true
	}
	// Queue ids always hold a digit; "warning:" and "fatal:" do not.
	digit := false
	for i := 0; i < c; i++ {
		b := m[i]
		switch {
		case b >= '0' && b <= '9':
			digit = true
		case b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z':
		default:
			return "", "", false
		}
	}
	if !digit {
		return "", "", false
	}
	return m[:c], m[c+2:], true
}

// hostIP reads "name[IP]" (postfix's peer notation) and ignores what follows.
func hostIP(ev *event.Event, s string) {
	open := strings.IndexByte(s, '[')
	if open < 0 {
		return
	}
	end := strings.IndexByte(s[open:], ']')
	if end < 0 {
		return
	}
	if name := s[:open]; name != "unknown" && name != "" {
		add(ev, "source.domain", name)
	}
	ip := s[open+1 : open+end]
	// postfix writes IPv6 peers as [ipv6:2001:db8::1] in some messages.
	ip = strings.TrimPrefix(ip, "IPv6:")
	if isIP(ip) {
		ev.SourceIP = ip
	}
}

// mailKV reads postfix's "from=<a>, size=N, nrcpt=1 (queue active)" and
// "to=<b>, relay=..., status=sent (250 ok)" (sep ','), or the
// "from=<a> to=<b> proto=ESMTP" of rejections (sep ' ').
func mailKV(ev *event.Event, s string, sep byte) {
	for s != "" {
		s = skipSpaces(s)
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return
		}
		k := s[:eq]
		s = s[eq+1:]
		var v string
		if k == "status" {
			// "sent (250 2.0.0 Ok: queued as X)", last of its line: the word,
			// then the server's reply, which may hold commas.
			v, s = s, ""
			if word, reply, ok := strings.Cut(v, " ("); ok {
				v = word
				add(ev, "event.reason", strings.TrimSuffix(reply, ")"))
			}
		} else if strings.HasPrefix(s, "<") {
			if end := strings.IndexByte(s, '>'); end >= 0 {
				v, s = s[1:end], s[end+1:]
			} else {
				v, s = s[1:], ""
			}
		} else {
			end := strings.IndexByte(s, sep)
			if end < 0 {
				end = len(s)
			}
			v, s = s[:end], s[end:]
		}
		switch k {
		case "from":
			add(ev, "email.from.address", v)
		case "to":
			add(ev, "email.to.address", v)
		case "orig_to":
			add(ev, "email.to.original", v)
		case "size":
			add(ev, "email.size", v)
		case "nrcpt":
			// "1 (queue active)"
			n, _, _ := strings.Cut(v, " ")
			add(ev, "email.recipients", n)
		case "relay":
			add(ev, "mail.relay", v)
		case "status":
			add(ev, "mail.status", v)
		case "proto":
			add(ev, "network.protocol", v)
		case "helo":
			add(ev, "mail.helo", v)
		case "uid":
			add(ev, "user.id", v)
		}
		s = strings.TrimPrefix(s, string(sep))
	}
}

// dovecot reads dovecot's login and auth lines:
// "imap-login: Login: user=<U>, method=PLAIN, rip=IP, lip=IP, mpid=N, TLS".
func dovecot(ev *event.Event, m string) {
	svc, rest, ok := strings.Cut(m, ": ")
	if !ok {
		return
	}
	ev.Kind = event.KindMail
	if strings.HasPrefix(rest, "pam_") && pamPrefixed(ev, rest) {
		return
	}
	switch {
	case strings.HasSuffix(svc, "-login"):
		add(ev, "network.protocol", strings.TrimSuffix(svc, "-login"))
		var kv string
		if has(rest, "Login: ", &kv) {
			auth(ev, "mail_login", event.OutcomeSuccess)
		} else if i := strings.Index(rest, "auth failed"); i >= 0 {
			auth(ev, "mail_login", event.OutcomeFailure)
			if j := strings.Index(rest[i:], "): "); j >= 0 {
				add(ev, "event.reason", rest[i:i+j])
				kv = rest[i+j+3:]
			}
		} else if _, after, ok := strings.Cut(rest, "): "); ok {
			kv = after
		} else {
			return
		}
		dovecotKV(ev, kv)
	case strings.HasPrefix(svc, "auth"):
		// "auth-worker(1234): pam(U,IP,<sess>): Password mismatch" and the
		// passwd-file/sql drivers' "unknown user".
		who, what, ok := strings.Cut(rest, "): ")
		open := strings.IndexByte(who, '(')
		if !ok || open < 0 {
			return
		}
		add(ev, "auth.driver", who[:open])
		user, peer, _ := strings.Cut(who[open+1:], ",")
		peer, _, _ = strings.Cut(peer, ",")
		ev.User = user
		setSource(ev, peer)
		ev.Kind = event.KindAuth
		ev.Action = "mail_auth"
		switch what {
		case "unknown user", "Password mismatch", "Password mismatch (given password was empty)":
			ev.Outcome = event.OutcomeFailure
			add(ev, "event.reason", what)
		}
	default:
		// "imap(alice)<123><sess>: Logged out in=12 out=345"
		open := strings.IndexByte(svc, '(')
		end := strings.IndexByte(svc, ')')
		if open < 0 || end < open {
			return
		}
		ev.User = svc[open+1 : end]
		add(ev, "network.protocol", svc[:open])
		if strings.HasPrefix(rest, "Logged out") || strings.HasPrefix(rest, "Disconnected") {
			ev.Action = "mail_logout"
		}
	}
}

// dovecotKV reads "user=<U>, method=PLAIN, rip=IP, lip=IP, mpid=N, TLS, session=<x>".
func dovecotKV(ev *event.Event, s string) {
	for s != "" {
		var kv string
		if strings.HasPrefix(s, "user=<") {
			// User names may hold ", ": take the whole <...>.
			end := strings.IndexByte(s, '>')
			if end < 0 {
				ev.User = s[6:]
				return
			}
			ev.User = s[6:end]
			s = strings.TrimPrefix(s[end+1:], ", ")
			continue
		}
		kv, s, _ = strings.Cut(s, ", ")
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		switch k {
		case "method":
			add(ev, "auth.method", v)
		case "rip":
			setSource(ev, v)
		case "lip":
			add(ev, "destination.ip", v)
		case "session":
			add(ev, "session.id", strings.Trim(v, "<>"))
		}
	}
}
