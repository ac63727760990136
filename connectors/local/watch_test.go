package local

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// recorder is a connectors.Changes that keeps what it is told and wakes
// waiters on every call.
type recorder struct {
	mu      sync.Mutex
	changed map[string]int
	closed  map[string]int
	seq     []string // "changed key" / "closed key", in the order reported
	lost    int
	wake    chan struct{} // one pending wake-up is enough: waiters re-check
}

func newRecorder() *recorder {
	return &recorder{changed: map[string]int{}, closed: map[string]int{}, wake: make(chan struct{}, 1)}
}

func (r *recorder) Changed(key string) {
	r.mu.Lock()
	r.changed[key]++
	r.seq = append(r.seq, "changed "+key)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Closed(key string) {
	r.mu.Lock()
	r.closed[key]++
	r.seq = append(r.seq, "closed "+key)
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) Lost() {
	r.mu.Lock()
	r.lost++
	r.mu.Unlock()
	r.poke()
}

func (r *recorder) poke() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) has(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.changed[key] > 0
}

// waitFor blocks until cond holds, re-checking it each time the watch
// reports something. The deadline only bounds a failure.
func (r *recorder) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !cond() {
		select {
		case <-r.wake:
		case <-deadline:
			r.mu.Lock()
			defer r.mu.Unlock()
			t.Fatalf("timed out waiting for %s; changed %v, lost %d", what, r.changed, r.lost)
		}
	}
}

func (r *recorder) waitChanged(t *testing.T, key string) {
	t.Helper()
	r.waitFor(t, "a change of "+key, func() bool { return r.has(key) })
}

// startWatch watches root and closes the watch when the test ends.
func startWatch(t *testing.T, root string) (*watch, *recorder) {
	t.Helper()
	rec := newRecorder()
	cw, err := open(t, root).(connectors.Watcher).Watch(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cw.Close)
	return cw.(*watch), rec
}

func touch(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func noFailure(t *testing.T, w *watch) {
	t.Helper()
	select {
	case why := <-w.Failed():
		t.Fatalf("the watch failed: %s", why)
	default:
	}
}

func TestWatchFile(t *testing.T) {
	root := t.TempDir()
	mkdir(t, filepath.Join(root, "old", "deep"))
	w, rec := startWatch(t, root)
	touch(t, filepath.Join(root, "a.txt"))
	rec.waitChanged(t, "a.txt")
	// Folders there before the watch are watched too, at any depth.
	touch(t, filepath.Join(root, "old", "deep", "b.txt"))
	rec.waitChanged(t, "old/deep/b.txt")
	// Events come in order: once the fence is seen, a.txt's are all in.
	touch(t, filepath.Join(root, "fence"))
	rec.waitChanged(t, "fence")
	rec.mu.Lock()
	before := rec.changed["a.txt"]
	rec.mu.Unlock()
	if err := os.Remove(filepath.Join(root, "a.txt")); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "a.txt reported gone", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.changed["a.txt"] > before
	})
	noFailure(t, w)
	if u := w.Unwatched(); len(u) != 0 {
		t.Errorf("Unwatched = %q, want none", u)
	}
}

// A tree moved in at once is reported as its folder, once every folder of
// it is watched: a file written later anywhere in it is reported too.
func TestWatchNewFolder(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	tree := filepath.Join(elsewhere, "d")
	mkdir(t, filepath.Join(tree, "sub"))
	touch(t, filepath.Join(tree, "before.txt"))
	touch(t, filepath.Join(tree, "sub", "before.txt"))
	w, rec := startWatch(t, root)

	if err := os.Rename(tree, filepath.Join(root, "d")); err != nil {
		t.Fatal(err)
	}
	rec.waitChanged(t, "d")
	touch(t, filepath.Join(root, "d", "sub", "later.txt"))
	rec.waitChanged(t, "d/sub/later.txt")

	// A folder made in place is watched as well.
	mkdir(t, filepath.Join(root, "e"))
	rec.waitChanged(t, "e")
	touch(t, filepath.Join(root, "e", "later.txt"))
	rec.waitChanged(t, "e/later.txt")
	noFailure(t, w)
}

// A folder moved out keeps its inotify watches under its new name: the
// watch must drop them, or it would report the keys of another place.
func TestWatchFolderMovedOut(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	mkdir(t, filepath.Join(root, "d", "sub"))
	w, rec := startWatch(t, root)
	if !slices.Contains(w.fw.WatchList(), filepath.Join(root, "d", "sub")) {
		t.Fatalf("d/sub is not watched: %q", w.fw.WatchList())
	}
	if err := os.Rename(filepath.Join(root, "d"), filepath.Join(elsewhere, "d")); err != nil {
		t.Fatal(err)
	}
	rec.waitChanged(t, "d") // reported after its watches were dropped
	for _, p := range w.fw.WatchList() {
		if p != root {
			t.Errorf("still watched: %s", p)
		}
	}
	w.mu.Lock()
	dirs := len(w.dirs)
	w.mu.Unlock()
	if dirs != 1 {
		t.Errorf("the watch still counts %d folders, want the root alone", dirs)
	}
	noFailure(t, w)
}

