package source

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// openEvidence opens name read-only without updating its access time, which
// is itself evidence (when a log was last read). O_NOATIME is only granted to
// the file's owner or a process with CAP_FOWNER, so it falls back to a plain
// read-only open.
func openEvidence(name string) (*os.File, error) {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOATIME, 0)
	if errors.Is(err, fs.ErrPermission) {
		return os.Open(name)
	}
	return f, err
}
