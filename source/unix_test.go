//go:build unix

package source

import (
	"syscall"
	"testing"
	"time"
)

func mkfifo(t *testing.T, path string, mode uint32) error {
	t.Helper()
	return syscall.Mkfifo(path, mode)
}

// cpuTime is the CPU time (user and system, all threads) this process has
// used. Benchmarks report throughput per CPU second too, because wall time on
// a shared machine measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
