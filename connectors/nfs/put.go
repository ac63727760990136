package nfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"strings"

	nfsc "github.com/willscott/go-nfs-client/nfs"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// Put writes size bytes from r to a temporary name beside the target, sets
// its mtime and renames it over the target, creating the folders above it.
// If the connection drops, r is rewound and the whole write starts again
// on a new one. With opts.MD5 set, content that does not match is refused
// (KindInvalidArgument); fewer than size bytes is KindChanged.
func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	fail := func(kind connectors.Kind, err error) (connectors.Object, error) {
		return connectors.Object{}, connectors.NewError(kind, "put", key, err)
	}
	if err := nasfs.CheckKey(key, ""); err != nil {
		return fail(connectors.KindUnsupportedName, err)
	}
	if size < 0 {
		return fail(connectors.KindInvalidArgument, fmt.Errorf("negative size %d", size))
	}
	if err := ctx.Err(); err != nil {
		return fail(connectors.Classify(err), err)
	}
	target := b.path(key)
	dir := b.path(parent(key))
	var a *nfsc.Fattr
	err := b.do(ctx, "put", key, kindOf, func(t *nfsc.Target) error {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
		}
		if err := mkdirAll(t, dir); err != nil {
			return err
		}
		tmp := nasfs.Join(dir, nasfs.TempName(path.Base(key)))
		if err := write(ctx, t, tmp, target, r, size, opts); err != nil {
			t.Remove(tmp) // NFS calls take no context: this runs even after a cancel
			return err
		}
		var err error
		a, _, err = lookup(t, target)
		return err
	})
	if err != nil {
		return connectors.Object{}, err
	}
	return object(key, a), nil
}

// mkdirAll makes the folder at export path dir and those above it.
func mkdirAll(t *nfsc.Target, dir string) error {
	if dir == "" {
		return nil
	}
	a, _, err := lookup(t, dir)
	if err == nil {
		if a.Type != nf3Dir {
			return errNotDir
		}
		return nil
	}
	if !os.IsNotExist(err) {
		return err
	}
	if i := strings.LastIndexByte(dir, '/'); i > 0 {
		if err := mkdirAll(t, dir[:i]); err != nil {
			return err
		}
	}
	if _, err := t.Mkdir(dir, 0o777); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// write fills tmp, commits it, sets its mtime and renames it to target.
func write(ctx context.Context, t *nfsc.Target, tmp, target string, r io.Reader, size int64, opts connectors.PutOptions) error {
	f, err := t.OpenFile(tmp, 0o644)
	if err != nil {
		return err
	}
	var h hash.Hash
	var w io.Writer = f
	if opts.MD5 != nil {
		h = md5.New()
		w = io.MultiWriter(f, h)
	}
	// Writes of the server's preferred size: bufio would split them anew.
	n, err := io.CopyBuffer(w, io.LimitReader(ctxReader{ctx, r}, size), make([]byte, 1<<20))
	if err == nil && n < size {
		return connectors.NewError(connectors.KindChanged, "put", "", fmt.Errorf("source ended after %d of %d bytes", n, size))
	}
	if err == nil {
		err = f.Close() // COMMIT
	}
	if err != nil {
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		return err
	}
	if h != nil {
		if sum := h.Sum(nil); !bytes.Equal(sum, opts.MD5) {
			return connectors.NewError(connectors.KindInvalidArgument, "put", "", fmt.Errorf("content MD5 %x does not match the expected %x", sum, opts.MD5))
		}
	}
	if !opts.ModTime.IsZero() {
		mt := nfsc.NFS3Time{Seconds: uint32(opts.ModTime.Unix()), Nseconds: uint32(opts.ModTime.Nanosecond())}
		if err := t.Setattr(tmp, nfsc.Sattr3{Mtime: nfsc.SetTime{SetIt: nfsc.SetToClientTime, Time: mt}}); err != nil {
			return err
		}
	}
	// Last chance to honour a cancellation: after the rename the object
	// is there.
	if err := ctx.Err(); err != nil {
		return err
	}
	return t.Rename(tmp, target)
}

// ctxReader stops a copy when the context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
