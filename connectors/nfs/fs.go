package nfs

import (
	"context"
	"io"
	"os"
	"path"
	"strings"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// conn is one RPC connection with the export mounted on it: nasfs.FS over
// go-nfs-client, whose calls take no context (a dead connection fails
// them instead).
type conn struct {
	client *rpc.Client
	t      *nfsc.Target
	auth   rpc.Auth
}

var _ nasfs.FS = (*conn)(nil)

// NFS file types (RFC 1813, ftype3).
const (
	nf3Reg = 1
	nf3Dir = 2
	nf3Lnk = 5
)

var errNotDir = &nfsc.Error{ErrorNum: nfsc.NFS3ErrNotDir, ErrorString: "NFS3ERR_NOTDIR"}

// lookup returns the attributes and handle of the file at export path p.
func lookup(t *nfsc.Target, p string) (*nfsc.Fattr, []byte, error) {
	fi, fh, err := t.Lookup(p)
	if err != nil {
		return nil, nil, err
	}
	return fi.(*nfsc.Fattr), fh, nil
}

// Lstat is a LOOKUP, whose answer carries the whole identity.
func (c *conn) Lstat(_ context.Context, p string) (nasfs.Entry, error) {
	a, _, err := lookup(c.t, p)
	if err != nil {
		return nasfs.Entry{}, err
	}
	return entry(path.Base(p), a), nil
}

func (c *conn) Stat(ctx context.Context, p string) (nasfs.Entry, error) { return c.Lstat(ctx, p) }

func (c *conn) OpenDir(_ context.Context, p string) (nasfs.DirReader, error) {
	a, fh, err := lookup(c.t, p)
	if err != nil {
		return nil, err
	}
	if a.Type != nf3Dir {
		return nil, errNotDir
	}
	return &dirReader{c: c, path: p, fh: fh}, nil
}

func (c *conn) OpenRead(_ context.Context, p string, off int64) (nasfs.File, error) {
	f, err := c.t.Open(p)
	if err != nil {
		return nil, err
	}
	return &fileReader{c: c, path: p, f: f, off: off}, nil
}

// fileReader reads with ReadAt, not Read: File.Read does not move on when
// a read reaches the end, and the offset is the reader's to keep.
type fileReader struct {
	c    *conn
	path string
	f    *nfsc.File
	off  int64
}

// Stat looks the path up again: go-nfs-client keeps the file's handle to
// itself.
func (r *fileReader) Stat() (nasfs.Entry, error) { return r.c.Lstat(context.Background(), r.path) }

func (r *fileReader) Read(p []byte) (int, error) {
	n, err := r.f.ReadAt(p, r.off)
	r.off += int64(n)
	return n, err
}

// Close releases nothing on the server: NFS version 3 reads hold no state.
func (r *fileReader) Close() error { return nil }

// Create writes with FILE_SYNC; Close sends a COMMIT.
func (c *conn) Create(_ context.Context, p string) (io.WriteCloser, error) {
	return c.t.OpenFile(p, 0o644)
}

// MkdirAll makes the folder at export path dir and those above it.
func (c *conn) MkdirAll(ctx context.Context, dir string) error {
	if dir == "" {
		return nil
	}
	a, _, err := lookup(c.t, dir)
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
		if err := c.MkdirAll(ctx, dir[:i]); err != nil {
			return err
		}
	}
	if _, err := c.t.Mkdir(dir, 0o777); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

func (c *conn) Chtimes(_ context.Context, p string, mtime time.Time) error {
	mt := nfsc.NFS3Time{Seconds: uint32(mtime.Unix()), Nseconds: uint32(mtime.Nanosecond())}
	return c.t.Setattr(p, nfsc.Sattr3{Mtime: nfsc.SetTime{SetIt: nfsc.SetToClientTime, Time: mt}})
}

func (c *conn) Rename(_ context.Context, from, to string) error { return c.t.Rename(from, to) }

func (c *conn) Remove(_ context.Context, p string) error { return c.t.Remove(p) }

// entry turns NFS attributes into a nasfs.Entry.
func entry(name string, a *nfsc.Fattr) nasfs.Entry {
	o := connectors.Object{Size: int64(a.Filesize), ModTime: nfsTime(a.Mtime),
		Ctime: nfsTime(a.Ctime), Inode: a.Fileid}
	switch a.Type {
	case nf3Reg:
		o.Type = connectors.Regular
	case nf3Lnk:
		o.Type = connectors.Symlink
	default:
		o.Type = connectors.Special
	}
	return nasfs.Entry{Name: name, Dir: a.Type == nf3Dir, Obj: o}
}

func nfsTime(t nfsc.NFS3Time) time.Time {
	return time.Unix(int64(t.Seconds), int64(t.Nseconds))
}
