//go:build unix

package source

import (
	"syscall"
	"testing"
)

func mkfifo(t *testing.T, path string, mode uint32) error {
	t.Helper()
	return syscall.Mkfifo(path, mode)
}
