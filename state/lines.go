package state

import (
	"strconv"
	"time"
)

// The lines below are the one format of mgw's lists, shared by the agent's
// reports, the CLI (mgw failed, mgw skipped) and the read-only view
// (failed.txt, skipped.txt, errors/<CODE>), so all of them print the same
// bytes for the same record. Fields are tab-separated; paths and messages
// are escaped by Escape, so every line is exactly one file.

// AppendFailedLine appends the failed-list line of path to b:
//
//	path<TAB>code<TAB>message<TAB>attempts<TAB>last attempt (RFC 3339, UTC)<LF>
func AppendFailedLine(b []byte, path string, f Failure) []byte {
	b = append(b, Escape(path)...)
	b = append(b, '\t')
	b = append(b, Escape(f.Code)...)
	b = append(b, '\t')
	b = append(b, Escape(f.Message)...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(f.Attempts), 10)
	b = append(b, '\t')
	b = f.Last.UTC().AppendFormat(b, time.RFC3339)
	return append(b, '\n')
}

// FailedLine is AppendFailedLine as a string.
func FailedLine(path string, f Failure) string {
	return string(AppendFailedLine(nil, path, f))
}

// AppendSkippedLine appends the skipped-list line of path to b:
//
//	path<TAB>reason<LF>
func AppendSkippedLine(b []byte, path string, k Skip) []byte {
	b = append(b, Escape(path)...)
	b = append(b, '\t')
	b = append(b, Escape(k.Reason)...)
	return append(b, '\n')
}

// SkippedLine is AppendSkippedLine as a string.
func SkippedLine(path string, k Skip) string {
	return string(AppendSkippedLine(nil, path, k))
}

// AppendCheckLine appends one finding of `mgw check` to b:
//
//	category<TAB>path<TAB>detail<LF>
func AppendCheckLine(b []byte, category, path, detail string) []byte {
	b = append(b, category...)
	b = append(b, '\t')
	b = append(b, Escape(path)...)
	b = append(b, '\t')
	b = append(b, Escape(detail)...)
	return append(b, '\n')
}
