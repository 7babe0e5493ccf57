package source

import (
	"io/fs"
	"syscall"
	"time"
)

// atime is a file's last access time, or zero where it cannot be read.
func atime(fi fs.FileInfo) time.Time {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return time.Time{}
	}
	return time.Unix(st.Atim.Sec, st.Atim.Nsec)
}
