package nasfs

import (
	"context"
	"io"

	"github.com/mgw-dev/mgw/connectors"
)

// openDir opens the folder of key dir ("" or ending in "/") for reading
// in pages: the openDirFunc behind List, ListDir and Check.
func (s *Share) openDir(ctx context.Context, dir string) (pages, error) {
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

// pager reads one folder. A dropped connection ends its reader: it opens
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
	err := p.s.pool.Do(ctx, func(fs FS) error {
		d, err := fs.OpenDir(ctx, p.path)
		if err != nil {
			return err
		}
		p.d, p.c, p.skip = d, fs, p.seen
		return nil
	})
	if err != nil {
		return connectors.NewError(p.s.cfg.Kind(err), "list", p.dir, err)
	}
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
				p.d.Close()
				p.d = nil
				p.s.pool.Drop(p.c)
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

func (p *pager) Close() {
	if p.d != nil {
		p.d.Close()
		p.d = nil
	}
}
