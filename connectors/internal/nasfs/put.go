package nasfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash"
	"io"
	"path"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// copyBuf is the most bytes handed to one Write: a server's preferred
// write size or more, so the client need not split what a smaller buffer
// would cut again (NFS WRITEs, SMB WRITEs while an MD5 is computed).
const copyBuf = 1 << 20

// cleanupTimeout bounds the removal of a temporary file after a failed
// write, which runs even when the caller's context has ended.
const cleanupTimeout = 30 * time.Second

// Put writes size bytes from r to a temporary name beside the target, sets
// its mtime and renames it over the target, creating the folders above it.
// If the connection drops, r is rewound and the whole write starts again
// on a new one. With opts.MD5 set, content that does not match is refused
// (KindInvalidArgument); fewer than size bytes is KindChanged.
func (s *Share) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	fail := func(kind connectors.Kind, err error) (connectors.Object, error) {
		return connectors.Object{}, connectors.NewError(kind, "put", key, err)
	}
	if err := CheckKey(key, s.cfg.Forbid); err != nil {
		return fail(connectors.KindUnsupportedName, err)
	}
	if size < 0 {
		return fail(connectors.KindInvalidArgument, fmt.Errorf("negative size %d", size))
	}
	if err := ctx.Err(); err != nil {
		return fail(connectors.Classify(err), err)
	}
	target := s.path(key)
	dir := s.path(parent(key))
	var (
		e      Entry
		broken []string // temporary files of writes cut with their connection
	)
	err := s.do(ctx, "put", key, s.cfg.Kind, func(fs FS) error {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
		}
		tmp := Join(dir, TempName(path.Base(key)))
		if opts.Temps != nil {
			// Told before the file exists: a process killed while
			// writing, or a connection lost for good, leaves a name
			// the caller knows and can remove.
			if err := opts.Temps.Made(path.Base(tmp)); err != nil {
				return connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
			}
		}
		if err := s.write(ctx, fs, dir, tmp, target, r, size, opts); err != nil {
			if s.cfg.Broken(err) {
				// The connection is gone: the file goes once a new
				// one is made (it is made for the next try anyway).
				broken = append(broken, tmp)
				return err
			}
			if s.removeTemp(ctx, fs, tmp) == nil {
				gone(opts, tmp)
			}
			return err
		}
		gone(opts, tmp)
		var err error
		e, err = fs.Lstat(ctx, target)
		return err
	})
	if len(broken) > 0 {
		for _, tmp := range s.removeTemps(ctx, broken) {
			gone(opts, tmp)
		}
	}
	if err != nil {
		return connectors.Object{}, err
	}
	e.Obj.Key = key
	return e.Obj, nil
}

// gone tells opts.Temps that the temporary file tmp is no more.
func gone(opts connectors.PutOptions, tmp string) {
	if opts.Temps != nil {
		opts.Temps.Gone(path.Base(tmp))
	}
}

// RemoveTemp removes the temporary file tmp that a Put of key made beside
// it (one a killed process or a connection lost for good left). A name
// TempName could not have made for key is refused, so the target, or any
// file but a temporary one of key, is never removed.
func (s *Share) RemoveTemp(ctx context.Context, key, tmp string) error {
	if err := CheckKey(key, s.cfg.Forbid); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "remove temporary file", key, err)
	}
	if !IsTempOf(path.Base(key), tmp) {
		return connectors.NewError(connectors.KindInvalidArgument, "remove temporary file", key, fmt.Errorf("%q is not a temporary name of the file", tmp))
	}
	p := s.path(Join(parent(key), tmp))
	return s.do(ctx, "remove temporary file", key, s.cfg.Kind, func(fs FS) error {
		err := fs.Remove(ctx, p)
		if err != nil && s.readKind(err) == connectors.KindNotFound {
			return nil
		}
		return err
	})
}

// removeTemp removes a temporary file that a failed write left, even
// when ctx is over.
func (s *Share) removeTemp(ctx context.Context, fs FS, tmp string) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := fs.Remove(cctx, tmp); err != nil && s.readKind(err) != connectors.KindNotFound {
		return err
	}
	return nil
}

// removeTemps removes, on a sound connection, the temporary files of
// writes whose connection broke: on it, they could not be removed. It
// returns those it removed.
func (s *Share) removeTemps(ctx context.Context, tmps []string) (removed []string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_ = s.files.Do(ctx, func(fs FS) error {
		for len(tmps) > 0 {
			if err := s.removeTemp(ctx, fs, tmps[0]); err != nil {
				return err
			}
			removed = append(removed, tmps[0])
			tmps = tmps[1:]
		}
		return nil
	})
	return removed
}

// write fills tmp in folder dir, closes it, sets its mtime (and bits, on
// a protocol with them) and renames it to target.
func (s *Share) write(ctx context.Context, fs FS, dir, tmp, target string, r io.Reader, size int64, opts connectors.PutOptions) error {
	perm, attrs := s.fileAttrs(opts)
	f, err := fs.Create(ctx, tmp, perm)
	if err != nil && dir != "" && s.cfg.Kind(err) == connectors.KindNotFound {
		// The folder is missing: make it, then try again. Creating first
		// spares every file of a folder that exists the lookups of its
		// folders (one per path segment on NFS).
		if err := fs.MkdirAll(ctx, dir, s.folderPerm(opts)); err != nil {
			return err
		}
		f, err = fs.Create(ctx, tmp, perm)
	}
	if err != nil {
		return err
	}
	var h hash.Hash
	var w io.Writer = f
	if opts.MD5 != nil {
		h = md5.New()
		w = io.MultiWriter(f, h)
	}
	// A buffer no larger than the file: small files are the common case.
	// (A writer with ReadFrom, go-smb2's, brings its own.)
	buf := make([]byte, max(1, min(size, copyBuf)))
	n, err := io.CopyBuffer(w, io.LimitReader(connectors.ContextReader(ctx, r), size), buf)
	cerr := f.Close()
	switch {
	case err == nil && n < size:
		return connectors.NewError(connectors.KindChanged, "put", "", fmt.Errorf("source ended after %d of %d bytes", n, size))
	case err == nil:
		err = cerr
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
	// The mtime and the source's exact bits (the owner's write was kept
	// for the writes) in one call.
	if attrs.HasMode && s.modesRefused.Load() {
		attrs.HasMode = false
	}
	if !attrs.ModTime.IsZero() || attrs.HasMode {
		err := fs.SetAttrs(ctx, tmp, attrs)
		if err != nil && attrs.HasMode && refusesModes(s.cfg.Kind(err)) {
			// A server that keeps permissions its own way (a volume of
			// ACLs only) refuses the bits: the file keeps those it was
			// made with (the source's, and the owner's read and write),
			// and the share stops asking.
			s.modesRefused.Store(true)
			attrs.HasMode = false
			err = fs.SetAttrs(ctx, tmp, attrs)
		}
		if err != nil {
			return err
		}
	}
	// Last chance to honour a cancellation: after the rename the object
	// is there.
	if err := ctx.Err(); err != nil {
		return err
	}
	return fs.Rename(ctx, tmp, target)
}

// refusesModes: a SETATTR of permission bits was refused as such, not
// failed for another reason.
func refusesModes(k connectors.Kind) bool {
	return k == connectors.KindAccessDenied || k == connectors.KindUnsupported
}
