package auditd

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/kizuki-dfir/kizuki/event"
)

// typeNames names the numeric types the kernel prints when auditd is not
// running (kernel: audit: type=1400 audit(...)); from linux/audit.h.
var typeNames = map[string]string{
	"1100": "USER_AUTH", "1101": "USER_ACCT", "1102": "USER_MGMT", "1103": "CRED_ACQ",
	"1104": "CRED_DISP", "1105": "USER_START", "1106": "USER_END", "1107": "USER_AVC",
	"1108": "USER_CHAUTHTOK", "1109": "USER_ERR", "1110": "CRED_REFR", "1111": "USYS_CONFIG",
	"1112": "USER_LOGIN", "1113": "USER_LOGOUT", "1114": "ADD_USER", "1115": "DEL_USER",
	"1116": "ADD_GROUP", "1117": "DEL_GROUP", "1123": "USER_CMD", "1124": "USER_TTY",
	"1300": "SYSCALL", "1302": "PATH", "1305": "CONFIG_CHANGE", "1306": "SOCKADDR",
	"1307": "CWD", "1309": "EXECVE", "1326": "SECCOMP", "1327": "PROCTITLE",
	"1400": "AVC", "1401": "SELINUX_ERR",
}

// hexFields are the fields the kernel and libaudit log as untrusted strings:
// quoted when printable, hex-encoded otherwise.
var hexFields = map[string]bool{
	"proctitle": true, "comm": true, "exe": true, "name": true, "cwd": true, "path": true,
	"cmd": true, "acct": true, "data": true, "key": true, "ocomm": true, "watch": true,
	"dir": true, "file": true, "profile": true,
}

// knownKeys maps the common field names to their Extra names, so decoding
// them does not build strings.
var knownKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range strings.Fields(`type serial arch syscall success exit a0 a1 a2 a3 a4 a5 a6 a7 a8 a9
		items ppid pid auid uid gid euid suid fsuid egid sgid fsgid tty ses comm exe subj key
		argc proctitle cwd item name inode dev mode ouid ogid rdev nametype cap_fp cap_fi cap_fe
		cap_fver cap_frootid op grantors acct hostname addr terminal res id unit cmd msg
		old-auid old-ses tty_pgrp saddr apparmor operation profile denied_mask requested_mask
		fsuid AUID UID GID EUID SUID FSUID EGID SGID FSGID ARCH SYSCALL OUID OGID
		SADDR a0_len a1_len a2_len a3_len`) {
		m[k] = "auditd." + k
	}
	return m
}()

// userActions names what the user-space records report, in the vocabulary
// of format/syslog where the same thing happens.
var userActions = map[string]string{
	"USER_LOGIN":     "user_login",
	"USER_LOGOUT":    "user_logout",
	"USER_AUTH":      "user_auth",
	"USER_ACCT":      "user_acct",
	"USER_CMD":       "user_cmd",
	"USER_START":     "session_opened",
	"USER_END":       "session_closed",
	"USER_ERR":       "user_error",
	"CRED_ACQ":       "cred_acq",
	"CRED_DISP":      "cred_disp",
	"CRED_REFR":      "cred_refr",
	"ADD_USER":       "user_created",
	"DEL_USER":       "user_deleted",
	"ADD_GROUP":      "group_created",
	"DEL_GROUP":      "group_deleted",
	"USER_CHAUTHTOK": "password_changed",
	"USER_MGMT":      "user_changed",
	"GRP_MGMT":       "group_changed",
}

// accountRecords name an account acted on (acct=) rather than the actor.
var accountRecords = map[string]bool{
	"ADD_USER": true, "DEL_USER": true, "ADD_GROUP": true, "DEL_GROUP": true,
	"USER_CHAUTHTOK": true, "USER_MGMT": true, "GRP_MGMT": true,
}

// interpret fills the typed fields from the auditd.* keys of one record.
func (d *Decoder) interpret(ev *event.Event, typ string) {
	switch typ {
	case "EXECVE":
		ev.Kind = event.KindProcess
		ev.Action = "process_started"
		if len(d.args) > 0 {
			ev.Process = basename(d.args[0])
			ev.CommandLine = strings.Join(d.args, " ")
		}
		return
	case "PROCTITLE":
		// The kernel separates arguments with NUL bytes.
		if p := d.seen.proctitle; p != "" {
			ev.CommandLine = strings.ReplaceAll(p, "\x00", " ")
		}
		return
	case "SYSCALL":
		ev.PID = atoi(d.seen.pid)
		ev.Process = d.seen.comm
		if exe := d.seen.exe; exe != "" {
			d.add(ev, "process.executable", exe)
		}
		if ppid := d.seen.ppid; ppid != "" {
			d.add(ev, "process.parent.pid", ppid)
		}
		if uid := d.seen.uid; uid != "" {
			d.add(ev, "user.id", uid)
		}
		ev.User = d.seen.enrichedUID
		switch d.seen.success {
		case "yes":
			ev.Outcome = event.OutcomeSuccess
		case "no":
			ev.Outcome = event.OutcomeFailure
		}
		return
	}
	action, ok := userActions[typ]
	if !ok {
		return
	}
	ev.Kind = event.KindAuth
	ev.Action = action
	ev.PID = atoi(d.seen.pid)
	if exe := d.seen.exe; exe != "" {
		ev.Process = basename(exe)
		d.add(ev, "process.executable", exe)
	}
	switch d.seen.res {
	case "success", "yes":
		ev.Outcome = event.OutcomeSuccess
	case "failed", "no":
		ev.Outcome = event.OutcomeFailure
	}
	acct := d.seen.acct
	if acct == "?" {
		acct = ""
	}
	if accountRecords[typ] {
		ev.TargetUser = acct
		ev.User = d.seen.enrichedAUID
	} else {
		ev.User = acct
	}
	if addr := d.seen.addr; isIP(addr) {
		ev.SourceIP = addr
	}
	if h := d.seen.hostname; h != "" && h != "?" && h != ev.SourceIP {
		d.add(ev, "source.domain", h)
	}
	if typ == "USER_CMD" {
		ev.CommandLine = d.seen.cmd
	}
}

// isIP reports whether s is a literal address; names are rejected before
// ParseAddr, whose error values allocate.
func isIP(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F' || b == '.' || b == ':') {
			return false
		}
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

func atoi(s string) int {
	if len(s) > 9 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}
