package smb

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// Put writes size bytes from r to a temporary name beside the target, sets
// its mtime and renames it over the target, creating the folders above it.
// If the session drops, r is rewound and the whole write starts again on a
// new session. With opts.MD5 set, content that does not match is refused
// (KindInvalidArgument); fewer than size bytes is KindChanged.
func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	fail := func(kind connectors.Kind, err error) (connectors.Object, error) {
		return connectors.Object{}, connectors.NewError(kind, "put", key, err)
	}
	if err := nasfs.CheckKey(key, forbid); err != nil {
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
	var fi os.FileInfo
	err := b.do(ctx, "put", key, kindOf, func(sh *smb2.Share) error {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
		}
		if dir != "" {
			if err := sh.MkdirAll(dir, 0o777); err != nil {
				return err
			}
		}
		tmp := nasfs.TempName(path.Base(key))
		if dir != "" {
			tmp = dir + `\` + tmp
		}
		err := b.write(ctx, sh, tmp, target, r, size, opts)
		if err != nil {
			// The temporary file must go even when ctx is over.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			sh.WithContext(cctx).Remove(tmp)
			cancel()
			return err
		}
		fi, err = sh.Lstat(target)
		return err
	})
	if err != nil {
		return connectors.Object{}, err
	}
	return object(key, fi), nil
}

// write fills tmp, closes it, sets its mtime and renames it to target.
func (b *bucket) write(ctx context.Context, sh *smb2.Share, tmp, target string, r io.Reader, size int64, opts connectors.PutOptions) error {
	f, err := sh.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	var h hash.Hash
	var w io.Writer = f
	if opts.MD5 != nil {
		h = md5.New()
		w = io.MultiWriter(f, h)
	}
	n, err := io.CopyN(w, ctxReader{ctx, r}, size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	switch {
	case err == io.EOF:
		return connectors.NewError(connectors.KindChanged, "put", "", fmt.Errorf("source ended after %d of %d bytes", n, size))
	case err != nil:
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
		if err := sh.Chtimes(tmp, opts.ModTime, opts.ModTime); err != nil {
			return err
		}
	}
	// Last chance to honour a cancellation: after the rename the object
	// is there.
	if err := ctx.Err(); err != nil {
		return err
	}
	return sh.Rename(tmp, target)
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
