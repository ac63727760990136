package continuous

import (
	"sort"
	"sync"
	"time"
)

// changeQueue aggregates the paths a watcher reports, per path, until each
// is ready: closed by its writer after writing (the watch saw a
// close-after-write and no write since), or else quiet for the settle
// time, so that a file written in many chunks by a writer that keeps it
// open is examined once, after its last write. Past maxChanges pending
// paths it gives up tracking them one by one and asks for a full pass
// instead, so a change storm costs bounded memory and loses nothing.
type changeQueue struct {
	mu   sync.Mutex
	m    map[string]*change
	full bool      // a full pass was asked for (overflow, too many changes)
	lost time.Time // when full was set: the oldest change it stands for
	max  int
	// wake is poked (never blocking) when a change is recorded, so that
	// the job arms its timer only when there is something to wait for.
	wake chan struct{}
	// urgent is set with a change that is ready at once (closed by its
	// writer, a full pass asked for): it must not wait for an armed timer.
	urgent bool
}

// change is one pending path. closed is set by a close-after-write and
// cleared by any later change: a write after the close means a writer has
// the file open again, and the settle rule applies once more.
type change struct {
	first, last time.Time
	closed      bool
}

const maxChanges = 100_000

func newChangeQueue() *changeQueue {
	return &changeQueue{m: map[string]*change{}, max: maxChanges, wake: make(chan struct{}, 1)}
}

func (q *changeQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// add records a change of key seen at now: it settles before it is ready.
func (q *changeQueue) add(key string, now time.Time) {
	q.record(key, now, func(c *change) { c.closed = false })
}

// closed records that key's writer closed it after writing, at now: it is
// ready at once, unless it changes again first.
func (q *changeQueue) closed(key string, now time.Time) {
	q.record(key, now, func(c *change) { c.closed, q.urgent = true, true })
}

// takeUrgent reports whether a change ready at once was recorded since
// the last call.
func (q *changeQueue) takeUrgent() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.urgent
	q.urgent = false
	return u
}

// rescanWake wakes the job to look at the queue again (a pause ended).
func (q *changeQueue) rescanWake() {
	q.mu.Lock()
	q.urgent = true
	q.mu.Unlock()
	q.poke()
}

// note records that key was modified recently (a pass saw its mtime):
// it waits to settle, unless a close-after-write was already seen.
func (q *changeQueue) note(key string, now time.Time) {
	q.record(key, now, func(*change) {})
}

func (q *changeQueue) record(key string, now time.Time, set func(*change)) {
	defer q.poke()
	q.mu.Lock()
	defer q.mu.Unlock()
	if c, ok := q.m[key]; ok {
		c.last = now
		set(c)
		return
	}
	if len(q.m) >= q.max {
		q.fullLocked(q.oldestLocked())
		return
	}
	c := &change{first: now, last: now}
	set(c)
	q.m[key] = c
}

// pending reports whether key has a change waiting to settle.
func (q *changeQueue) pending(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	_, ok := q.m[key]
	return ok
}

// each calls fn for every pending change (unordered).
func (q *changeQueue) each(fn func(key string, first time.Time)) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, c := range q.m {
		fn(k, c.first)
	}
}

// rescan asks for a full pass standing for changes seen since at.
func (q *changeQueue) rescan(at time.Time) {
	defer q.poke()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fullLocked(at)
}

func (q *changeQueue) fullLocked(at time.Time) {
	if !q.full || at.Before(q.lost) {
		q.lost = at
	}
	q.full, q.urgent = true, true
	clear(q.m) // the full pass covers them
}

// ready removes and returns the keys closed by their writer or quiet for
// settle at now, in key order (parents before children), and whether a
// full pass was asked for.
func (q *changeQueue) ready(now time.Time, settle time.Duration) (keys []string, full bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, c := range q.m {
		if c.closed || now.Sub(c.last) >= settle {
			keys = append(keys, k)
			delete(q.m, k)
		}
	}
	full, q.full = q.full, false
	sort.Strings(keys)
	return keys, full
}

// next returns when the earliest pending change will be ready (now or
// before for one that is ready already), and false when none is pending:
// the job then sleeps until the next change.
func (q *changeQueue) next(settle time.Duration) (at time.Time, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.full {
		return time.Time{}, true
	}
	for _, c := range q.m {
		due := c.last.Add(settle)
		if c.closed {
			due = c.last
		}
		if !ok || due.Before(at) {
			at, ok = due, true
		}
	}
	return at, ok
}

// oldest is when the oldest pending change was first seen (zero if none).
func (q *changeQueue) oldest() time.Time {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.oldestLocked()
}

func (q *changeQueue) oldestLocked() time.Time {
	o := q.lost
	if !q.full {
		o = time.Time{}
	}
	for _, c := range q.m {
		if o.IsZero() || c.first.Before(o) {
			o = c.first
		}
	}
	return o
}

func (q *changeQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.m)
}
