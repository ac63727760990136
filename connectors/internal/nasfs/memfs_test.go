package nasfs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
)

// memServer is a file server in memory that the nasfs tests reach
// through memConn, an FS, so they can count calls and break connections
// at chosen points: what the real servers of the smb and nfs tests
// cannot be made to do on cue.
type memServer struct {
	mu    sync.Mutex
	files map[string]*memFile // by path; "" is the root, always a folder
	calls map[string]int      // by operation
	// fail, if set, is asked before each call (op, path) and each read or
	// page; its error is returned instead.
	fail  func(op, p string) error
	dials int
	// refuseModes: SetAttrs of permission bits is refused, as a volume
	// of ACLs only refuses them (NFS3ERR_PERM).
	refuseModes bool
}

type memFile struct {
	dir   bool
	link  bool
	data  []byte
	mtime time.Time
	mode  os.FileMode // the permission bits asked for, as an NFS server keeps them
}

var (
	errBroken   = errors.New("connection reset")
	errMissing  = os.ErrNotExist
	errNotAFold = errors.New("not a folder")
	errExists   = os.ErrExist
	errNotFile  = errors.New("invalid argument")
)

func memKind(err error) connectors.Kind {
	switch {
	case errors.Is(err, errNotAFold):
		return connectors.KindNotDir
	case errors.Is(err, errExists):
		return connectors.KindInvalidArgument
	case errors.Is(err, errBroken):
		return connectors.KindTransient
	}
	return connectors.Classify(err)
}

func memBroken(err error) bool { return errors.Is(err, errBroken) }

func newMemServer() *memServer {
	return &memServer{files: map[string]*memFile{"": {dir: true}}, calls: map[string]int{}}
}

// share opens a Share on s with the given root.
func (s *memServer) share(t *testing.T, root string) *Share {
	t.Helper()
	return s.shareOf(t, root, 2, 2)
}

// shareOf opens a Share on s with conns connections for files and
// lists for listings.
func (s *memServer) shareOf(t *testing.T, root string, conns, lists int) *Share {
	t.Helper()
	sh := New(Config{Root: root, Conns: conns, ListWorkers: lists, Kind: memKind, Broken: memBroken,
		Dial: func(context.Context) (FS, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.dials++
			return &memConn{s: s}, nil
		},
		Release: func(FS) {}})
	t.Cleanup(func() { sh.Close() })
	return sh
}

// call counts op and asks fail; it must be called with s.mu held.
func (s *memServer) call(op, p string) error {
	s.calls[op]++
	if s.fail != nil {
		return s.fail(op, p)
	}
	return nil
}

// find returns the file at p, or why there is none.
func (s *memServer) find(p string) (*memFile, error) {
	if p != "" {
		if d, err := s.find(parentPath(p)); err != nil {
			return nil, err
		} else if !d.dir {
			return nil, errNotAFold
		}
	}
	f, ok := s.files[p]
	if !ok {
		return nil, errMissing
	}
	return f, nil
}

func parentPath(p string) string {
	if d := path.Dir(p); d != "." {
		return d
	}
	return ""
}

// memConn is one connection; once a call on it met errBroken, every
// later call on it does too, as on a real connection that dropped.
type memConn struct {
	s    *memServer
	dead bool
}

// call is s.call on this connection; it must be called with s.mu held.
func (c *memConn) call(op, p string) error {
	if c.dead {
		return errBroken
	}
	err := c.s.call(op, p)
	c.dead = errors.Is(err, errBroken)
	return err
}

func (c *memConn) lstat(op, p string) (Entry, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call(op, p); err != nil {
		return Entry{}, err
	}
	f, err := c.s.find(p)
	if err != nil {
		return Entry{}, err
	}
	return f.entry(path.Base(p)), nil
}

func (f *memFile) entry(name string) Entry {
	o := connectors.Object{Size: int64(len(f.data)), ModTime: f.mtime, Mode: f.mode, HasMode: true}
	if f.link {
		o.Type = connectors.Symlink
	}
	return Entry{Name: name, Dir: f.dir, Obj: o}
}

func (c *memConn) Lstat(_ context.Context, p string) (Entry, error) { return c.lstat("lstat", p) }
func (c *memConn) Stat(_ context.Context, p string) (Entry, error)  { return c.lstat("stat", p) }

func (c *memConn) OpenDir(_ context.Context, p string) (DirReader, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("opendir", p); err != nil {
		return nil, err
	}
	f, err := c.s.find(p)
	if err != nil {
		return nil, err
	}
	if !f.dir {
		return nil, errNotAFold
	}
	d := &memDir{s: c.s, p: p, names: []string{".", ".."}}
	for name := range c.s.files {
		if name != "" && parentPath(name) == p {
			d.names = append(d.names, name)
		}
	}
	sort.Strings(d.names[2:])
	return d, nil
}

