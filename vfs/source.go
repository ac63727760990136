// Package vfs is the read-only view of an agent's state: a FUSE mount
// (Linux) or, where FUSE is unavailable, the same tree written as plain
// files into a status directory. It reads through two narrow interfaces,
// Source (the agent's live view) and Lists (the state's failure and skip
// lists), and never talks to connectors.
//
// The tree (README describes every file to its readers):
//
//	README
//	agent/status, agent/metrics
//	addresses/<name>/config, addresses/<name>/check
//	jobs/<job>/status, status.json, config, report.txt, pending.txt
//	jobs/<job>/failed.txt, skipped.txt, errors/<CODE>, check.txt
package vfs

import (
	"io"
	"os"
	"time"

	"github.com/mgw-dev/mgw/state"
)

// Source is what the agent tells the view. Every method must be safe to
// call from many goroutines at once and must answer quickly: the view calls
// them while a reader waits.
type Source interface {
	// Jobs and Addresses name the jobs and data addresses, in the order the
	// view lists them.
	Jobs() []string
	Addresses() []string

	// Text returns the content of one small file, as of the call:
	//
	//	agent/status, agent/metrics
	//	addresses/<a>/config   (secrets replaced by ****)
	//	addresses/<a>/check
	//	jobs/<j>/status, jobs/<j>/status.json, jobs/<j>/report.txt, jobs/<j>/config
	//
	// An error wrapping fs.ErrNotExist means there is no such file (an
	// address never verified has no check); the view answers ENOENT.
	Text(path string) ([]byte, error)

	// WritePending writes jobs/<job>/pending.txt, the files queued or in
	// flight as of the call, one per line: the state.Escape'd path, a tab,
	// and when its change was seen (RFC 3339, UTC).
	WritePending(job string, w io.Writer) error

	// OpenCheck opens jobs/<job>/check.txt, the result of the job's last
	// check: a file the agent replaces whole and never writes in place, so
	// one open reads one check, and which it wrote scrubbed of secrets.
	// An error wrapping fs.ErrNotExist means the job was never checked.
	OpenCheck(job string) (*os.File, error)

	// ModTime is when the content of path (a file or directory above) last
	// changed, for ls -l and for tools that poll; zero means unknown (the
	// view then shows the time it was mounted). For jobs/<j>/failed.txt and
	// skipped.txt it should change whenever a failure or skip of the job is
	// recorded or cleared: the status directory rewrites a list only then
	// (zero: at every refresh).
	ModTime(path string) time.Time

	// Secrets lists every secret value the agent's configuration holds.
	// Text should never contain one; the view replaces any it meets in any
	// file (failure messages included) with ****, as a last line of defence.
	// Values shorter than MinSecretLen are not searched for: they would
	// mangle ordinary text.
	Secrets() []string
}

// MinSecretLen is the shortest secret the view scrubs from what it serves.
const MinSecretLen = 4

// Lists gives the large lists, failed and skipped files, from a read
// snapshot of the state, so a file served from it never shows a torn line
// or an entry twice while the agent keeps recording. *state.Store
// satisfies it.
type Lists interface {
	Snapshot() *state.Snapshot
}

var _ Lists = (*state.Store)(nil)
