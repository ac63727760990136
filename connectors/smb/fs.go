package smb

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"syscall"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// conn is one session with the share mounted on it: nasfs.FS over
// go-smb2. Every call runs under its caller's context.
type conn struct {
	sess  *smb2.Session
	share *smb2.Share
}

var _ nasfs.FS = (*conn)(nil)

func (c *conn) sh(ctx context.Context) *smb2.Share { return c.share.WithContext(ctx) }

// winPath is the share's form of a nasfs path.
func winPath(p string) string { return strings.ReplaceAll(p, "/", `\`) }

// Lstat asks through the path: a create that answers the attributes,
// then a close; the create's answer carries no file id.
func (c *conn) Lstat(ctx context.Context, p string) (nasfs.Entry, error) {
	fi, err := c.sh(ctx).Lstat(winPath(p))
	if err != nil {
		return nasfs.Entry{}, err
	}
	return entry(fi), nil
}

// Stat asks through a handle: Share.Lstat gives no file id, and the
// identity must match what a listing gives.
func (c *conn) Stat(ctx context.Context, p string) (nasfs.Entry, error) {
	f, err := c.sh(ctx).Open(winPath(p))
	if err != nil {
		return nasfs.Entry{}, err
	}
	defer f.Close()
	return file{f}.Stat()
}

var errNotDir = errors.New("not a folder")

// syscallError marks a folder that is a file as ENOTDIR for kindOf.
type syscallError struct{ errno syscall.Errno }

func (e *syscallError) Error() string { return errNotDir.Error() }
func (e *syscallError) Unwrap() error { return e.errno }

func (c *conn) OpenDir(ctx context.Context, p string) (nasfs.DirReader, error) {
	f, err := c.sh(ctx).Open(winPath(p))
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.IsDir() {
		err = &syscallError{syscall.ENOTDIR}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return dirReader{f}, nil
}

// dirReader reads a folder through its open handle, pageSize names at a
// time.
type dirReader struct{ f *smb2.File }

func (d dirReader) ReadDir() ([]nasfs.Entry, error) {
	fis, err := d.f.Readdir(pageSize)
	if err != nil {
		return nil, err
	}
	page := make([]nasfs.Entry, len(fis))
	for i, fi := range fis {
		page[i] = entry(fi)
	}
	return page, nil
}

func (d dirReader) Close() { d.f.Close() }

// OpenRead is one CREATE; the seek is the client's own.
func (c *conn) OpenRead(ctx context.Context, p string, off int64) (nasfs.File, error) {
	f, err := c.sh(ctx).Open(winPath(p))
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return file{f}, nil
}

// file is a file open for reading; its Stat is one QUERY_INFO on the
// handle.
type file struct{ *smb2.File }

func (f file) Stat() (nasfs.Entry, error) {
	fi, err := f.File.Stat()
	if err != nil {
		return nasfs.Entry{}, err
	}
	return entry(fi), nil
}

// Create ignores perm: SMB2/3 without the POSIX extensions (which
// go-smb2 does not speak) carries no permission bits; the share's
// create mask decides them.
func (c *conn) Create(ctx context.Context, p string, _ os.FileMode) (io.WriteCloser, error) {
	return c.sh(ctx).OpenFile(winPath(p), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
}

// MkdirAll ignores perm, as Create does: the share's directory mask
// decides.
func (c *conn) MkdirAll(ctx context.Context, p string, _ func(string) os.FileMode) error {
	return c.sh(ctx).MkdirAll(winPath(p), 0o777)
}

// SetAttrs sets the mtime only: there are no bits to set (see Create).
func (c *conn) SetAttrs(ctx context.Context, p string, a nasfs.Attrs) error {
	if a.ModTime.IsZero() {
		return nil
	}
	return c.sh(ctx).Chtimes(winPath(p), a.ModTime, a.ModTime)
}

func (c *conn) Rename(ctx context.Context, from, to string) error {
	return c.sh(ctx).Rename(winPath(from), winPath(to))
}

func (c *conn) Remove(ctx context.Context, p string) error {
	return c.sh(ctx).Remove(winPath(p))
}

// entry turns what Stat or Readdir found into a nasfs.Entry.
func entry(fi os.FileInfo) nasfs.Entry {
	o := connectors.Object{Size: fi.Size(), ModTime: fi.ModTime()}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		o.Type = connectors.Symlink
	case fi.Mode().IsRegular():
		o.Type = connectors.Regular
	default:
		o.Type = connectors.Special
	}
	if st, ok := fi.(*smb2.FileStat); ok {
		o.Ctime, o.Inode = st.ChangeTime, st.FileId
	}
	return nasfs.Entry{Name: fi.Name(), Dir: fi.IsDir(), Obj: o}
}
