package main

import (
	"fmt"
	"os"
	"time"

	"github.com/dustin/go-humanize"
	"golang.org/x/term"

	"github.com/mgw-dev/mgw/agent"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// statusLine is the one-line progress shown on a terminal: files and bytes
// done of those to copy, rate, ETA (once the scan has counted everything).
func statusLine(s agent.Snapshot) string {
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
