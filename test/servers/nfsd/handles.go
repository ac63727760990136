package main

import (
	"crypto/rand"
	"strings"
	"sync"

	"github.com/go-git/go-billy/v5"
	nfs "github.com/willscott/go-nfs"
	nfshelper "github.com/willscott/go-nfs/helpers"
)

// verifiers bounds the folder listings kept for READDIR(PLUS) cookies:
// a client reads a few folders at a time, and a listing held is a whole
// folder's names.
const verifiers = 1024

// handleCache gives file handles that are never forgotten, looked up in
// constant time. go-nfs's CachingHandler, whose directory-listing cache
// it keeps, scans every handle it holds on each lookup: with a million
// files listed, each call took longer than the listing of a folder.
type handleCache struct {
	*nfshelper.CachingHandler
	prefix [8]byte // this process's: an older server's handle is stale

	mu    sync.RWMutex
	next  uint64
	byID  map[[16]byte]handleEntry
	byKey map[string][16]byte
}

type handleEntry struct {
	fs   billy.Filesystem
	path []string
}

var _ nfs.CachingHandler = (*handleCache)(nil)

func newHandleCache(h nfs.Handler) *handleCache {
	c := &handleCache{
		CachingHandler: nfshelper.NewCachingHandlerWithVerifierLimit(h, 2, verifiers).(*nfshelper.CachingHandler),
		byID:           map[[16]byte]handleEntry{},
		byKey:          map[string][16]byte{},
	}
	_, _ = rand.Read(c.prefix[:])
	return c
}

// key tells file systems apart too: the export and the denied one.
func key(fs billy.Filesystem, path []string) string {
	return fs.Root() + "\x00" + strings.Join(path, "/")
}

func (c *handleCache) ToHandle(fs billy.Filesystem, path []string) []byte {
	k := key(fs, path)
	c.mu.RLock()
	id, ok := c.byKey[k]
	c.mu.RUnlock()
	if !ok {
		c.mu.Lock()
		if id, ok = c.byKey[k]; !ok {
			c.next++
			copy(id[:8], c.prefix[:])
			for i := range 8 {
				id[8+i] = byte(c.next >> (8 * i))
			}
			c.byKey[k] = id
			c.byID[id] = handleEntry{fs, append([]string(nil), path...)}
		}
		c.mu.Unlock()
	}
	return append([]byte(nil), id[:]...)
}

func (c *handleCache) FromHandle(fh []byte) (billy.Filesystem, []string, error) {
	var id [16]byte
	if len(fh) == len(id) {
		copy(id[:], fh)
		c.mu.RLock()
		e, ok := c.byID[id]
		c.mu.RUnlock()
		if ok {
			return e.fs, append([]string(nil), e.path...), nil
		}
	}
	return nil, nil, &nfs.NFSStatusError{NFSStatus: nfs.NFSStatusStale}
}

func (c *handleCache) InvalidateHandle(_ billy.Filesystem, fh []byte) error {
	var id [16]byte
	if len(fh) != len(id) {
		return nil
	}
	copy(id[:], fh)
	c.mu.Lock()
	if e, ok := c.byID[id]; ok {
		delete(c.byKey, key(e.fs, e.path))
		delete(c.byID, id)
	}
	c.mu.Unlock()
	return nil
}

// HandleLimit: no limit (go-nfs caps a READDIRPLUS page at half of it).
func (c *handleCache) HandleLimit() int { return 1 << 30 }
