package local

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/mgw-dev/mgw/connectors"
)

// listWorkers bounds the goroutines of one List, the first included.
const listWorkers = 8

// readBatch is how many names are read from a folder at a time: folders
// are streamed, never read whole.
const readBatch = 256

// List walks the folders under prefix in parallel and calls fn for every
// file, symbolic link and special file, stat'd with Lstat (links are never
// followed). fn may be called from several goroutines at once (calls to
// onErr never overlap); after fn returns an error no new call starts, but
// calls under way in other goroutines finish. A folder that cannot be read is passed to onErr as a
// ListError whose Dir is its key ("" for the root, else ending in "/") and
// whose Err is classified (EACCES: KindAccessDenied); with onErr nil, List
// stops and returns that error. A prefix whose folder does not exist lists
// nothing; a root that does not exist is an error (KindNotFound), lest an
// unmounted share look like a folder whose files were all deleted.
//
// Memory stays bounded by the depth of the tree: a goroutine holds one open
// folder and one batch of names per level it has descended.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	dir, name, err := splitPrefix(prefix)
	if err != nil {
		return newError(connectors.KindUnsupportedName, "list", prefix, err)
	}
	if err := ctx.Err(); err != nil {
		return newError(connectors.Classify(err), "list", prefix, err)
	}
	root, err := b.openRoot()
	if err != nil {
		if dir != "" && readKind(err) == connectors.KindNotFound {
			return nil
		}
		return newError(kindOf(err), "list", dir, err)
	}
	defer root.Close()
	f, err := openDir(root, dir)
	if err != nil {
		ce := newError(kindOf(err), "list", dir, err)
		if onErr == nil || dir == "" && readKind(err) == connectors.KindNotFound {
			return ce
		}
		onErr(connectors.ListError{Dir: dir, Err: ce})
		return nil
	}
	if f == nil {
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &walker{root: root, ctx: wctx, cancel: cancel, fn: fn, onErr: onErr, sem: make(chan struct{}, listWorkers-1)}
	w.read(f, dir, name)
	w.wg.Wait()
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return newError(connectors.Classify(err), "list", prefix, err)
	}
	return nil
}

// openDir opens the folder of key dir for a listing. A missing folder, or
// a file where a folder was expected, gives (nil, nil): nothing to list;
// but the root missing, or a file, is an error.
func openDir(root *os.Root, dir string) (*os.File, error) {
	f, err := root.Open(name(strings.TrimSuffix(dir, "/")))
	if err == nil {
		var fi os.FileInfo
		if fi, err = f.Stat(); err == nil && !fi.IsDir() {
			err = &os.PathError{Op: "open", Path: f.Name(), Err: syscall.ENOTDIR}
		}
		if err != nil {
			f.Close()
		}
	}
	switch {
	case err == nil:
		return f, nil
	case dir != "" && readKind(err) == connectors.KindNotFound:
		return nil, nil
	}
	return nil, err
}

// walker is the state of one List.
type walker struct {
	root   *os.Root
	ctx    context.Context
	cancel context.CancelFunc
	fn     func(connectors.Object) error
	onErr  func(connectors.ListError)
	sem    chan struct{} // a token per goroutine beyond the caller's
	wg     sync.WaitGroup

	mu  sync.Mutex // guards err and serialises onErr
	err error      // the first error that stops the walk
}

// stop records the error that ends the walk, if it is the first.
func (w *walker) stop(err error) {
	w.mu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.mu.Unlock()
	w.cancel()
}

// folderError reports a folder that could not be read.
func (w *walker) folderError(dir string, err error) {
	if w.ctx.Err() != nil {
		return // the walk is over: errors from it ending are not the folder's
	}
	ce := newError(kindOf(err), "list", dir, err)
	if w.onErr == nil {
		w.stop(ce)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onErr(connectors.ListError{Dir: dir, Err: ce})
}

// walk lists the folder of key dir and everything below it.
func (w *walker) walk(dir string) {
	f, err := w.root.Open(name(strings.TrimSuffix(dir, "/")))
	if err != nil {
		if readKind(err) != connectors.KindNotFound { // gone since it was listed: nothing to say
			w.folderError(dir, err)
		}
		return
	}
	w.read(f, dir, "")
}

// read lists the open folder f, of key dir, keeping names that start with
// name, and descends into its sub-folders: in a new goroutine while fewer
// than listWorkers run, else in this one. It closes f.
func (w *walker) read(f *os.File, dir, name string) {
	defer f.Close()
	for w.ctx.Err() == nil {
		entries, err := f.ReadDir(readBatch)
		for _, e := range entries {
			n := e.Name()
			if !strings.HasPrefix(n, name) || isTempName(n) {
				continue
			}
			key := dir + n
			if e.IsDir() {
				select {
				case w.sem <- struct{}{}:
					w.wg.Go(func() {
						defer func() { <-w.sem }()
						w.walk(key + "/")
					})
				default:
					w.walk(key + "/")
				}
				continue
			}
			fi, err := e.Info() // Lstat
			if err != nil {
				if !errors.Is(err, os.ErrNotExist) { // removed since read: skip
					w.folderError(dir, err)
				}
				continue
			}
			if w.ctx.Err() != nil {
				return
			}
			if err := w.fn(object(key, fi)); err != nil {
				w.stop(err)
				return
			}
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			w.folderError(dir, err)
			return
		}
	}
}

// ListDir calls fn, from this goroutine, for each file, link and special
// file directly in the folder dir ("" or ending in "/"); sub-folders are
// skipped. A folder that does not exist lists nothing.
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return newError(connectors.KindInvalidArgument, "listdir", dir, errors.New("folder key must end in /"))
	}
	if _, _, err := splitPrefix(dir); err != nil {
		return newError(connectors.KindUnsupportedName, "listdir", dir, err)
	}
	root, err := b.openRoot()
	if err != nil {
		if dir != "" && readKind(err) == connectors.KindNotFound {
			return nil
		}
		return newError(readKind(err), "listdir", dir, err)
	}
	defer root.Close()
	f, err := openDir(root, dir)
	if err != nil {
		return newError(readKind(err), "listdir", dir, err)
	}
	if f == nil {
		return nil
	}
	defer f.Close()
	for {
		if err := ctx.Err(); err != nil {
			return newError(connectors.Classify(err), "listdir", dir, err)
		}
		entries, err := f.ReadDir(readBatch)
		for _, e := range entries {
			if e.IsDir() || isTempName(e.Name()) {
				continue
			}
			key := dir + e.Name()
			fi, err := e.Info()
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return newError(kindOf(err), "listdir", key, err)
			}
			if err := fn(object(key, fi)); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return newError(kindOf(err), "listdir", dir, err)
		}
	}
}
