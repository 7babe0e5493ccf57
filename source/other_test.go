//go:build !unix

package source

import (
	"testing"
	"time"
)

func mkfifo(t *testing.T, path string, mode uint32) error {
	t.Skip("no FIFOs on this system")
	return nil
}

func cpuTime() time.Duration { return 0 }
