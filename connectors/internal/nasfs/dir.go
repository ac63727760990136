package nasfs

import (
	"context"
	"io"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/walk"
)

// openDir opens the folder of key dir ("" or ending in "/") for reading
// in pages: the walk.Tree.Open behind List, ListDir and Check.
func (s *Share) openDir(ctx context.Context, dir string) (walk.Pages, error) {
	p := &pager{s: s, dir: dir, path: s.path(trimSlash(dir))}
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

// pager reads one folder, on a connection of the share's listing pool
// lent to it until Close. A dropped connection ends its reader: it opens
// the folder again on a new connection and skips as many names as it
// already returned (servers return a folder's names in a stable order
// while it is unchanged).
type pager struct {
	s    *Share
	dir  string // key, "" or ending in "/"
	path string
	d    DirReader
	c    FS
	seen int // names returned so far
	skip int // names still to drop after a reopen
}

func (p *pager) open(ctx context.Context) error {
	c, err := p.s.lists.Hold(ctx, func(fs FS) error {
		d, err := fs.OpenDir(ctx, p.path)
		p.d = d
		return err
	})
	if err != nil {
		return connectors.NewError(p.s.cfg.Kind(err), "list", p.dir, err)
	}
	p.c, p.skip = c, p.seen
	return nil
}

func (p *pager) Next(ctx context.Context) ([]Entry, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, connectors.NewError(connectors.Classify(err), "list", p.dir, err)
		}
		if p.d == nil {
			if err := p.open(ctx); err != nil {
				return nil, err
			}
		}
		page, err := p.d.ReadDir()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			if p.s.cfg.Broken(err) && ctx.Err() == nil {
				p.release(true)
				continue
			}
			return nil, connectors.NewError(p.s.cfg.Kind(err), "list", p.dir, err)
		}
		drop := min(p.skip, len(page))
		page, p.skip = page[drop:], p.skip-drop
		p.seen += len(page)
		if len(page) > 0 {
			return page, nil
		}
	}
}

// release gives the connection back, closing the folder first unless
// the connection broke.
func (p *pager) release(broken bool) {
	if broken {
		drop(p.d)
	} else {
		p.d.Close()
	}
	p.s.lists.Put(p.c, broken)
	p.d, p.c = nil, nil
}

func (p *pager) Close() {
	if p.d != nil {
		p.release(false)
	}
}
