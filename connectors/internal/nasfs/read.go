package nasfs

import (
	"context"
	"fmt"
	"io"

	"github.com/mgw-dev/mgw/connectors"
)

// Open reads length bytes of the file at key from offset (length < 0: to
// the end). If the connection drops, the reader opens the file again on a
// new one and goes on from where it was.
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
	f    io.ReadCloser
	c    FS
	off  int64 // where the next byte comes from
	left int64 // bytes still to read; < 0: to the end
}

// reopen opens the file on a pooled connection at r.off. It asks what
// the file is first, through a path (not the read handle): a folder or a
// special file must not be read, and a query on the read handle of a
// go-smb2 session shared by several copiers now and then fails with
// STATUS_INVALID_PARAMETER.
func (r *reader) reopen() error {
	err := r.s.pool.Do(r.ctx, func(fs FS) error {
		p := r.s.path(r.key)
		e, err := fs.Lstat(r.ctx, p)
		switch {
		case err != nil:
			return err
		case e.Dir:
			return connectors.NewError(connectors.KindNotFound, "open", r.key, errIsDir)
		case e.Obj.Type != connectors.Regular:
			return connectors.NewError(connectors.KindUnsupported, "open", r.key, errNotRegular)
		}
		f, err := fs.OpenRead(r.ctx, p, r.off)
		if err != nil {
			return err
		}
		r.f, r.c = f, fs
		return nil
	})
	if err != nil {
		return connectors.NewError(r.s.readKind(err), "open", r.key, err)
	}
	return nil
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
			// The connection dropped (or the handle went stale): let the
			// pool replace it, then resume.
			r.f.Close()
			r.f = nil
			r.s.pool.Drop(r.c)
			continue
		}
		return n, connectors.NewError(r.s.cfg.Kind(err), "read", r.key, err)
	}
}

func (r *reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil && !r.s.cfg.Broken(err) {
		return connectors.NewError(r.s.cfg.Kind(err), "close", r.key, err)
	}
	return nil
}
