package main

import (
	"crypto/rand"
	"io/fs"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	nfs "github.com/willscott/go-nfs"
)

// handleTable gives file handles as go-nfs's helpers.CachingHandler does
// (a random one per path, for the server's life: a restarted server
// answers NFS3ERR_STALE to the old ones), but finds the path of a handle
// in one map look-up. CachingHandler's FromHandle walks every handle it
// ever gave, on every call, so that a tree of 20,000 files makes each
// READ or LOOKUP cost the server milliseconds and a benchmark measures
// the test server. The folder listings' cookie verifiers stay
// CachingHandler's (h.Handler).
type handleTable struct {
	nfs.Handler
	limit  int
	mu     sync.RWMutex
	byID   map[handleID]handleEntry
	byPath map[string]handleID
}

// handleID is a handle: 16 random bytes, as CachingHandler's UUIDs.
type handleID [16]byte

type handleEntry struct {
	fs   billy.Filesystem
	path []string
}

// newHandleTable serves h's files with up to limit handles: past that, it
// forgets them all, as a restart would.
func newHandleTable(h nfs.Handler, limit int) *handleTable {
	return &handleTable{Handler: h, limit: limit, byID: map[handleID]handleEntry{}, byPath: map[string]handleID{}}
}

// key names a path; the server exports one file system.
func key(path []string) string { return strings.Join(path, "/") }

func (t *handleTable) ToHandle(f billy.Filesystem, path []string) []byte {
	k := key(path)
	t.mu.RLock()
	id, ok := t.byPath[k]
	t.mu.RUnlock()
	if ok {
		return id[:]
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if id, ok := t.byPath[k]; ok {
		return id[:]
	}
	if len(t.byID) >= t.limit {
		clear(t.byID)
		clear(t.byPath)
	}
	rand.Read(id[:])
	t.byID[id] = handleEntry{fs: f, path: append([]string(nil), path...)}
	t.byPath[k] = id
	return id[:]
}

func (t *handleTable) FromHandle(fh []byte) (billy.Filesystem, []string, error) {
	if len(fh) != len(handleID{}) {
		return nil, nil, &nfs.NFSStatusError{NFSStatus: nfs.NFSStatusBadHandle}
	}
	id := handleID(fh)
	t.mu.RLock()
	e, ok := t.byID[id]
	t.mu.RUnlock()
	if !ok {
		return nil, nil, &nfs.NFSStatusError{NFSStatus: nfs.NFSStatusStale}
	}
	return e.fs, append([]string(nil), e.path...), nil
}

func (t *handleTable) InvalidateHandle(_ billy.Filesystem, fh []byte) error {
	if len(fh) != len(handleID{}) {
		return nil
	}
	id := handleID(fh)
	t.mu.Lock()
	defer t.mu.Unlock()
	if e, ok := t.byID[id]; ok {
		delete(t.byID, id)
		if t.byPath[key(e.path)] == id {
			delete(t.byPath, key(e.path))
		}
	}
	return nil
}

func (t *handleTable) HandleLimit() int { return t.limit }

// VerifierFor and DataForVerifier are CachingHandler's (nfs.CachingHandler).
func (t *handleTable) VerifierFor(path string, contents []fs.FileInfo) uint64 {
	return t.Handler.(nfs.CachingHandler).VerifierFor(path, contents)
}

func (t *handleTable) DataForVerifier(path string, verifier uint64) []fs.FileInfo {
	return t.Handler.(nfs.CachingHandler).DataForVerifier(path, verifier)
}
