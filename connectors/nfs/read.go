package nfs

import (
	"context"
	"fmt"
	"io"

	nfsc "github.com/willscott/go-nfs-client/nfs"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// Open reads length bytes of the file at key from offset (length < 0: to
// the end). If the connection drops, the reader opens the file again on a
// new one and goes on from where it was.
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := nasfs.CheckKey(key, ""); err != nil {
		return nil, connectors.NewError(connectors.KindUnsupportedName, "open", key, err)
	}
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, fmt.Errorf("negative offset %d", offset))
	}
	r := &reader{b: b, ctx: ctx, key: key, off: offset, left: length}
	if err := r.reopen(); err != nil {
		return nil, err
	}
	return r, nil
}

// reader is an open file that survives a dropped connection.
type reader struct {
	b    *bucket
	ctx  context.Context
	key  string
	f    *nfsc.File
	c    *conn
	off  int64 // where the next byte comes from
	left int64 // bytes still to read; < 0: to the end
}

func (r *reader) reopen() error {
	err := r.b.pool.Do(r.ctx, func(c *conn) error {
		p := r.b.path(r.key)
		a, _, err := lookup(c.t, p)
		switch {
		case err != nil:
			return err
		case a.Type == nf3Dir:
			return connectors.NewError(connectors.KindNotFound, "open", r.key, errIsDir)
		case a.Type != nf3Reg:
			return connectors.NewError(connectors.KindUnsupported, "open", r.key, errNotRegular)
		}
		f, err := c.t.Open(p)
		if err != nil {
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
		// ReadAt, not Read: File.Read does not move on when a read
		// reaches the end, and the offset is the reader's to keep.
		n, err := r.f.ReadAt(p, r.off)
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
			// The connection dropped or the handle went stale: let the
			// pool replace the connection, then resume.
			r.f = nil
			r.b.pool.Drop(r.c)
			continue
		}
		return n, connectors.NewError(kindOf(err), "read", r.key, err)
	}
}

// Close releases nothing on the server: NFS version 3 reads hold no state.
func (r *reader) Close() error {
	r.f = nil
	return nil
}
