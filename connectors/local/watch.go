package local

// This file holds the local connector's watch capability
// (connectors.Watcher): a notifier (notify.go) on every folder under the
// root, since inotify and its kin watch one folder at a time, kept in step
// as folders appear and go. On Linux a close after writing is reported as
// such, so the agent need not wait for the file to settle. The watch decides nothing itself: it names the keys that
// changed, and the agent examines them and its full passes reconcile what
// a watch can miss.

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/mgw-dev/mgw/connectors"
)

var _ connectors.Watcher = (*bucket)(nil)

// eventBuffer is how many events the notifier holds for the watch's goroutine.
const eventBuffer = 4096

// watchLimitHint is logged once per watch when the kernel refuses more
// watches.
const watchLimitHint = "the kernel's inotify watch limit is reached: the folders past it are polled instead of watched. " +
	"Raise it with: sysctl -w fs.inotify.max_user_watches=1048576 " +
	"(and make it last: echo fs.inotify.max_user_watches=1048576 > /etc/sysctl.d/90-mgw.conf)"

// watch is a running watch of a bucket's root.
type watch struct {
	b   *bucket
	fw  notifier
	to  connectors.Changes
	log *slog.Logger

	// errs carries the notifier's errors, and in tests injected ones: the seam
	// through which a queue overflow is simulated.
	errs     chan error
	failed   chan string // buffered: why the watch cannot be trusted any more
	failOnce sync.Once
	stop     chan struct{} // closed by Close
	stopOnce sync.Once
	wg       sync.WaitGroup // the watch's goroutines

	mu        sync.Mutex
	dirs      map[string]bool // OS paths of the watched folders
	unwatched map[string]bool // keys of the folders that could not be watched: polled
	limitSaid bool
}

// Watch watches the root and every folder under it, recursively: folders
// created or moved in are watched as they appear, then reported (so that
// examining one finds the files written into it before its watch was
// set); folders moved away are forgotten. A folder the kernel will not
// watch (its inotify limit reached: logged once with how to raise it) is
// listed by Unwatched with its whole tree. A queue overflow is reported
// as Lost; the root removed or replaced, or the watch dying, as Failed.
// Names of temporary files Put writes are not reported, as List does not
// show them. A root on a network or FUSE file system (Linux) gives an
// error wrapping connectors.ErrUnwatchable: inotify would miss the
// changes other hosts make.
func (b *bucket) Watch(to connectors.Changes, log *slog.Logger) (connectors.Watch, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := watchable(b.root); err != nil {
		return nil, err
	}
	fw, err := newNotifier(eventBuffer)
	if err != nil {
		return nil, newError(kindOf(err), "watch", "", err)
	}
	if err := fw.Add(b.root); err != nil {
		fw.Close()
		return nil, newError(kindOf(err), "watch", "", err)
	}
	w := &watch{b: b, fw: fw, to: to, log: log, errs: make(chan error, 16), failed: make(chan string, 1),
		stop: make(chan struct{}), dirs: map[string]bool{b.root: true}, unwatched: map[string]bool{}}
	w.addTree(b.root, false)
	w.wg.Go(w.forwardErrors)
	w.wg.Go(w.run)
	return w, nil
}

func (w *watch) Failed() <-chan string { return w.failed }

func (w *watch) Close() {
	w.stopOnce.Do(func() {
		close(w.stop)
		w.fw.Close()
		w.wg.Wait()
		select {
		case <-w.failed: // said before Close: no longer anyone's concern
		default:
		}
	})
}

func (w *watch) closed() bool {
	select {
	case <-w.stop:
		return true
	default:
		return false
	}
}

func (w *watch) Unwatched() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	ds := make([]string, 0, len(w.unwatched))
	for d := range w.unwatched {
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds
}

// addTree watches every folder under dir (dir itself too, unless it is
// the root, already watched); with report it then reports dir, if it
// could be watched, so that the files of a tree created or moved in at
// once are examined.
func (w *watch) addTree(dir string, report bool) {
	watched := dir == w.b.root
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if w.closed() {
			return filepath.SkipAll
		}
		if err != nil || !d.IsDir() {
			return nil // unreadable folders are reported by the scans
		}
		if p == w.b.root {
			return nil
		}
		if err := w.fw.Add(p); err != nil {
			w.cannotWatch(p, err)
			return filepath.SkipDir // its sub-folders are polled with it
		}
		w.mu.Lock()
		w.dirs[p] = true
		w.mu.Unlock()
		if p == dir {
			watched = true
		}
		return nil
	})
	if key, ok := w.b.keyOf(dir); report && watched && ok && key != "" {
		w.to.Changed(key)
	}
}

func (w *watch) cannotWatch(p string, err error) {
	key, ok := w.b.keyOf(p)
	if !ok || w.closed() {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.unwatched[key] = true
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EMFILE) {
		if !w.limitSaid {
			w.limitSaid = true
			w.log.Error(watchLimitHint, "folder", p)
		}
		return
	}
	w.log.Warn("cannot watch folder: it is polled instead", "folder", p, "err", err)
}

func (w *watch) forwardErrors() {
	for {
		select {
		case err, ok := <-w.fw.Errors():
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

// fail says why once, unless the watch is being closed.
func (w *watch) fail(why string) {
	if w.closed() {
		return
	}
	w.failOnce.Do(func() { w.failed <- why })
}

func (w *watch) run() {
	for {
		select {
		case <-w.stop:
			return
		case err := <-w.errs:
			if errors.Is(err, errOverflow) {
				// Events were dropped: which paths is unknown, so the
				// whole source is reconciled.
				w.log.Warn("watch queue overflowed: rescanning the source")
				w.to.Lost()
				continue
			}
			w.fail(fmt.Sprintf("watch error: %v", err))
			return
		case ev, ok := <-w.fw.Events():
			if !ok {
				w.fail("the watch stopped")
				return
			}
			w.event(ev)
		}
	}
}

func (w *watch) event(ev event) {
	p := filepath.Clean(ev.Name)
	key, ok := w.b.keyOf(p)
	switch {
	case !ok:
		return
	case key == "":
		if ev.Has(opRemove) || ev.Has(opRename) {
			w.fail("the source folder was removed or replaced")
		}
		return
	case isTempName(filepath.Base(p)):
		return
	}
	switch {
	case ev.Op == opCloseWrite:
		// Its writer is done; a write after this is reported as a change
		// and settles again.
		w.to.Closed(key)
		return
	case ev.Has(opCreate):
		if fi, err := os.Lstat(p); err == nil && fi.IsDir() {
			w.addTree(p, true)
			return
		}
	case ev.Has(opRename) || ev.Has(opRemove):
		// A folder moved away keeps its watches, now under its new name:
		// drop them; its new place, if under the root, arrives as Create.
		w.forget(p, key)
	}
	w.to.Changed(key)
	if ev.Has(opCloseWrite) {
		w.to.Closed(key)
	}
}

// forget removes the watches of p (of key key) and everything under it,
// if p was a watched folder, and stops listing the unwatched folders
// under it.
func (w *watch) forget(p, key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
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
		if d == key || strings.HasPrefix(d, key+"/") {
			delete(w.unwatched, d)
		}
	}
}
