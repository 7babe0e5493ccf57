//go:build !unix

package source

import "testing"

func mkfifo(t *testing.T, path string, mode uint32) error {
	t.Skip("no FIFOs on this system")
	return nil
}
