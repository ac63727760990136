package state

import (
	"bytes"
	"runtime"
	"sort"
	"sync"
)

// Rendering failed.txt is mostly Badger's iteration (about 60% of it),
// and one iterator runs on one core. Lines renders a list by key ranges
// instead: the job's keys are split at the boundaries of Badger's tables,
// LineWorkers goroutines each render one range at a time into pieces of
// about a MiB, and the pieces are handed out in key order, so the bytes
// are those of the sequential rendering (AppendFailedLines) while the
// rendering runs ahead of the reader, on several cores at once.
//
// Every range reads the one snapshot: a read-only Badger transaction
// serves iterators from several goroutines at once (Badger's own Stream
// does the same). Each piece opens its own iterator and closes it before
// waiting for the reader, so an idle open list pins no memtable.
//
// Memory: at most `workers` ranges are in flight, each holding at most
// one finished piece waiting for the reader and one being rendered: about
// 2 × workers × piece bytes (2 MiB with 2 cores and 1 MiB pieces), and
// the buffers handed out are kept for reuse until the next GC.

// LineWorkers is how many goroutines render one list at once; 0 means
// one per core but one (at least one, at most 4). The core left free
// serves the reader: with a renderer on every core (Go's Ps), the FUSE
// goroutines wait for a renderer's time slice to end, and under load
// (2 cores, load average 16) two renderers read slower than one. The
// benchmark sets it (fusebench -render-workers) to compare.
var LineWorkers = 0

func lineWorkers() int {
	if LineWorkers > 0 {
		return LineWorkers
	}
	return min(max(runtime.GOMAXPROCS(0)-1, 1), 4)
}

// Lines is a list's lines from a path on, rendered ahead in parallel.
// It is used by one goroutine at a time; Close it before the snapshot.
type Lines struct {
	order chan rangeOut // ranges in key order, as they are started
	stop  chan struct{}
	wg    sync.WaitGroup
	cur   *rangeOut // the range being handed out
	next  string    // path the bytes not yet handed out start at
	ended bool
	err   error
}

// pieceBufs holds the buffers of pieces handed out, for the next pieces
// of any list: a 1 MiB allocation a piece, zeroed, was a tenth of the
// rendering.
var pieceBufs sync.Pool

// rangeOut is one range's pieces, in order; the channel closes after the
// last (or after a piece with an error).
type rangeOut struct {
	pieces chan piece
	end    string // the range's end; "" for the last range
}

type piece struct {
	b    []byte
	next string // path after the piece's last line
	err  error
}

// FailedLines renders the failed-list lines of job from path from on, as
// AppendFailedLines does, code keeping only that code's lines; each piece
// holds at least pieceBytes (the first at least firstBytes, so the first
// bytes come at once), except the last of each range.
func (p *Snapshot) FailedLines(job, from, code string, firstBytes, pieceBytes int) *Lines {
	return p.lines(KindFailure, job, from, firstBytes, pieceBytes, func() lineFunc { return failedLine(code) })
}

// SkippedLines is FailedLines for the skipped-list lines.
func (p *Snapshot) SkippedLines(job, from string, firstBytes, pieceBytes int) *Lines {
	return p.lines(KindSkip, job, from, firstBytes, pieceBytes, func() lineFunc { return skippedLine })
}

func (p *Snapshot) lines(kind byte, job, from string, firstBytes, pieceBytes int, newLine func() lineFunc) *Lines {
	return p.rangeLines(kind, job, from, p.splits(kind, job, from), firstBytes, pieceBytes, newLine)
}

// rangeLines renders the ranges between splits (sorted, each after from).
func (p *Snapshot) rangeLines(kind byte, job, from string, splits []string, firstBytes, pieceBytes int, newLine func() lineFunc) *Lines {
	workers := lineWorkers()
	l := &Lines{order: make(chan rangeOut, workers), stop: make(chan struct{}), next: from}
	l.wg.Add(1)
	go func() { // starts the ranges in order, at most workers at once
		defer l.wg.Done()
		defer close(l.order)
		slots := make(chan struct{}, workers)
		start := from
		for i := 0; i <= len(splits); i++ {
			end := ""
			if i < len(splits) {
				end = splits[i]
			}
			select {
			case slots <- struct{}{}:
			case <-l.stop:
				return
			}
			out := rangeOut{pieces: make(chan piece, 1), end: end}
			select {
			case l.order <- out:
			case <-l.stop:
				return
			}
			limit := pieceBytes
			if i == 0 {
				limit = firstBytes
			}
			l.wg.Add(1)
			go func(start string) {
				defer l.wg.Done()
				defer func() { <-slots }()
				l.render(p, kind, job, start, end, limit, pieceBytes, newLine(), out.pieces)
			}(start)
			start = end
		}
	}()
	return l
}

// render sends the pieces of the range [from, end) to out, then closes it.
func (l *Lines) render(p *Snapshot, kind byte, job, from, end string, limit, pieceBytes int, line lineFunc, out chan<- piece) {
	defer close(out)
	for {
		var b []byte
		if pb, ok := pieceBufs.Get().(*[]byte); ok {
			b = (*pb)[:0]
		} else {
			b = make([]byte, 0, limit+limit/8)
		}
		b, next, done, err := snapLines(p, kind, job, from, end, b, limit, true, line)
		if done {
			next = end
		}
		select {
		case out <- piece{b: b, next: next, err: err}:
		case <-l.stop:
			return
		}
		if done || err != nil {
			return
		}
		from, limit = next, pieceBytes
	}
}

// splits returns the paths at which to split job's keys of kind after
// from: the first and last keys of Badger's tables, which cut the keys
// into ranges of at most a table's worth (a few MiB). Keys still in the
// memtables are rendered by whichever range covers them.
func (p *Snapshot) splits(kind byte, job, from string) []string {
	prefix := JobPrefix(kind, job)
	var s []string
	for _, t := range p.db.Tables() {
		for _, k := range [][]byte{t.Left, t.Right} {
			if len(k) < 8 { // a key ends in its 8-byte version
				continue
			}
			if k = k[:len(k)-8]; bytes.HasPrefix(k, prefix) && string(k[len(prefix):]) > from {
				s = append(s, string(k[len(prefix):]))
			}
		}
	}
	sort.Strings(s)
	return compactStrings(s)
}

func compactStrings(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// Next is the path the next Append starts at.
func (l *Lines) Next() string { return l.next }

// Append appends the next pieces to b until b holds at least limit bytes
// or the lines end. It returns b, the path to resume from and whether the
// lines ended, as AppendFailedLines does.
func (l *Lines) Append(b []byte, limit int) ([]byte, string, bool, error) {
	for !l.ended && l.err == nil && len(b) < limit {
		if l.cur == nil {
			r, ok := <-l.order
			if !ok {
				l.ended = true
				break
			}
			l.cur = &r
		}
		pc, ok := <-l.cur.pieces
		if !ok {
			if l.cur.end == "" {
				l.ended = true
			}
			l.cur = nil
			continue
		}
		if pc.err != nil {
			l.err = pc.err
			break
		}
		b = append(b, pc.b...)
		l.next = pc.next
		pieceBufs.Put(&pc.b)
	}
	if l.ended {
		return b, "", true, nil
	}
	return b, l.next, false, l.err
}

// Close stops the rendering and waits for its goroutines, whose
// iterators must be closed before the snapshot is.
func (l *Lines) Close() {
	if l.stop == nil {
		return
	}
	close(l.stop)
	l.wg.Wait()
	l.stop = nil
}