func TestWatchOverflow(t *testing.T) {
	root := t.TempDir()
	w, rec := startWatch(t, root)
	w.errs <- errOverflow
	rec.waitFor(t, "Lost", func() bool {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return rec.lost == 1
	})
	noFailure(t, w)
	touch(t, filepath.Join(root, "after.txt")) // the watch goes on
	rec.waitChanged(t, "after.txt")
}

func TestWatchError(t *testing.T) {
	w, _ := startWatch(t, t.TempDir())
	w.errs <- errors.New("boom")
	if why := waitFailed(t, w); why != "watch error: boom" {
		t.Errorf("Failed: %q", why)
	}
}

func waitFailed(t *testing.T, w *watch) string {
	t.Helper()
	select {
	case why := <-w.Failed():
		return why
	case <-time.After(20 * time.Second):
		t.Fatal("Failed did not receive")
		return ""
	}
}

func TestWatchRootGone(t *testing.T) {
	for name, gone := range map[string]func(root string) error{
		"removed": os.RemoveAll,
		"renamed": func(root string) error { return os.Rename(root, root+".old") },
	} {
		t.Run(name, func(t *testing.T) {
			root := filepath.Join(t.TempDir(), "src")
			mkdir(t, filepath.Join(root, "d"))
			w, _ := startWatch(t, root)
			if err := gone(root); err != nil {
				t.Fatal(err)
			}
			if why := waitFailed(t, w); why != "the source folder was removed or replaced" {
				t.Errorf("Failed: %q", why)
			}
		})
	}
}

func TestWatchClose(t *testing.T) {
	w, _ := startWatch(t, t.TempDir())
	w.errs <- errors.New("boom")
	w.Close()
	w.Close()
	select {
	case why := <-w.Failed():
		t.Errorf("Failed received after Close: %q", why)
	default:
	}
}

// Put's temporary files are not reported, as List does not show them;
// the file they become is.
func TestWatchSkipsTempNames(t *testing.T) {
	root := t.TempDir()
	w, rec := startWatch(t, root)
	tmp := filepath.Join(root, tempName("f.txt"))
	touch(t, tmp)
	if err := os.Rename(tmp, filepath.Join(root, "f.txt")); err != nil {
		t.Fatal(err)
	}
	rec.waitChanged(t, "f.txt")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for k := range rec.changed {
		if k != "f.txt" {
			t.Errorf("reported %q", k)
		}
	}
	noFailure(t, w)
}

func TestWatchMissingRoot(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "missing"))
	if _, err := b.(connectors.Watcher).Watch(newRecorder(), nil); err == nil {
		t.Fatal("Watch of a missing root: no error")
	}
}

func TestKeyOf(t *testing.T) {
	root := t.TempDir()
	b := open(t, root).(*bucket)
	for _, key := range []string{"a", "a/b/c.txt", "..x", "x..", "名前/ファイル"} {
		if got, ok := b.keyOf(filepath.Join(root, name(key))); !ok || got != key {
			t.Errorf("keyOf(root/%q) = %q, %v", key, got, ok)
		}
	}
	if got, ok := b.keyOf(root); !ok || got != "" {
		t.Errorf("keyOf(root) = %q, %v", got, ok)
	}
	for _, p := range []string{filepath.Dir(root), root + "x", filepath.Join(filepath.Dir(root), "other", "f")} {
		if got, ok := b.keyOf(p); ok {
			t.Errorf("keyOf(%q) = %q, want outside the root", p, got)
		}
	}
}

// A watch reports folders as keys too: Stat tells them from files gone.
func TestStatFolderIsFolder(t *testing.T) {
	root := t.TempDir()
	mkdir(t, filepath.Join(root, "d"))
	b := open(t, root)
	_, err := b.Stat(t.Context(), "d")
	if connectors.KindOf(err) != connectors.KindNotFound || !errors.Is(err, connectors.ErrIsFolder) {
		t.Errorf("Stat(folder) = %v, want KindNotFound wrapping ErrIsFolder", err)
	}
	_, err = b.Stat(t.Context(), "gone")
	if connectors.KindOf(err) != connectors.KindNotFound || errors.Is(err, connectors.ErrIsFolder) {
		t.Errorf("Stat(missing) = %v, want KindNotFound alone", err)
	}
}
