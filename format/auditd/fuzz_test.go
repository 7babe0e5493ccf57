package auditd

import (
	"strings"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
)

// FuzzDecode feeds hostile lines to the decoder: it must never panic, must
// emit one event per line, and the typed fields it fills must come from the
// line (directly, or hex-decoded from it).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 a0=1522170 ppid=12041 pid=13393 auid=1000 uid=1000 comm="grep" exe="/usr/bin/grep" key="user_commands"`,
		`type=EXECVE msg=audit(1492037291.036:59): argc=3 a0="grep" a1="--color=auto" a2=2F746D70`,
		`node=web1 type=EXECVE msg=audit(1716087164.123:457): argc=4 a0="perl" a1_len=8 a1[0]=2D652070 a1[1]=72696E74 a2="x"`,
		`type=PROCTITLE msg=audit(1686666551.525:28860764): proctitle=64617368002D70`,
		`type=USER_LOGIN msg=audit(1493046015.752:42120): pid=18981 uid=0 msg='op=login acct="root" exe="/usr/sbin/sshd" hostname=? addr=46.160.144.250 terminal=ssh res=failed'`,
		"type=ADD_USER msg=audit(1716087211.502:480): pid=3100 msg='op=add-user id=1002 exe=\"/usr/sbin/useradd\" res=success'\x1dUID=\"root\" AUID=\"alice\"",
		`May 19 04:00:01 web1 kernel: [ 1234.567890] audit: type=1400 audit(1747627201.123:88): apparmor="DENIED" name="/etc/shadow"`,
		`type=EOE msg=audit(1.0:1)`,
	} {
		f.Add(s)
	}
	d := NewDecoder()
	f.Fuzz(func(t *testing.T, line string) {
		n := 0
		d.Decode(line, event.Ref{}, func(ev *event.Event) {
			n++
			if ev.Raw != line {
				t.Fatalf("Raw changed")
			}
			if ev.Host != "" && !strings.Contains(line, ev.Host) {
				t.Fatalf("Host %q not from line", ev.Host)
			}
			if ev.SourceIP != "" && !isIP(ev.SourceIP) {
				t.Fatalf("SourceIP %q is not an address", ev.SourceIP)
			}
			if ev.Kind != event.KindRaw && ev.Time.IsZero() && !strings.Contains(line, "audit(0.") {
				t.Fatalf("record without time: %q", line)
			}
		})
		if n != 1 {
			t.Fatalf("%d events", n)
		}
	})
}
