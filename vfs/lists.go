package vfs

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// listReader serves a list (failed.txt, skipped.txt, errors/<CODE>) from
// one state snapshot taken when it is made, rendering lines as they are
// read: the first bytes come at once however long the list, and memory
// holds one read's worth of lines, not the list.
//
// Reads at any offset give the bytes of that one snapshot. Reading on from
// where the last read stopped resumes the snapshot's iterator at the next
// path; reading backwards (less, a second pass) restarts from the nearest
// checkpoint, a (byte offset, path) pair noted every checkpointEvery bytes.
//
// Speed comes from rendering fast (straight from the stored bytes, by key
// ranges on all cores, a MiB a piece: state/snaplines.go,
// state/rangelines.go), not from serving an older complete rendering
// while a newer one is made: that would be faster still, but a reader
// told of a failure (mgw status) and opening failed.txt must find it, and
// a rendering kept current as failures are recorded would be a second,
// sorted copy of the list to maintain at every commit.
type listReader struct {
	mu    sync.Mutex
	v     *view
	snap  *state.Snapshot
	f     file
	scrub *scrubber
	head  []byte // errors/<CODE>: the header explaining the code

	buf    []byte // rendered bytes from offset off
	off    int64
	next   string       // path the next fill starts at
	lines  *state.Lines // renders ahead from next on; nil until a fill, and after a seek
	done   bool         // the snapshot has no lines after buf
	checks []checkpoint
	closed bool

	// tee receives the rendering while it is read from the start without
	// gaps; complete, it becomes the list's spool (spool.go).
	spools  *spools
	version uint64
	tee     *os.File
	teeOff  int64 // bytes written to tee
}

// listSource is what a list's file handle reads: a listReader rendering
// it, or a spoolReader serving a rendering of the same state version.
type listSource interface {
	ReadAt(p []byte, off int64) (int, error)
	Close()
}

type checkpoint struct {
	off  int64
	from string
}

// Variables for the tests, which make them small.
var (
	checkpointEvery int64 = 1 << 20
	fillAtMost      int64 = 4 << 20 // the most one fill renders, unless the read is larger
	// The least one fill renders: one iterator (open and seek) per MiB,
	// not one per 128 KiB read. It is what an open list holds in memory.
	fillAtLeast int64 = 1 << 20
)

const firstFill = 64 << 10 // the least the first fill renders

// openListSource opens a list for reading: check.txt from the agent's
// file; the others from their spool if the state has not changed since
// they were rendered, else rendered from a new snapshot.
func (v *view) openListSource(f file) listSource {
	if f.kind == kindCheck {
		return v.openCheck(f.job)
	}
	snap := v.lists.Snapshot()
	if sp := v.spools.open(f.path, snap.Version()); sp != nil {
		snap.Close()
		return sp
	}
	return v.newListReader(f, snap)
}

// openList renders a list from a new snapshot, never from a spool.
func (v *view) openList(f file) *listReader {
	return v.newListReader(f, v.lists.Snapshot())
}

// openCheck serves check.txt from the file the agent wrote (the agent
// scrubbed it), or says why there is none.
func (v *view) openCheck(job string) listSource {
	f, err := v.src.OpenCheck(job)
	if err != nil {
		if notExist(err) {
			return textSource(noCheck)
		}
		return textSource("cannot read the last check: " + err.Error() + "\n")
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return textSource("cannot read the last check: " + err.Error() + "\n")
	}
	return &spoolReader{f: f, size: fi.Size()}
}

const noCheck = "not checked yet: the agent checks a continuous job whose config says check: (weekly, daily...)\nonce it is synced; mgw check JOB checks any job now.\n"

// textSource serves a few bytes known at open.
type textSource string

func (t textSource) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(t)) {
		return 0, nil
	}
	return copy(p, t[off:]), nil
}

func (textSource) Close() {}

func (v *view) newListReader(f file, snap *state.Snapshot) *listReader {
	r := &listReader{v: v, snap: snap, f: f, scrub: newScrubber(v.src.Secrets()), spools: v.spools, version: snap.Version()}
	v.track(r, true)
	if f.kind == kindErrors {
		r.head = r.scrub.scrub(errorsHeader(f.code))
	}
	r.rewind()
	if r.tee = v.spools.create(f.path, r.version); r.tee != nil {
		r.teeWrite(r.buf, 0)
	}
	return r
}

// track notes an open list reader (open true) or forgets a closed one.
func (v *view) track(r *listReader, open bool) {
	v.openMu.Lock()
	defer v.openMu.Unlock()
	if !open {
		delete(v.open, r)
		return
	}
	if v.open == nil {
		v.open = map[*listReader]struct{}{}
	}
	v.open[r] = struct{}{}
}

// closeAll closes every open list reader, releasing its snapshot: at
// unmount, before the caller closes the state, though a reader may still
// hold the file open (later reads fail with EIO).
func (v *view) closeAll() {
	v.openMu.Lock()
	rs := make([]*listReader, 0, len(v.open))
	for r := range v.open {
		rs = append(rs, r)
	}
	v.openMu.Unlock()
	for _, r := range rs {
		r.Close()
	}
}

// teeWrite writes the rendered bytes b, which start at offset off, to the
// tee: the part after what it holds, if b joins it without a gap.
func (r *listReader) teeWrite(b []byte, off int64) {
	if r.tee == nil {
		return
	}
	if off > r.teeOff {
		r.dropTee() // a jump ahead: the spool would have a hole
		return
	}
	if end := off + int64(len(b)); end > r.teeOff {
		n, err := r.tee.Write(b[r.teeOff-off:])
		r.teeOff += int64(n)
		if err != nil {
			r.dropTee()
		}
	}
}

