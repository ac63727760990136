package nfs

import (
	"container/list"
	"strings"
	"sync"
	"time"
)

// handles remembers file handles the server gave, by export path, for all
// the connections of one address: an NFS file handle names a file on the
// server whatever the connection, so a folder looked up (or listed) once
// need not be looked up again, and a file listed with READDIRPLUS can be
// read without a LOOKUP at all. This is what the kernel's NFS client does
// with its dentry cache, with the same kind of time limit.
//
// A handle found here may be out of date in two ways, both harmless:
//
//   - The server forgot it (a restart, the file or folder deleted): the
//     call answers NFS3ERR_STALE and the caller looks the path up afresh
//     (forgetting the handle, or all of them if even a fresh lookup is
//     stale: then the connection is broken, and the pool replaces it).
//   - The path was renamed or replaced since: the handle still names what
//     stood at the path when the server gave it, which is what the listing
//     saw. A copy checks the identity the listing gave (size, mtime, ctime,
//     file id) against the attributes the server sends with the read, so
//     the bytes copied are the listed file's or the copy is retried as
//     changed; the next listing sees the new file and the handles it sends
//     replace the old ones.
//
// Folder handles are kept for handleTTL and reused; a file handle, kept
// from a listing for the one read that follows it, is taken out when used.
// Both are bounded (the oldest go first), so a tree of any size holds a
// few MiB at most.
type handles struct {
	mu    sync.Mutex
	dirs  lru
	files lru
	ttl   time.Duration
	now   func() time.Time
}

// Bounds of the cache. The engine lists at most a couple of thousand
// files ahead of its copiers; more folders than maxDirs are looked up
// again now and then.
const (
	maxDirs   = 4096
	maxFiles  = 8192
	handleTTL = time.Minute
)

func newHandles() *handles {
	return &handles{dirs: newLRU(maxDirs), files: newLRU(maxFiles), ttl: handleTTL, now: time.Now}
}

// dir returns the handle of folder p, if known and fresh. A nil *handles
// knows nothing.
func (h *handles) dir(p string) []byte {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dirs.get(p, h.now().Add(-h.ttl), false)
}

// takeFile returns the handle of file p, if a listing left a fresh one,
// and forgets it.
func (h *handles) takeFile(p string) []byte {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.files.get(p, h.now().Add(-h.ttl), true)
}

// putDir remembers the handle of folder p.
func (h *handles) putDir(p string, fh []byte) {
	if h == nil || len(fh) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files.remove(p)
	h.dirs.put(p, fh, h.now())
}

// putFile remembers the handle of file p for the read that follows.
func (h *handles) putFile(p string, fh []byte) {
	if h == nil || len(fh) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dirs.remove(p)
	h.files.put(p, fh, h.now())
}

// forget drops what is known of p and, if it is a folder, of the paths
// under it.
func (h *handles) forget(p string) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.files.remove(p)
	if h.dirs.remove(p) {
		h.dirs.removeUnder(p)
		h.files.removeUnder(p)
	}
}

// clear forgets every handle: the server no longer knows them.
func (h *handles) clear() {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.dirs.clear()
	h.files.clear()
}

// lru is a map of paths to handles that keeps the most recently used
// ones, up to max.
type lru struct {
	max   int
	order *list.List // of *handleEntry, the most recently used first
	m     map[string]*list.Element
}

type handleEntry struct {
	path string
	fh   []byte
	at   time.Time // when the server gave it
}

func newLRU(max int) lru { return lru{max: max, order: list.New(), m: map[string]*list.Element{}} }

// get returns p's handle if it was given after since; take removes it.
func (l *lru) get(p string, since time.Time, take bool) []byte {
	el, ok := l.m[p]
	if !ok {
		return nil
	}
	e := el.Value.(*handleEntry)
	if e.at.Before(since) || take {
		l.order.Remove(el)
		delete(l.m, p)
		if take && !e.at.Before(since) {
			return e.fh
		}
		return nil
	}
	l.order.MoveToFront(el)
	return e.fh
}

func (l *lru) put(p string, fh []byte, at time.Time) {
	if el, ok := l.m[p]; ok {
		e := el.Value.(*handleEntry)
		e.fh, e.at = fh, at
		l.order.MoveToFront(el)
		return
	}
	l.m[p] = l.order.PushFront(&handleEntry{path: p, fh: fh, at: at})
	for l.order.Len() > l.max {
		el := l.order.Back()
		l.order.Remove(el)
		delete(l.m, el.Value.(*handleEntry).path)
	}
}

func (l *lru) remove(p string) bool {
	el, ok := l.m[p]
	if ok {
		l.order.Remove(el)
		delete(l.m, p)
	}
	return ok
}

// removeUnder drops the paths under folder p ("" is the root).
func (l *lru) removeUnder(p string) {
	prefix := p + "/"
	for q, el := range l.m {
		if p == "" || strings.HasPrefix(q, prefix) {
			l.order.Remove(el)
			delete(l.m, q)
		}
	}
}

func (l *lru) clear() {
	l.order.Init()
	clear(l.m)
}
