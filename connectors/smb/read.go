package smb

import (
	"context"
	"errors"
	"fmt"
	"io"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

var errNotRegular = errors.New("not a regular file")

// Open reads length bytes of the file at key from offset (length < 0: to
// the end). If the session drops, the reader opens the file again on a new
// session and goes on from where it was.
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := nasfs.CheckKey(key, forbid); err != nil {
		return nil, connectors.NewError(connectors.KindUnsupportedName, "open", key, err)
	}
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, fmt.Errorf("negative offset %d", offset))
	}
	r := &reader{b: b, ctx: ctx, key: key, off: offset, left: length}
	err := b.do(ctx, "open", key, readKind, func(sh *smb2.Share) error {
		fi, err := sh.Lstat(b.path(key))
		switch {
		case err != nil:
			return err
		case fi.IsDir():
			return connectors.NewError(connectors.KindNotFound, "open", key, errIsDir)
		case !fi.Mode().IsRegular():
			return connectors.NewError(connectors.KindUnsupported, "open", key, errNotRegular)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := r.reopen(); err != nil {
		return nil, err
	}
	return r, nil
}

// reader is an open file that survives a dropped session.
type reader struct {
	b    *bucket
	ctx  context.Context
	key  string
	f    *smb2.File
	c    *conn
	off  int64 // where the next byte comes from
	left int64 // bytes still to read; < 0: to the end
}

// reopen opens the file on a pooled session at r.off.
func (r *reader) reopen() error {
	err := r.b.pool.Do(r.ctx, func(c *conn) error {
		f, err := c.share.WithContext(r.ctx).Open(r.b.path(r.key))
		if err != nil {
			return err
		}
		if _, err := f.Seek(r.off, io.SeekStart); err != nil {
			f.Close()
			return err
		}
		r.f, r.c = f, c
		return nil
	})
	if err != nil {
		return connectors.NewError(readKind(err), "open", r.key, err)
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
		case n == 0 && broken(err) && r.ctx.Err() == nil:
			// The session dropped: let the pool replace it, then resume.
			r.f.Close()
			r.f = nil
			r.b.pool.Drop(r.c)
			continue
		}
		return n, connectors.NewError(kindOf(err), "read", r.key, err)
	}
}

func (r *reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil && !broken(err) {
		return connectors.NewError(kindOf(err), "close", r.key, err)
	}
	return nil
}
