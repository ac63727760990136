package httplist

import "sync"

// cache keeps the entries listed last, up to a fixed number, so that the
// Stat and Open the agent sends for a listed key find its URL without
// reading the list again. The oldest entry makes room for the newest.
type cache struct {
	mu   sync.Mutex
	m    map[string]Entry
	ring []string
	next int
}

func newCache(n int) *cache {
	return &cache{m: make(map[string]Entry, n), ring: make([]string, n)}
}

func (c *cache) put(e Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[e.Key]; ok {
		c.m[e.Key] = e
		return
	}
	if old := c.ring[c.next]; old != "" {
		delete(c.m, old)
	}
	c.ring[c.next] = e.Key
	c.next = (c.next + 1) % len(c.ring)
	c.m[e.Key] = e
}

func (c *cache) get(key string) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	return e, ok
}
