package nfs

import (
	"fmt"
	"testing"
	"time"
)

func TestHandles(t *testing.T) {
	now := time.Unix(1000, 0)
	h := newHandles()
	h.now = func() time.Time { return now }
	fh := func(s string) []byte { return []byte(s) }

	h.putDir("a", fh("A"))
	h.putDir("a/b", fh("B"))
	h.putFile("a/b/f", fh("F"))
	h.putFile("a/g", fh("G"))
	if got := string(h.dir("a/b")); got != "B" {
		t.Errorf("dir a/b: %q", got)
	}
	if got := string(h.dir("a/b")); got != "B" {
		t.Errorf("dir a/b, again: %q (a folder's handle is kept)", got)
	}
	if got := string(h.takeFile("a/b/f")); got != "F" {
		t.Errorf("file a/b/f: %q", got)
	}
	if got := h.takeFile("a/b/f"); got != nil {
		t.Errorf("file a/b/f, again: %q (a file's handle is used once)", got)
	}
	if got := h.dir("a/g"); got != nil {
		t.Errorf("a file asked as a folder: %q", got)
	}

	// A path that becomes a folder, or a file, is one or the other.
	h.putDir("a/g", fh("G2"))
	if got := h.takeFile("a/g"); got != nil {
		t.Errorf("a/g is a folder now, got a file handle %q", got)
	}

	// forget drops a folder and what is under it, not its neighbours.
	h.putDir("a/bc", fh("BC"))
	h.putFile("a/b/x", fh("X"))
	h.forget("a/b")
	if h.dir("a/b") != nil || h.takeFile("a/b/x") != nil {
		t.Error("forget a/b kept it or a path under it")
	}
	if string(h.dir("a/bc")) != "BC" || string(h.dir("a")) != "A" {
		t.Error("forget a/b dropped a/bc or a")
	}

	// Handles expire.
	now = now.Add(handleTTL + time.Second)
	if h.dir("a") != nil {
		t.Error("a folder's handle outlived handleTTL")
	}
	h.putFile("f", fh("F"))
	now = now.Add(handleTTL + time.Second)
	if h.takeFile("f") != nil {
		t.Error("a file's handle outlived handleTTL")
	}

	// clear drops all.
	h.putDir("x", fh("X"))
	h.putFile("y", fh("Y"))
	h.clear()
	if h.dir("x") != nil || h.takeFile("y") != nil {
		t.Error("clear kept a handle")
	}
}

// The cache is bounded: the least recently used go first.
func TestHandlesBounded(t *testing.T) {
	h := newHandles()
	for i := range maxDirs + 10 {
		h.putDir(fmt.Sprint(i), []byte{1})
		if i == maxDirs-1 {
			h.dir("0") // used last: kept
		}
	}
	if len(h.dirs.m) != maxDirs || h.dirs.order.Len() != maxDirs {
		t.Fatalf("%d folders kept (%d in order), want %d", len(h.dirs.m), h.dirs.order.Len(), maxDirs)
	}
	if h.dir("0") == nil {
		t.Error("a recently used folder went")
	}
	if h.dir("1") != nil {
		t.Error("the least recently used folder stayed")
	}
	for i := range maxFiles + 10 {
		h.putFile(fmt.Sprint("f", i), []byte{1})
	}
	if len(h.files.m) != maxFiles {
		t.Errorf("%d files kept, want %d", len(h.files.m), maxFiles)
	}
}

// A nil cache knows nothing and forgets quietly.
func TestHandlesNil(t *testing.T) {
	var h *handles
	h.putDir("a", []byte{1})
	h.putFile("b", []byte{1})
	h.forget("a")
	h.clear()
	if h.dir("a") != nil || h.takeFile("b") != nil {
		t.Error("a nil cache knew something")
	}
}
