package main

import (
	"fmt"
	"os"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"github.com/mgw-dev/mgw/agent/engine"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// statusLine is the one-line progress shown on a terminal: files and bytes
// done of those to copy, rate, ETA (once the scan has counted everything).
func statusLine(s engine.Snapshot) string {
	scan := "scanning"
	if s.ScanDone {
		scan = "scanned"
	}
	eta := "--"
	if d, ok := s.ETA(); ok {
		eta = d.Round(time.Second).String()
	}
	return fmt.Sprintf("%s %d | copied %d/%d files, %s/%s | %s/s, %.0f files/s | ETA %s | unchanged %d skipped %d failed %d",
		scan, s.FilesScanned, s.FilesCopied, s.FilesToCopy,
		humanize.IBytes(uint64(s.BytesCopied)), humanize.IBytes(uint64(s.BytesToCopy)),
		humanize.IBytes(uint64(s.Rate)), s.FileRate, eta, s.FilesUnchanged, s.FilesSkipped, s.FilesFailed)
}

// syncLine is the status line of a continuous job.
func syncLine(s engine.Status) string {
	state := s.State
	if s.Code != "" {
		state += " (" + s.Code + ")"
	}
	last := "never"
	if !s.LastScan.IsZero() {
		last = time.Since(s.LastScan).Round(time.Second).String() + " ago"
	}
	return fmt.Sprintf("%s | queued %d files, %s | in flight %d | lag %s | copied %d deleted %d failed %d | last scan %s | %s",
		state, s.Progress.FilesQueued, humanize.IBytes(uint64(s.Progress.BytesQueued)), s.Progress.InFlight,
		s.Lag.Round(100*time.Millisecond), s.Progress.FilesCopied, s.Progress.Deleted, s.Progress.FilesFailed, last, s.Watch)
}
