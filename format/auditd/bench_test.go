package auditd

import (
	"path/filepath"
	"testing"

	"github.com/kizuki-dfir/kizuki/event"
	"github.com/kizuki-dfir/kizuki/format/formattest"
)

func benchLines(b *testing.B, lines []string) {
	d := NewDecoder()
	var size int64
	for _, l := range lines {
		size += int64(len(l)) + 1
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	emit := func(ev *event.Event) { n += len(ev.Extra) }
	for i := 0; i < b.N; i++ {
		for j, l := range lines {
			d.Decode(l, event.Ref{Line: int64(j)}, emit)
		}
	}
	_ = n
}

// BenchmarkAuditLog decodes testdata/audit.log: a mix of SYSCALL, EXECVE,
// PATH, PROCTITLE and user-space records.
func BenchmarkAuditLog(b *testing.B) {
	benchLines(b, formattest.ReadLines(b, filepath.Join("testdata", "audit.log")))
}

// BenchmarkSyscall decodes the record that dominates busy audit logs.
func BenchmarkSyscall(b *testing.B) {
	benchLines(b, []string{`type=SYSCALL msg=audit(1492037291.036:59): arch=c000003e syscall=59 success=yes exit=0 a0=1522170 a1=1506120 a2=14faeb0 a3=7ffcc4582df0 items=2 ppid=12041 pid=13393 auid=1000 uid=1000 gid=1001 euid=1000 suid=1000 fsuid=1000 egid=1001 sgid=1001 fsgid=1001 tty=pts1 ses=802 comm="grep" exe="/usr/bin/grep" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key="user_commands"`})
}
