// Package foldercache answers per-key questions with one listing per
// folder. It knows keys and folders only, nothing of what it caches.
package foldercache

import (
	"context"
	"errors"
	"strings"
	"sync"
)

// Cache answers per-key questions ("is this file in the index?",
// "does the destination hold this key?") with one listing per folder
// instead of one lookup per file. The scan visits a folder's files
// together, so only the folders it is in need to be held: the cache keeps
// at most cacheMaxEntries entries, dropping the oldest folders first, and
// will not hold a folder of more than folderMaxEntries (its keys are then
// looked up one by one), so a flat folder of a million files costs no
// million entries of memory.
type Cache[V any] struct {
	// list calls add for each entry directly in dir; add returns false
	// when the folder is too big to hold, and list should then stop.
	list func(ctx context.Context, dir string, add func(name string, v V) bool) error

	mu      sync.Mutex
	dirs    map[string]*cachedFolder[V]
	order   []string // oldest first
	entries int
}

type cachedFolder[V any] struct {
	once sync.Once
	m    map[string]V // read only after once
	ok   bool         // listed completely and small enough to hold
	n    int          // entries counted in the cache; guarded by the cache's mu
	done bool         // loaded; guarded by the cache's mu
}

// ErrTooBig is what a list func returns when add refused an entry: the
// folder is too big to hold.
var ErrTooBig = errors.New("folder too big to cache")

// Variables, not constants: tests lower them.
var (
	cacheMaxEntries  = 100_000
	folderMaxEntries = 10_000
)

func New[V any](list func(ctx context.Context, dir string, add func(string, V) bool) error) *Cache[V] {
	return &Cache[V]{list: list, dirs: map[string]*cachedFolder[V]{}}
}

// SplitKey returns the folder of key ("" or ending in "/") and its name.
func SplitKey(key string) (dir, name string) {
	i := strings.LastIndexByte(key, '/')
	return key[:i+1], key[i+1:]
}

// Lookup returns the entry for key. cached is false when the folder could
// not be listed or is too big: the caller must then ask for key itself.
func (c *Cache[V]) Lookup(ctx context.Context, key string) (v V, found, cached bool) {
	dir, name := SplitKey(key)
	c.mu.Lock()
	f := c.dirs[dir]
	if f == nil {
		f = &cachedFolder[V]{}
		c.dirs[dir] = f
		c.order = append(c.order, dir)
	}
	c.mu.Unlock()
	f.once.Do(func() {
		f.m = map[string]V{}
		err := c.list(ctx, dir, func(n string, v V) bool {
			if len(f.m) >= folderMaxEntries {
				return false
			}
			f.m[n] = v
			return true
		})
		f.ok = err == nil && len(f.m) < folderMaxEntries
		if !f.ok {
			f.m = nil
		}
		c.mu.Lock()
		f.n, f.done = len(f.m), true
		c.entries += f.n
		c.evict()
		c.mu.Unlock()
	})
	if !f.ok {
		return v, false, false
	}
	v, found = f.m[name]
	return v, found, true
}

// evict drops the oldest loaded folders while the cache holds too much.
// Readers that already hold a dropped folder keep using it safely.
func (c *Cache[V]) evict() {
	keep := c.order[:0]
	for i, dir := range c.order {
		f := c.dirs[dir]
		if c.entries > cacheMaxEntries && f.done && i < len(c.order)-1 {
			c.entries -= f.n
			delete(c.dirs, dir)
			continue
		}
		keep = append(keep, dir)
	}
	c.order = keep
}
