package smb

import (
	"context"
	"errors"
	"io"
	"syscall"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// List walks the folders under prefix in parallel, reading each in pages;
// see nasfs.List for the contract.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	return nasfs.List(ctx, b.openDir, listWorkers, prefix, forbid, fn, onErr)
}

// ListDir calls fn for the files directly in dir.
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return nasfs.ListDir(ctx, b.openDir, dir, forbid, fn)
}

// openDir opens the folder of key dir for reading in pages.
func (b *bucket) openDir(ctx context.Context, dir string) (nasfs.Pager, error) {
	p := &pager{b: b, dir: dir, path: b.path(trimSlash(dir))}
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

func trimSlash(dir string) string {
	if dir != "" && dir[len(dir)-1] == '/' {
		return dir[:len(dir)-1]
	}
	return dir
}

// pager reads one folder. A dropped session ends its handle: it opens the
// folder again on a new session and skips the names it already returned
// (servers return a folder's names in a stable order while it is unchanged).
type pager struct {
	b    *bucket
	dir  string
	path string
	f    *smb2.File
	c    *conn
	seen int // names returned so far
}

var errNotDir = errors.New("not a folder")

func (p *pager) open(ctx context.Context) error {
	err := p.b.pool.Do(ctx, func(c *conn) error {
		f, err := c.share.WithContext(ctx).Open(p.path)
		if err != nil {
			return err
		}
		fi, err := f.Stat()
		if err == nil && !fi.IsDir() {
			err = &syscallError{syscall.ENOTDIR}
		}
		if err != nil {
			f.Close()
			return err
		}
		for skip := p.seen; skip > 0; {
			fis, err := f.Readdir(min(skip, pageSize))
			if err != nil {
				f.Close()
				if err == io.EOF {
					return nil // the folder shrank meanwhile: nothing more
				}
				return err
			}
			skip -= len(fis)
		}
		p.f, p.c = f, c
		return nil
	})
	if err != nil {
		return connectors.NewError(kindOf(err), "list", p.dir, err)
	}
	return nil
}

// syscallError marks a folder that is a file as ENOTDIR for kindOf.
type syscallError struct{ errno syscall.Errno }

func (e *syscallError) Error() string { return errNotDir.Error() }
func (e *syscallError) Unwrap() error { return e.errno }

func (p *pager) Next(ctx context.Context) ([]nasfs.Entry, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, connectors.NewError(connectors.Classify(err), "list", p.dir, err)
		}
		if p.f == nil {
			if err := p.open(ctx); err != nil {
				return nil, err
			}
			if p.f == nil {
				return nil, io.EOF
			}
		}
		fis, err := p.f.Readdir(pageSize)
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			if broken(err) && ctx.Err() == nil {
				p.f.Close()
				p.f = nil
				p.b.pool.Drop(p.c)
				continue
			}
			return nil, connectors.NewError(kindOf(err), "list", p.dir, err)
		}
		p.seen += len(fis)
		page := make([]nasfs.Entry, 0, len(fis))
		for _, fi := range fis {
			page = append(page, nasfs.Entry{Name: fi.Name(), Dir: fi.IsDir(), Obj: object("", fi)})
		}
		return page, nil
	}
}

func (p *pager) Close() {
	if p.f != nil {
		p.f.Close()
		p.f = nil
	}
}
