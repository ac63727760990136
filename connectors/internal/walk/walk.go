// Package walk lists a tree of real folders, each read a page at a time,
// walking sub-folders in parallel: the List and ListDir of the backends
// whose folders exist on the server (SMB and NFS shares through nasfs,
// UPYUN), written once. A backend supplies Open, which reads one folder in
// pages; this package knows no protocol.
package walk

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"

	"github.com/mgw-dev/mgw/connectors"
)

// Entry is one name read from a folder.
type Entry struct {
	Name string
	Dir  bool
	Obj  connectors.Object // what the server told of it, without Key: the walk sets it
}

// Pages reads one folder a page at a time, so that a folder of 100,000
// names is never held whole.
type Pages interface {
	// Next returns the next page; (nil, io.EOF) after the last one. Other
	// errors are classified (connectors.NewError).
	Next(ctx context.Context) ([]Entry, error)
	Close()
}

// Tree is how to walk one backend's folders.
type Tree struct {
	// Open opens the folder of key dir ("" is the root, else a key ending
	// in "/"). A folder that does not exist gives KindNotFound, a file
	// KindNotDir; every error is classified.
	Open func(ctx context.Context, dir string) (Pages, error)
	// Workers bounds the goroutines of one List (at least 1).
	Workers int
	// Skip names entries that are never passed on ("." and "..",
	// temporary names); nil skips none.
	Skip func(name string) bool
}

// List implements connectors.Bucket.List, the caller having checked that
// prefix is a key it can hold. A prefix whose folder is missing (or a
// file) lists nothing; the root missing is KindNotFound, so that an
// unreachable or vanished root never looks empty.
func (t Tree) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	i := strings.LastIndexByte(prefix, '/')
	dir, name := prefix[:i+1], prefix[i+1:]
	if err := ctx.Err(); err != nil {
		return connectors.NewError(connectors.Classify(err), "list", prefix, err)
	}
	p, err := t.Open(ctx, dir)
	if err != nil {
		k := connectors.KindOf(err)
		missing := k == connectors.KindNotFound || k == connectors.KindNotDir
		switch {
		case dir == "" && missing:
			return connectors.NewError(connectors.KindNotFound, "list", "", err)
		case missing:
			return nil
		case onErr == nil || dir == "":
			return err
		}
		onErr(connectors.ListError{Dir: dir, Err: err})
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &walker{t: t, ctx: wctx, cancel: cancel, fn: fn, onErr: onErr, sem: make(chan struct{}, max(t.Workers, 1)-1)}
	w.read(p, dir, name)
	w.wg.Wait()
	if w.err != nil {
		return w.err
	}
	if err := ctx.Err(); err != nil {
		return connectors.NewError(connectors.Classify(err), "list", prefix, err)
	}
	return nil
}

func (t Tree) skip(name string) bool { return t.Skip != nil && t.Skip(name) }

type walker struct {
	t      Tree
	ctx    context.Context
	cancel context.CancelFunc
	fn     func(connectors.Object) error
	onErr  func(connectors.ListError)
	sem    chan struct{} // a token per goroutine beyond the caller's
	wg     sync.WaitGroup

	mu  sync.Mutex // guards err and serialises onErr
	err error
}

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
	err = connectors.NewError(connectors.KindOf(err), "list", dir, err)
	if w.onErr == nil {
		w.stop(err)
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.onErr(connectors.ListError{Dir: dir, Err: err})
}

func (w *walker) walk(dir string) {
	p, err := w.t.Open(w.ctx, dir)
	if err != nil {
		if k := connectors.KindOf(err); k != connectors.KindNotFound && k != connectors.KindNotDir {
			w.folderError(dir, err) // else gone since it was listed: nothing to say
		}
		return
	}
	w.read(p, dir, "")
}

// read lists the open folder p, of key dir, keeping names that start with
// name, and closes it. Each sub-folder is walked in a new goroutine while
// fewer than Workers run, else by this one once p is closed: a goroutine
// holds one folder open at a time, so listings never wait for each
// other's connections.
func (w *walker) read(p Pages, dir, name string) {
	var later []string
	defer func() {
		for _, sub := range later {
			w.walk(sub)
		}
	}()
	defer p.Close()
	for w.ctx.Err() == nil {
		page, err := p.Next(w.ctx)
		for _, e := range page {
			if !strings.HasPrefix(e.Name, name) || w.t.skip(e.Name) {
				continue
			}
			key := dir + e.Name
			if e.Dir {
				select {
				case w.sem <- struct{}{}:
					w.wg.Go(func() {
						defer func() { <-w.sem }()
						w.walk(key + "/")
					})
				default:
					later = append(later, key+"/")
				}
				continue
			}
			if w.ctx.Err() != nil {
				return
			}
			o := e.Obj
			o.Key = key
			if err := w.fn(o); err != nil {
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

// ListDir implements connectors.Bucket.ListDir: the files of one folder,
// from this goroutine, the caller having checked that dir is a key it can
// hold. A folder that does not exist lists nothing.
func (t Tree) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return connectors.NewError(connectors.KindInvalidArgument, "listdir", dir, errors.New("folder key must end in /"))
	}
	p, err := t.Open(ctx, dir)
	if err != nil {
		if k := connectors.KindOf(err); dir != "" && (k == connectors.KindNotFound || k == connectors.KindNotDir) {
			return nil
		}
		return err
	}
	defer p.Close()
	for {
		if err := ctx.Err(); err != nil {
			return connectors.NewError(connectors.Classify(err), "listdir", dir, err)
		}
		page, err := p.Next(ctx)
		for _, e := range page {
			if e.Dir || t.skip(e.Name) {
				continue
			}
			o := e.Obj
			o.Key = dir + e.Name
			if err := fn(o); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
