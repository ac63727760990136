package nfs

import (
	"context"
	"errors"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// conn is one RPC connection with the export mounted on it: nasfs.FS over
// go-nfs-client. Reads, stats and listings go by file handle, through
// the handles the connections of the address share (srv); writes go
// through go-nfs-client's calls by path. go-nfs-client's calls take no
// context: each runs under bound, which gives up on it when its context
// ends.
type conn struct {
	client *rpc.Client
	t      *nfsc.Target
	auth   rpc.Auth
	srv    *server // set by New
	// inflight counts the calls running, abandoned ones included: the
	// client is closed once they have all ended (see bound).
	inflight  sync.WaitGroup
	abandoned atomic.Bool
}

var _ nasfs.FS = (*conn)(nil)

// server is what the connections of one address share.
type server struct {
	handles *handles
	rsize   atomic.Uint32 // bytes a READ asks for at most, once FSINFO told
}

func newServer() *server { return &server{handles: newHandles()} }

// NFS file types (RFC 1813, ftype3).
const (
	nf3Reg = 1
	nf3Dir = 2
	nf3Lnk = 5
)

var errNotDir = &nfsc.Error{ErrorNum: nfsc.NFS3ErrNotDir, ErrorString: "NFS3ERR_NOTDIR"}

// notThere reports whether err may come from a handle that is out of
// date (see handles): the server forgot it, or the path it was given for
// names something else now.
func notThere(err error) bool {
	var ne *nfsc.Error
	if !errors.As(err, &ne) {
		return false
	}
	switch ne.ErrorNum {
	case nfsc.NFS3ErrStale, nfsc.NFS3ErrBadHandle, nfsc.NFS3ErrNoEnt, nfsc.NFS3ErrNotDir:
		return true
	}
	return false
}

// resolve returns the handle and attributes of export path p ("" is the
// export's root): a LOOKUP of its last name in the nearest folder above
// whose handle is known, more if none is. If a known handle turns out out
// of date, the path is looked up again from the root; if that is stale
// too, the server forgot every handle (it restarted): they are all
// dropped, and the error tells the pool this connection is broken.
func (c *conn) resolve(ctx context.Context, p string) ([]byte, *nfsc.Fattr, error) {
	fh, a, cached, err := c.walk(ctx, p, true)
	if err != nil && cached && notThere(err) {
		fh, a, _, err = c.walk(ctx, p, false)
	}
	if err != nil && broken(err) {
		c.srv.handles.clear()
	}
	return fh, a, err
}

// walk looks p up from the nearest folder whose handle is known, if
// useCache, else from the root, remembering the folders on the way;
// cached tells whether it started from a known handle.
func (c *conn) walk(ctx context.Context, p string, useCache bool) (fh []byte, a *nfsc.Fattr, cached bool, err error) {
	h := c.srv.handles
	if p == "" {
		return c.root(ctx)
	}
	rest := p // the names still to look up
	if useCache {
		for dir := p; ; {
			i := strings.LastIndexByte(dir, '/')
			if i < 0 {
				break
			}
			dir = dir[:i]
			if fh = h.dir(dir); fh != nil {
				rest, cached = p[i+1:], true
				break
			}
		}
		if fh == nil {
			if fh = h.dir(""); fh != nil {
				cached = true
			}
		}
	}
	done := len(p) - len(rest) // bytes of p looked up
	for rest != "" {
		name := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			name, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if fh == nil {
			// The first name, in the root the mount gave.
			if fh, a, err = c.lookup(ctx, name); err == nil && a.Type == 0 { // sent no attributes
				a, err = c.getattr(ctx, fh)
			}
		} else {
			fh, a, err = c.lookupIn(ctx, fh, name)
		}
		if err != nil {
			return nil, nil, cached, err
		}
		done += len(name)
		if a.Type == nf3Dir {
			h.putDir(p[:done], fh)
		} else if rest != "" {
			return nil, nil, cached, errNotDir
		}
		done++ // the slash
	}
	return fh, a, cached, nil
}

// root returns the handle and attributes of the export's root.
func (c *conn) root(ctx context.Context) ([]byte, *nfsc.Fattr, bool, error) {
	fh, a, err := c.lookup(ctx, ".")
	if err != nil {
		return nil, nil, false, err
	}
	if a.Type == 0 {
		if a, err = c.getattr(ctx, fh); err != nil {
			return nil, nil, false, err
		}
	}
	c.srv.handles.putDir("", fh)
	return fh, a, false, nil
}

// Lstat is a LOOKUP, whose answer carries the whole identity.
func (c *conn) Lstat(ctx context.Context, p string) (nasfs.Entry, error) {
	_, a, err := c.resolve(ctx, p)
	if err != nil {
		return nasfs.Entry{}, err
	}
	return entry(path.Base(p), a), nil
}

func (c *conn) Stat(ctx context.Context, p string) (nasfs.Entry, error) { return c.Lstat(ctx, p) }

// OpenDir reads the folder's first page at once when its handle is known
// (no LOOKUP), so that a handle out of date is found here, and the path
// looked up afresh, as a folder that is gone or not a folder is.
func (c *conn) OpenDir(ctx context.Context, p string) (nasfs.DirReader, error) {
	if fh := c.srv.handles.dir(p); fh != nil {
		d := &dirReader{c: c, ctx: ctx, path: p, fh: fh}
		first, err := d.page()
		if err == nil {
			d.first, d.primed = first, true
			return d, nil
		}
		if !notThere(err) {
			return nil, err
		}
		c.srv.handles.forget(p)
	}
	fh, a, err := c.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	if a.Type != nf3Dir {
		return nil, errNotDir
	}
	return &dirReader{c: c, ctx: ctx, path: p, fh: fh}, nil
}

// OpenRead sends nothing when a listing left the file's handle, else a
// LOOKUP (see resolve).
func (c *conn) OpenRead(ctx context.Context, p string, off int64) (nasfs.File, error) {
	if fh := c.srv.handles.takeFile(p); fh != nil {
		return &fileReader{c: c, ctx: ctx, path: p, fh: fh, off: off, listed: true}, nil
	}
	fh, _, err := c.resolve(ctx, p)
	if err != nil {
		return nil, err
	}
	return &fileReader{c: c, ctx: ctx, path: p, fh: fh, off: off}, nil
}

// readSize is how many bytes a READ asks for at most: the server's
// preferred size (FSINFO), no more than its largest.
func (c *conn) readSize(ctx context.Context) uint32 {
	if n := c.srv.rsize.Load(); n != 0 {
		return n
	}
	n := uint32(1 << 20) // if the server will not say
	if fi, err := c.fsinfo(ctx); err == nil {
		switch {
		case fi.RTPref > 0 && (fi.RTPref <= fi.RTMax || fi.RTMax == 0):
			n = fi.RTPref
		case fi.RTMax > 0:
			n = fi.RTMax
		}
	}
	c.srv.rsize.Store(n)
	return n
}

// fileReader reads by handle, each READ at the reader's own offset.
type fileReader struct {
	c    *conn
	ctx  context.Context // bounds each call
	path string
	fh   []byte
	off  int64
	// listed: fh came from a listing, not a LOOKUP: if it is out of date,
	// the path is looked up afresh.
	listed bool
	attr   *nfsc.Fattr // the attributes the last READ came with
}

// Stat tells what the file is now: as the last READ left it, which the
// server described in its answer, else by a GETATTR of the handle.
func (r *fileReader) Stat() (nasfs.Entry, error) {
	if r.attr != nil {
		return entry(path.Base(r.path), r.attr), nil
	}
	a, err := r.c.getattr(r.ctx, r.fh)
	if err != nil {
		return nasfs.Entry{}, err
	}
	return entry(path.Base(r.path), a), nil
}

func (r *fileReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	p = p[:min(len(p), int(r.c.readSize(r.ctx)))]
	n, eof, a, err := r.c.read(r.ctx, r.fh, r.off, p)
	if err != nil && r.listed && notThere(err) {
		// The listing's handle is out of date: look the file up.
		r.listed = false
		var fh []byte
		if fh, _, err = r.c.resolve(r.ctx, r.path); err != nil {
			return 0, err
		}
		r.fh = fh
		n, eof, a, err = r.c.read(r.ctx, r.fh, r.off, p)
	}
	r.off += int64(n)
	r.attr = a
	if err == nil && eof {
		err = io.EOF
	}
	return n, err
}

// Close releases nothing on the server: NFS version 3 reads hold no state.
func (r *fileReader) Close() error { return nil }

// Create writes with FILE_SYNC; Close sends a COMMIT. The CREATE carries
// perm (the server sets it as given: NFS clients take the umask off
// themselves).
func (c *conn) Create(ctx context.Context, p string, perm os.FileMode) (io.WriteCloser, error) {
	c.srv.handles.forget(p)
	f, err := bound(ctx, c, func() (*nfsc.File, error) { return c.t.OpenFile(p, perm) })
	if err != nil {
		return nil, err
	}
	return &writer{c: c, ctx: ctx, f: f}, nil
}

// writer is a file open for writing, each call bounded by ctx.
type writer struct {
	c   *conn
	ctx context.Context
	f   *nfsc.File
}

// Write hands go-nfs-client a copy of p: a call given up on (bound) may
// still be sending its bytes while the caller fills p again.
func (w *writer) Write(p []byte) (int, error) {
	q := getBuf(len(p))
	copy(q, p)
	return bound(w.ctx, w.c, func() (int, error) {
		defer putBuf(q)
		return w.f.Write(q)
	})
}

func (w *writer) Close() error {
	_, err := bound(w.ctx, w.c, func() (struct{}, error) { return struct{}{}, w.f.Close() })
	return err
}

// MkdirAll makes the folder at export path dir and those above it, each
// MKDIR carrying the bits perm tells.
func (c *conn) MkdirAll(ctx context.Context, dir string, perm func(string) os.FileMode) error {
	if dir == "" {
		return nil
	}
	_, a, err := c.resolve(ctx, dir)
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
		if err := c.MkdirAll(ctx, dir[:i], perm); err != nil {
			return err
		}
	}
	m := perm(dir)
	if _, err := bound(ctx, c, func() ([]byte, error) { return c.t.Mkdir(dir, m) }); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// SetAttrs is one SETATTR of the mtime and the mode.
func (c *conn) SetAttrs(ctx context.Context, p string, a nasfs.Attrs) error {
	var sa nfsc.Sattr3
	if !a.ModTime.IsZero() {
		mt := nfsc.NFS3Time{Seconds: uint32(a.ModTime.Unix()), Nseconds: uint32(a.ModTime.Nanosecond())}
		sa.Mtime = nfsc.SetTime{SetIt: nfsc.SetToClientTime, Time: mt}
	}
	if a.HasMode {
		sa.Mode = nfsc.SetMode{SetIt: true, Mode: uint32(a.Mode.Perm())}
	}
	return boundErr(ctx, c, func() error { return c.t.Setattr(p, sa) })
}

func (c *conn) Rename(ctx context.Context, from, to string) error {
	c.srv.handles.forget(from)
	c.srv.handles.forget(to)
	return boundErr(ctx, c, func() error { return c.t.Rename(from, to) })
}

func (c *conn) Remove(ctx context.Context, p string) error {
	c.srv.handles.forget(p)
	return boundErr(ctx, c, func() error { return c.t.Remove(p) })
}

// entry turns NFS attributes into a nasfs.Entry.
func entry(name string, a *nfsc.Fattr) nasfs.Entry {
	// mode3's low nine bits are the permission bits, as on Unix; the
	// setuid, setgid and sticky bits above them are not kept.
	o := connectors.Object{Size: int64(a.Filesize), ModTime: nfsTime(a.Mtime),
		Ctime: nfsTime(a.Ctime), Inode: a.Fileid, Mode: os.FileMode(a.FileMode) & os.ModePerm, HasMode: true}
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