func (r *listReader) dropTee() {
	if r.tee != nil {
		r.tee.Close()
		os.Remove(r.tee.Name())
		r.tee = nil
	}
}

// rewind goes back to offset 0.
func (r *listReader) rewind() {
	r.closeLines()
	r.buf = append(r.buf[:0], r.head...)
	r.off, r.next, r.done = 0, "", false
	if len(r.checks) == 0 {
		r.checks = []checkpoint{{off: int64(len(r.head))}}
	}
}

// Close releases the snapshot.
func (r *listReader) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.v.track(r, false)
	r.closed = true
	r.closeLines() // its iterators before the snapshot
	r.snap.Close()
	r.buf = nil
	r.dropTee()
}

// ReadAt fills p with the bytes at off; it returns fewer only at the end.
func (r *listReader) ReadAt(p []byte, off int64) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return 0, errors.New("vfs: read after close")
	}
	if c, ok := r.checkpointFor(off); off < r.off || (ok && c.off > r.off+int64(len(r.buf))) {
		r.seek(off)
	}
	want := off + int64(len(p))
	for r.off+int64(len(r.buf)) < want && !r.done {
		// Drop what lies before off: sequential reads keep one fill.
		if drop := off - r.off; drop > 0 {
			drop = min(drop, int64(len(r.buf)))
			r.buf = r.buf[:copy(r.buf, r.buf[drop:])]
			r.off += drop
		}
		// At most fillAtMost at once: a read far ahead renders its way
		// there in steps, dropping each, instead of holding it all.
		// The first fill renders only what the read asks, so the first
		// bytes come at once; later ones at least fillAtLeast.
		least := fillAtLeast
		if r.next == "" {
			least = firstFill
		}
		if err := r.fill(min(max(want-r.off, least), max(fillAtMost, int64(len(p))))); err != nil {
			return 0, err
		}
	}
	if off >= r.off+int64(len(r.buf)) {
		return 0, nil
	}
	return copy(p, r.buf[off-r.off:]), nil
}

// checkpointFor returns the last checkpoint at or before off.
func (r *listReader) checkpointFor(off int64) (checkpoint, bool) {
	i := sort.Search(len(r.checks), func(i int) bool { return r.checks[i].off > off })
	if i == 0 {
		return checkpoint{}, false
	}
	return r.checks[i-1], true
}

// seek restarts rendering at the last checkpoint at or before off: reading
// backwards, or far ahead of what was rendered.
func (r *listReader) seek(off int64) {
	c, ok := r.checkpointFor(off)
	if !ok {
		r.rewind()
		return
	}
	r.closeLines()
	r.buf, r.off, r.next, r.done = r.buf[:0], c.off, c.from, false
}

// fill renders lines after buf until buf holds at least n bytes or the
// snapshot ends.
func (r *listReader) fill(n int64) error {
	end := r.off + int64(len(r.buf))
	defer func(start int) {
		r.teeWrite(r.buf[start:], end)
		if r.done && r.tee != nil {
			r.spools.publish(r.f.path, r.version, r.tee, r.teeOff)
			r.tee = nil
		}
	}(len(r.buf))
	if last := r.checks[len(r.checks)-1]; end >= last.off+checkpointEvery {
		r.checks = append(r.checks, checkpoint{off: end, from: r.next})
	}
	// Rendered ahead by key ranges in parallel, appended to buf and
	// scrubbed whole (state/rangelines.go says why this is fast).
	if r.lines == nil {
		// Pieces of the least a fill renders, and no more than the most.
		first, piece := int(firstFill), int(min(fillAtLeast, fillAtMost))
		if r.f.kind == kindSkipped {
			r.lines = r.snap.SkippedLines(r.f.job, r.next, first, piece)
		} else {
			code := ""
			if r.f.kind == kindErrors {
				code = r.f.code
			}
			r.lines = r.snap.FailedLines(r.f.job, r.next, code, first, piece)
		}
	}
	start := len(r.buf)
	var next string
	var done bool
	var err error
	r.buf, next, done, err = r.lines.Append(r.buf, int(n))
	if err != nil {
		r.buf = r.buf[:start]
		return err
	}
	if tail := r.buf[start:]; len(tail) > 0 {
		if s := r.scrub.scrubLines(tail); len(s) != len(tail) || &s[0] != &tail[0] {
			r.buf = append(r.buf[:start], s...) // s is a new slice
		}
	}
	r.next, r.done = next, done
	return nil
}

// closeLines stops the rendering ahead: the reader moved, or closes.
func (r *listReader) closeLines() {
	if r.lines != nil {
		r.lines.Close()
		r.lines = nil
	}
}

// errorsHeader is the top of errors/<CODE>: what the code means and what
// to do, each line starting with "# " so grep -v '^#' leaves the files.
func errorsHeader(code string) []byte {
	var b strings.Builder
	c, ok := codes.Lookup(code)
	if !ok {
		fmt.Fprintf(&b, "# %s\n#\n# mgw does not know this code.\n", code)
	} else {
		fmt.Fprintf(&b, "# %s: %s\n#\n", c.Name, c.Message)
		for _, l := range wrap("What to do: "+c.Remedy, 76) {
			fmt.Fprintf(&b, "# %s\n", l)
		}
	}
	fmt.Fprintf(&b, "#\n# Files failing with %s, one per line as in failed.txt:\n", code)
	b.WriteString("# path<TAB>code<TAB>message<TAB>attempts<TAB>last attempt\n")
	return []byte(b.String())
}

// wrap breaks s into lines of at most width bytes at spaces.
func wrap(s string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, w := range strings.Fields(s) {
		if cur.Len() > 0 && cur.Len()+1+len(w) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(w)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}
