package nasfs

import (
	"context"
	"fmt"
	"io"

	"github.com/mgw-dev/mgw/connectors"
)

// Open reads length bytes of the file at key from offset (length < 0: to
// the end). The reader holds a connection of its own until Close; if the
// connection drops, it opens the file again on a new one and goes on from
// where it was. Its Stat asks the open file what it is now
// (connectors.StatReader).
func (s *Share) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := CheckKey(key, s.cfg.Forbid); err != nil {
		return nil, connectors.NewError(connectors.KindUnsupportedName, "open", key, err)
	}
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, fmt.Errorf("negative offset %d", offset))
	}
	r := &reader{s: s, ctx: ctx, key: key, off: offset, left: length}
	if err := r.reopen(); err != nil {
		return nil, err
	}
	return r, nil
}

// reader is an open file that survives a dropped connection.
type reader struct {
	s    *Share
	ctx  context.Context
	key  string
	f    File
	c    FS    // the connection f lives on, lent to this reader alone
	off  int64 // where the next byte comes from
	left int64 // bytes still to read; < 0: to the end
}

var _ connectors.StatReader = (*reader)(nil)

// reopen opens the file at r.off on a connection the pool lends it. It
// does not ask first what the file is: the listing said, and a read or
// Stat that fails says why (notRegular).
func (r *reader) reopen() error {
	c, err := r.s.files.Hold(r.ctx, func(fs FS) error {
		f, err := fs.OpenRead(r.ctx, r.s.path(r.key), r.off)
		r.f = f
		return err
	})
	if err != nil {
		return connectors.NewError(r.s.readKind(err), "open", r.key, err)
	}
	r.c = c
	return nil
}

// release gives the connection back, closing the file first unless the
// connection broke.
func (r *reader) release(broken bool) error {
	var err error
	if broken {
		drop(r.f)
	} else {
		err = r.f.Close()
		broken = err != nil && r.s.cfg.Broken(err)
	}
	r.s.files.Put(r.c, broken)
	r.f, r.c = nil, nil
	return err
}

func (r *reader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if r.left > 0 && int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for {
		if err := r.ctx.Err(); err != nil {
			return 0, connectors.NewError(connectors.Classify(err), "read", r.key, err)
		}
		if r.f == nil {
			if err := r.reopen(); err != nil {
				return 0, err
			}
		}
		n, err := r.f.Read(p)
		r.off += int64(n)
		if r.left > 0 {
			r.left -= int64(n)
		}
		switch {
		case err == nil, err == io.EOF && n > 0:
			return n, nil
		case err == io.EOF:
			return 0, io.EOF
		case n == 0 && r.s.cfg.Broken(err) && r.ctx.Err() == nil:
			// The connection dropped (or the handle went stale): go on
			// from r.off on a new one.
			r.release(true)
			continue
		}
		return n, r.notRegular("read", err)
	}
}

// notRegular explains a failed read of what the listing called a file:
// a folder or a special file now stands at its path.
func (r *reader) notRegular(op string, err error) error {
	if e, serr := r.f.Stat(); serr == nil {
		switch {
		case e.Dir:
			return connectors.NewError(connectors.KindNotFound, op, r.key, errIsDir)
		case e.Obj.Type != connectors.Regular:
			return connectors.NewError(connectors.KindUnsupported, op, r.key, errNotRegular)
		}
	}
	return connectors.NewError(r.s.cfg.Kind(err), op, r.key, err)
}

// Stat tells what the open file is now, through its handle.
func (r *reader) Stat() (connectors.Object, error) {
	for {
		if err := r.ctx.Err(); err != nil {
			return connectors.Object{}, connectors.NewError(connectors.Classify(err), "stat", r.key, err)
		}
		if r.f == nil {
			if err := r.reopen(); err != nil {
				return connectors.Object{}, err
			}
		}
		e, err := r.f.Stat()
		switch {
		case err == nil && e.Dir:
			return connectors.Object{}, connectors.NewError(connectors.KindNotFound, "stat", r.key, errIsDir)
		case err == nil:
			e.Obj.Key = r.key
			return e.Obj, nil
		case r.s.cfg.Broken(err) && r.ctx.Err() == nil:
			r.release(true)
			continue
		}
		return connectors.Object{}, connectors.NewError(r.s.readKind(err), "stat", r.key, err)
	}
}

func (r *reader) Close() error {
	if r.f == nil {
		return nil
	}
	if err := r.release(false); err != nil && !r.s.cfg.Broken(err) {
		return connectors.NewError(r.s.cfg.Kind(err), "close", r.key, err)
	}
	return nil
}
