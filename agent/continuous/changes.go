package continuous

import (
	"sort"
	"sync"
	"time"
)

// changeQueue aggregates the paths a watcher reports, per path, until each
// has been quiet for the settle time: a file written in many chunks is
// examined once, after its last write. Past maxChanges pending paths it
// gives up tracking them one by one and asks for a full pass instead,
// so a change storm costs bounded memory and loses nothing.
type changeQueue struct {
	mu   sync.Mutex
	m    map[string]*change
	full bool      // a full pass was asked for (overflow, too many changes)
	lost time.Time // when full was set: the oldest change it stands for
	max  int
}

type change struct{ first, last time.Time }

const maxChanges = 100_000

func newChangeQueue() *changeQueue {
	return &changeQueue{m: map[string]*change{}, max: maxChanges}
}

// add records a change of key seen at now.
func (q *changeQueue) add(key string, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if c, ok := q.m[key]; ok {
		c.last = now
		return
	}
	if len(q.m) >= q.max {
		q.fullLocked(q.oldestLocked())
		return
	}
	q.m[key] = &change{first: now, last: now}
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
	q.mu.Lock()
	defer q.mu.Unlock()
	q.fullLocked(at)
}

func (q *changeQueue) fullLocked(at time.Time) {
	if !q.full || at.Before(q.lost) {
		q.lost = at
	}
	q.full = true
	clear(q.m) // the full pass covers them
}

// ready removes and returns the keys quiet for settle at now, in key order
// (parents before children), and whether a full pass was asked for.
func (q *changeQueue) ready(now time.Time, settle time.Duration) (keys []string, full bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for k, c := range q.m {
		if now.Sub(c.last) >= settle {
			keys = append(keys, k)
			delete(q.m, k)
		}
	}
	full, q.full = q.full, false
	sort.Strings(keys)
	return keys, full
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