// memDir returns a folder's names two at a time.
type memDir struct {
	s     *memServer
	p     string
	names []string
}

func (d *memDir) ReadDir() ([]Entry, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if err := d.s.call("readdir", d.p); err != nil {
		return nil, err
	}
	if len(d.names) == 0 {
		return nil, io.EOF
	}
	n := min(2, len(d.names))
	var page []Entry
	for _, name := range d.names[:n] {
		if name == "." || name == ".." {
			page = append(page, Entry{Name: name, Dir: true})
		} else if f, ok := d.s.files[name]; ok {
			page = append(page, f.entry(path.Base(name)))
		}
	}
	d.names = d.names[n:]
	return page, nil
}

func (d *memDir) Close() {}

func (c *memConn) OpenRead(_ context.Context, p string, off int64) (File, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("open", p); err != nil {
		return nil, err
	}
	f, err := c.s.find(p)
	if err != nil {
		return nil, err
	}
	return &memReader{c: c, s: c.s, p: p, f: f, data: f.data, off: off}, nil
}

// memReader returns at most three bytes a Read, so reads come in many.
type memReader struct {
	c    *memConn
	s    *memServer
	p    string
	f    *memFile
	data []byte
	off  int64
}

func (r *memReader) Read(b []byte) (int, error) {
	r.s.mu.Lock()
	err := r.s.call("read", r.p)
	r.s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if r.f.dir || r.f.link {
		return 0, errNotFile // as servers refuse to read a folder or a link
	}
	if r.off >= int64(len(r.data)) {
		return 0, io.EOF
	}
	n := copy(b[:min(len(b), 3)], r.data[r.off:])
	r.off += int64(n)
	return n, nil
}

func (r *memReader) Close() error { return nil }

// Stat tells what is at the path now, as a handle on a server that
// follows renames would not; enough for these tests.
func (r *memReader) Stat() (Entry, error) { return r.c.lstat("fstat", r.p) }

func (c *memConn) Create(_ context.Context, p string, perm os.FileMode) (io.WriteCloser, error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("create", p); err != nil {
		return nil, err
	}
	if _, err := c.s.find(p); err == nil {
		return nil, errExists
	} else if !errors.Is(err, errMissing) {
		return nil, err
	}
	if d, err := c.s.find(parentPath(p)); err != nil {
		return nil, err
	} else if !d.dir {
		return nil, errNotAFold
	}
	c.s.files[p] = &memFile{mtime: time.Now(), mode: perm}
	return &memWriter{s: c.s, c: c, p: p}, nil
}

type memWriter struct {
	s   *memServer
	c   *memConn
	p   string
	buf bytes.Buffer
}

func (w *memWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	err := w.c.call("write", w.p)
	w.s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return w.buf.Write(b)
}

func (w *memWriter) Close() error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if f, ok := w.s.files[w.p]; ok {
		f.data = bytes.Clone(w.buf.Bytes())
	}
	return w.c.call("close", w.p)
}

func (c *memConn) MkdirAll(_ context.Context, p string, perm func(string) os.FileMode) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("mkdirall", p); err != nil {
		return err
	}
	if p == "" {
		return nil
	}
	parts := strings.Split(p, "/")
	for i := range parts {
		q := strings.Join(parts[:i+1], "/")
		if f, ok := c.s.files[q]; ok {
			if !f.dir {
				return errNotAFold
			}
			continue
		}
		c.s.files[q] = &memFile{dir: true, mode: perm(q)}
	}
	return nil
}

func (c *memConn) SetAttrs(_ context.Context, p string, a Attrs) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("setattrs", p); err != nil {
		return err
	}
	if a.HasMode && c.s.refuseModes {
		return &connectors.Error{Kind: connectors.KindAccessDenied, Op: "setattr", Err: os.ErrPermission}
	}
	f, err := c.s.find(p)
	if err != nil {
		return err
	}
	if !a.ModTime.IsZero() {
		f.mtime = a.ModTime
	}
	if a.HasMode {
		f.mode = a.Mode
	}
	return nil
}

func (c *memConn) Rename(_ context.Context, from, to string) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("rename", from); err != nil {
		return err
	}
	f, err := c.s.find(from)
	if err != nil {
		return err
	}
	delete(c.s.files, from)
	c.s.files[to] = f
	return nil
}

func (c *memConn) Remove(_ context.Context, p string) error {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if err := c.call("remove", p); err != nil {
		return err
	}
	if _, err := c.s.find(p); err != nil {
		return err
	}
	delete(c.s.files, p)
	return nil
}

func TestMain(m *testing.M) {
	connpool.DefaultMinBackoff, connpool.DefaultMaxBackoff = time.Millisecond, 10*time.Millisecond
	os.Exit(m.Run())
}
