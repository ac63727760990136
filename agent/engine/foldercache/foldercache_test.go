package foldercache

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestFolderCache(t *testing.T) {
	defer func(a, b int) { cacheMaxEntries, folderMaxEntries = a, b }(cacheMaxEntries, folderMaxEntries)
	cacheMaxEntries, folderMaxEntries = 10, 5

	var lists atomic.Int64
	folders := map[string]int{"": 3, "a/": 4, "b/": 4, "big/": 50, "broken/": 1}
	c := New(func(_ context.Context, dir string, add func(string, int) bool) error {
		lists.Add(1)
		if dir == "broken/" {
			return errors.New("cannot list")
		}
		for i := range folders[dir] {
			if !add(fmt.Sprint("f", i), i) {
				return ErrTooBig
			}
		}
		return nil
	})
	ctx := context.Background()
	check := func(key string, wantV int, wantFound, wantCached bool) {
		t.Helper()
		v, found, cached := c.Lookup(ctx, key)
		if v != wantV || found != wantFound || cached != wantCached {
			t.Errorf("%s: %d %v %v", key, v, found, cached)
		}
	}
	check("f1", 1, true, true)
	check("f9", 0, false, true)
	check("a/f3", 3, true, true)
	check("a/f0", 0, true, true)
	if n := lists.Load(); n != 2 {
		t.Errorf("%d listings for two folders", n)
	}
	check("big/f1", 0, false, false)    // too big: ask per key
	check("broken/f0", 0, false, false) // cannot list: ask per key
	check("b/f2", 2, true, true)        // 3+4+4 > 10: the oldest folder goes
	c.mu.Lock()
	_, rootKept := c.dirs[""]
	entries := c.entries
	c.mu.Unlock()
	if rootKept || entries > cacheMaxEntries {
		t.Errorf("root kept %v, %d entries held", rootKept, entries)
	}
	check("f1", 1, true, true) // listed again
	if n := lists.Load(); n != 6 {
		t.Errorf("%d listings, want 6", n)
	}
}
