package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watcher reports changes under a local source folder to a changeQueue,
// recursively: every folder is watched, and folders created or moved in
// are watched as they appear (and queued, so the pass that examines them
// finds the files written before their watch was set). It never decides
// anything itself: the job examines every reported path after it settles,
// and full passes reconcile what a watch can miss.
type watcher struct {
	root    string
	fw      *fsnotify.Watcher
	changes *changeQueue
	log     *slog.Logger

	// errs carries fsnotify's errors, and in tests injected ones: the seam
	// through which a queue overflow is simulated.
	errs chan error
	// failed receives once why the watch cannot be trusted any more.
	failed chan string

	mu        sync.Mutex
	dirs      map[string]bool // OS paths of the watched folders
	unwatched map[string]bool // folders over the kernel's watch limit: polled
	limitSaid bool
	stop      chan struct{}
	once      sync.Once
}

// watchLimitHint is logged once when the kernel refuses more watches.
const watchLimitHint = "the kernel's inotify watch limit is reached: the folders past it are polled instead of watched. " +
	"Raise it with: sysctl -w fs.inotify.max_user_watches=1048576 " +
	"(and make it last: echo fs.inotify.max_user_watches=1048576 > /etc/sysctl.d/90-mgw.conf)"

func newWatcher(root string, changes *changeQueue, log *slog.Logger) (*watcher, error) {
	fw, err := fsnotify.NewBufferedWatcher(4096)
	if err != nil {
		return nil, err
	}
	w := &watcher{root: root, fw: fw, changes: changes, log: log, errs: make(chan error, 16),
		failed: make(chan string, 1), dirs: map[string]bool{root: true}, unwatched: map[string]bool{}, stop: make(chan struct{})}
	if err := w.fw.Add(root); err != nil {
		fw.Close()
		return nil, err
	}
	w.addTree(root, false)
	go w.forwardErrors()
	go w.run()
	return w, nil
}

func (w *watcher) close() {
	w.once.Do(func() {
		close(w.stop)
		w.fw.Close()
	})
}

// unwatchedDirs returns the folders (keys) that could not be watched.
func (w *watcher) unwatchedDirs() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var ds []string
	for d := range w.unwatched {
		ds = append(ds, d)
	}
	return ds
}

// addTree watches every folder under dir (dir itself too, unless it is
// the root, already watched); with queue it also queues them, so that files
// inside a tree created or moved in at once are examined.
func (w *watcher) addTree(dir string, queue bool) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil // unreadable folders are reported by the scans
		}
		if p != w.root {
			if err := w.fw.Add(p); err != nil {
				w.cannotWatch(p, err)
				return filepath.SkipDir // its sub-folders are polled with it
			}
			w.mu.Lock()
			w.dirs[p] = true
			w.mu.Unlock()
		}
		if queue && p == dir {
			w.changes.add(w.key(p), time.Now())
		}
		return nil
	})
}

func (w *watcher) cannotWatch(p string, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unwatched[w.key(p)] = true
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		if !w.limitSaid {
			w.limitSaid = true
			w.log.Error(watchLimitHint, "folder", p)
		}
		return
	}
	w.log.Warn("cannot watch folder: it is polled instead", "folder", p, "err", err)
}

// key is the job key of an OS path under the root.
func (w *watcher) key(p string) string {
	rel, err := filepath.Rel(w.root, p)
	if err != nil || rel == "." {
		return ""
	}
	return filepath.ToSlash(rel)
}

func (w *watcher) forwardErrors() {
	for {
		select {
		case err, ok := <-w.fw.Errors:
			if !ok {
				return
			}
			select {
			case w.errs <- err:
			case <-w.stop:
				return
			}
		case <-w.stop:
			return
		}
	}
}

func (w *watcher) fail(why string) {
	select {
	case w.failed <- why:
	default:
	}
}

func (w *watcher) run() {
	for {
		select {
		case <-w.stop:
			return
		case err := <-w.errs:
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were dropped: which paths is unknown, so the
				// whole source is reconciled.
				w.log.Warn("watch queue overflowed: rescanning the source")
				w.changes.rescan(time.Now())
				continue
			}
			w.fail(fmt.Sprintf("watch error: %v", err))
			return
		case ev, ok := <-w.fw.Events:
			if !ok {
				w.fail("the watch stopped")
				return
			}
			w.event(ev)
		}
	}
}

func (w *watcher) event(ev fsnotify.Event) {
	if filepath.Clean(ev.Name) == w.root {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.fail("the source folder was removed or replaced")
		}
		return
	}
	key := w.key(ev.Name)
	if key == "" || strings.HasPrefix(key, "../") {
		return
	}
	now := time.Now()
	switch {
	case ev.Has(fsnotify.Create):
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			w.addTree(ev.Name, true)
			return
		}
	case ev.Has(fsnotify.Rename) || ev.Has(fsnotify.Remove):
		// A folder moved away keeps its watches, now under its new name:
		// drop them; its new place, if under the root, arrives as Create.
		w.forget(ev.Name)
	}
	w.changes.add(key, now)
}

// forget removes the watches of p and everything under it, if p was a
// watched folder.
func (w *watcher) forget(p string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := w.key(p)
	if w.dirs[p] {
		prefix := p + string(filepath.Separator)
		for d := range w.dirs {
			if d == p || strings.HasPrefix(d, prefix) {
				_ = w.fw.Remove(d)
				delete(w.dirs, d)
			}
		}
	}
	for d := range w.unwatched {
		if d == k || strings.HasPrefix(d, k+"/") {
			delete(w.unwatched, d)
		}
	}
}
