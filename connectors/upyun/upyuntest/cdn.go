package upyuntest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// cdn is the CDN domain of one service: GET and HEAD of its files by path,
// with Range, unsigned, fetched from the store (the origin) or, with its
// cache on, from what it served before.
type cdn struct {
	store   *testserver.Store
	service string
	http    *httptest.Server

	mu     sync.Mutex
	counts map[string]int
	cache  map[string]testserver.Object // nil: no cache
}

func newCDN(store *testserver.Store, service string) *cdn {
	c := &cdn{store: store, service: service, counts: map[string]int{}}
	c.http = httptest.NewServer(c)
	return c
}

func (c *cdn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	key := strings.TrimPrefix(r.URL.Path, "/")
	c.mu.Lock()
	c.counts[key]++
	c.mu.Unlock()
	w.Header().Set("Server", "marco/3.2")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	obj, ok := c.object(key)
	if !ok {
		// A CDN answers a miss at the origin with a page, not UPYUN's JSON.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("<html><body><h1>404 Not Found</h1></body></html>"))
		return
	}
	fileHeaders(w.Header(), &obj)
	if r.Method == http.MethodHead {
		testserver.WriteObject(w, obj.Data, 0, int64(len(obj.Data))-1, http.StatusOK, true)
		return
	}
	serveRange(w, r, obj.Data)
}

// object finds key's file: in the cache, else at the origin (keeping it
// in the cache, if there is one).
func (c *cdn) object(key string) (testserver.Object, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if obj, ok := c.cache[key]; ok {
		return obj, true
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return testserver.Object{}, false
	}
	obj, err := c.store.Get(c.service, key)
	if err != nil {
		return testserver.Object{}, false
	}
	if c.cache != nil {
		c.cache[key] = obj
	}
	return obj, true
}

func (c *cdn) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key != "" {
		return c.counts[key]
	}
	n := 0
	for _, v := range c.counts {
		n += v
	}
	return n
}

func (c *cdn) setCache(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !on {
		c.cache = nil
	} else if c.cache == nil {
		c.cache = map[string]testserver.Object{}
	}
}

func (c *cdn) purge() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cache != nil {
		c.cache = map[string]testserver.Object{}
	}
}
