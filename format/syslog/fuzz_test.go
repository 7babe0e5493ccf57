package syslog

import (
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
)

// FuzzDecode feeds hostile lines to the decoder: it must never panic, must
// emit exactly one event per line, and every typed string it fills must be a
// substring of the line (no bytes invented that a report could render).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
		"Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
		"Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown\r",
		"May 19 03:12:44 web1 sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="App\"x\]"] An application event`,
		"<34>1 - - - - - -",
		"2025-05-19T05:12:44.003861+02:00 web1 sshd-session[4242]: Accepted publickey for deploy from 203.0.113.9 port 51234 ssh2: ED25519 SHA256:x",
		"May 19 03:30:03 mx1 postfix/smtp[4102]: 4BV1Zr0Yz5z9sWm: to=<a@b>, relay=x[1.2.3.4]:25, status=sent (250 ok)",
		"May 19 03:31:00 mx1 postfix/smtpd[4105]: NOQUEUE: reject: RCPT from unknown[198.51.100.99]: 554 5.7.1 <x>: Relay access denied; from=<s> to=<x> proto=ESMTP helo=<W>",
		"May 19 03:40:00 mx1 dovecot: imap-login: Login: user=<alice>, method=PLAIN, rip=1.2.3.4, lip=5.6.7.8, TLS",
		"May 19 03:41:00 mx1 dovecot: auth-worker(5001): pam(admin,203.0.113.50,<AbCdEf>): unknown user",
		"May 19 03:17:01 web1 CRON[3456]: (root) CMD (x)",
		"May 19 03:20:11 web1 useradd[3100]: new user: name=b, UID=1, GID=1, home=/h, shell=/s, from=/dev/pts/1",
		"Feb 29 12:00:00 h p: x",
		"May  1 00:00:00.123456789 h su: + pts/0 a:b",
	} {
		f.Add(s)
	}
	d := NewDecoder(format.Options{RefTime: time.Date(2025, 5, 19, 0, 0, 0, 0, time.UTC), Location: time.FixedZone("X", 3600)})
	f.Fuzz(func(t *testing.T, line string) {
		n := 0
		d.Decode(line, event.Ref{Line: 1}, func(ev *event.Event) {
			n++
			if ev.Raw != line {
				t.Fatalf("Raw = %q, want the line", ev.Raw)
			}
			for _, s := range []string{ev.Host, ev.Process, ev.User, ev.TargetUser, ev.SourceIP, ev.CommandLine, ev.Message} {
				if !contains(line, s) {
					t.Fatalf("field %q is not from line %q", s, line)
				}
			}
			if ev.SourceIP != "" && !isIP(ev.SourceIP) {
				t.Fatalf("SourceIP %q is not an address", ev.SourceIP)
			}
			if !ev.Time.IsZero() && ev.Time.Location() != time.UTC {
				t.Fatalf("Time %v not in UTC", ev.Time)
			}
		})
		if n != 1 {
			t.Fatalf("%d events for one line", n)
		}
	})
}

// contains reports whether a field value came from the line; "root" and
// "anonymous" are the values the decoder writes itself (login's "ROOT LOGIN
// ON", ftpd's "ANONYMOUS FTP LOGIN").
func contains(line, s string) bool {
	return s == "" || s == "root" || s == "anonymous" || strings.Contains(line, s)
}
