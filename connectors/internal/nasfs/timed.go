package nasfs

import (
	"context"
	"errors"
	"io"
	"os"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// timed is a connection whose every call must be answered within d: a
// server that stops answering (a black hole: the connection stays open,
// nothing comes back) would hold a call, and the copy waiting on it,
// forever. A call left unanswered is cancelled through its context, its
// connection taken as broken, and it fails with a watchdog.Stalled (a
// timeout). The files, folders and writers it opens keep the rule for
// each of their calls; the time between calls, the caller's, does not
// count.
type timed struct {
	fs FS
	d  time.Duration
}

var _ FS = (*timed)(nil)

// stalled reports whether err is a call left unanswered.
func stalled(err error) bool { return errors.As(err, new(watchdog.Stalled)) }

// call runs f under a watchdog of its own.
func (t *timed) call(ctx context.Context, f func(context.Context) error) error {
	ctx, w := watchdog.New(ctx, t.d)
	defer w.Stop()
	return w.Check(f(ctx))
}

func (t *timed) Lstat(ctx context.Context, p string) (e Entry, err error) {
	err = t.call(ctx, func(ctx context.Context) error { e, err = t.fs.Lstat(ctx, p); return err })
	return e, err
}

func (t *timed) Stat(ctx context.Context, p string) (e Entry, err error) {
	err = t.call(ctx, func(ctx context.Context) error { e, err = t.fs.Stat(ctx, p); return err })
	return e, err
}

func (t *timed) MkdirAll(ctx context.Context, p string, perm func(string) os.FileMode) error {
	return t.call(ctx, func(ctx context.Context) error { return t.fs.MkdirAll(ctx, p, perm) })
}

func (t *timed) SetAttrs(ctx context.Context, p string, a Attrs) error {
	return t.call(ctx, func(ctx context.Context) error { return t.fs.SetAttrs(ctx, p, a) })
}

func (t *timed) Rename(ctx context.Context, from, to string) error {
	return t.call(ctx, func(ctx context.Context) error { return t.fs.Rename(ctx, from, to) })
}

func (t *timed) Remove(ctx context.Context, p string) error {
	return t.call(ctx, func(ctx context.Context) error { return t.fs.Remove(ctx, p) })
}

// open opens something whose later calls run under the same watchdog:
// its clock runs during open and each of them, and is stopped between.
func open[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, *watchdog.Dog, error) {
	ctx, w := watchdog.New(ctx, d)
	v, err := f(ctx)
	w.Pause()
	if err != nil {
		w.Stop()
		return v, nil, w.Check(err)
	}
	return v, w, nil
}

// timedCall runs one call of something open under w.
func timedCall[T any](w *watchdog.Dog, f func() (T, error)) (T, error) {
	w.Kick()
	v, err := f()
	w.Pause()
	return v, w.Check(err)
}

func (t *timed) OpenDir(ctx context.Context, p string) (DirReader, error) {
	d, w, err := open(ctx, t.d, func(ctx context.Context) (DirReader, error) { return t.fs.OpenDir(ctx, p) })
	if err != nil {
		return nil, err
	}
	return &timedDir{d: d, w: w}, nil
}

func (t *timed) OpenRead(ctx context.Context, p string, off int64) (File, error) {
	f, w, err := open(ctx, t.d, func(ctx context.Context) (File, error) { return t.fs.OpenRead(ctx, p, off) })
	if err != nil {
		return nil, err
	}
	return &timedFile{f: f, w: w}, nil
}

func (t *timed) Create(ctx context.Context, p string, perm os.FileMode) (io.WriteCloser, error) {
	f, w, err := open(ctx, t.d, func(ctx context.Context) (io.WriteCloser, error) { return t.fs.Create(ctx, p, perm) })
	if err != nil {
		return nil, err
	}
	return &timedWriter{f: f, w: w}, nil
}

// drop ends the watchdog of a file or folder left unclosed on a
// connection that broke (closing it there could wait for a dead server).
func drop(v any) {
	if d, ok := v.(interface{ drop() }); ok {
		d.drop()
	}
}

type timedDir struct {
	d DirReader
	w *watchdog.Dog
}

func (d *timedDir) drop() { d.w.Stop() }

func (d *timedDir) ReadDir() ([]Entry, error) { return timedCall(d.w, d.d.ReadDir) }

func (d *timedDir) Close() {
	d.w.Kick()
	d.d.Close()
	d.w.Stop()
}

type timedFile struct {
	f File
	w *watchdog.Dog
}

func (f *timedFile) drop() { f.w.Stop() }

func (f *timedFile) Read(p []byte) (int, error) {
	return timedCall(f.w, func() (int, error) { return f.f.Read(p) })
}

func (f *timedFile) Stat() (Entry, error) { return timedCall(f.w, f.f.Stat) }

func (f *timedFile) Close() error {
	_, err := timedCall(f.w, func() (struct{}, error) { return struct{}{}, f.f.Close() })
	f.w.Stop()
	return err
}

type timedWriter struct {
	f io.WriteCloser
	w *watchdog.Dog
}

func (f *timedWriter) Write(p []byte) (int, error) {
	return timedCall(f.w, func() (int, error) { return f.f.Write(p) })
}

func (f *timedWriter) Close() error {
	_, err := timedCall(f.w, func() (struct{}, error) { return struct{}{}, f.f.Close() })
	f.w.Stop()
	return err
}
