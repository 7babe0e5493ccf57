package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/kizuki-dfir/kizuki/scan"
)

// isTerminal reports whether w is a terminal (progress and colours are for
// people, not for pipes and CI logs).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// pipeWidth is the summary's width when it goes to a file or a pipe (a CI
// log, a ticket): wide enough that addresses and counts are never cut.
const pipeWidth = 160

// termWidth is w's width in columns if it is a terminal, else pipeWidth.
func termWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return pipeWidth
	}
	if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols >= 60 {
		return cols
	}
	return 100
}

// startProgress draws a one-line progress display on w while a scan runs, if
// w is a terminal; it returns a function that stops and clears it.
func startProgress(w io.Writer, p *scan.Progress) func() {
	if !isTerminal(w) {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\x1b[K")
				return
			case <-tick.C:
				fmt.Fprint(w, "\r\x1b[K"+progressLine(p, time.Since(start)))
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

func progressLine(p *scan.Progress, elapsed time.Duration) string {
	read := p.ReadBytes.Load()
	rate := float64(read) / elapsed.Seconds()
	line := fmt.Sprintf("scanning: %d/%d files, %s read, %s/s", p.FilesDone.Load(), p.FilesTotal.Load(), human(read), human(int64(rate)))
	// The ETA counts on-disk bytes of finished files plus what was read of the
	// rest; compressed inputs make it an estimate, so it says "about".
	if total := p.TotalBytes.Load(); total > 0 && rate > 0 {
		doneBytes := min(max(p.DiskBytes.Load(), read), total)
		left := time.Duration(float64(total-doneBytes) / rate * float64(time.Second)).Round(time.Second)
		line += fmt.Sprintf(", %d%%, about %s left", doneBytes*100/total, left)
	}
	return line
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
