package nfs

import (
	"context"
	"io"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// List walks the folders under prefix in parallel, reading each in pages;
// see nasfs.List for the contract.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	return nasfs.List(ctx, b.openDir, listWorkers, prefix, "", fn, onErr)
}

// ListDir calls fn for the files directly in dir.
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return nasfs.ListDir(ctx, b.openDir, dir, "", fn)
}

// openDir looks up the folder of key dir for reading in pages.
func (b *bucket) openDir(ctx context.Context, dir string) (nasfs.Pager, error) {
	if dir != "" {
		dir = dir[:len(dir)-1]
	}
	p := &pager{b: b, dir: dir, path: b.path(dir)}
	if err := p.open(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Page sizes of READDIRPLUS (RFC 1813 3.3.17): bytes of names and cookies,
// and of the whole reply (servers cap both to their own limits): a
// thousand names or more a call, since each call costs a round trip and
// some servers scan the folder from its start to find the cookie.
const (
	dirCount = 256 << 10
	maxCount = 1 << 20
)

// pager reads one folder with READDIRPLUS, a page per call, so a folder of
// any size is never held whole (go-nfs-client's ReadDirPlus reads it all).
// If the connection drops or the handle goes stale it looks the folder up
// again on a new connection, starts over and skips what it returned.
type pager struct {
	b    *bucket
	dir  string // key, without the trailing slash
	path string
	c    *conn
	fh   []byte
	// Where the listing stands: cookie and verifier of the last page.
	cookie, verf uint64
	eof          bool
	seen, skip   int // names returned; names to drop after a restart
}

func (p *pager) open(ctx context.Context) error {
	err := p.b.pool.Do(ctx, func(c *conn) error {
		a, fh, err := lookup(c.t, p.path)
		if err != nil {
			return err
		}
		if a.Type != nf3Dir {
			return connectors.NewError(connectors.KindNotDir, "list", p.dir, errNotDir)
		}
		p.c, p.fh = c, fh
		return nil
	})
	if err != nil {
		return connectors.NewError(kindOf(err), "list", p.dir+"/", err)
	}
	return nil
}

var errNotDir = &nfsc.Error{ErrorNum: nfsc.NFS3ErrNotDir, ErrorString: "NFS3ERR_NOTDIR"}

func (p *pager) Next(ctx context.Context) ([]nasfs.Entry, error) {
	for {
		if p.eof {
			return nil, io.EOF
		}
		if err := ctx.Err(); err != nil {
			return nil, connectors.NewError(connectors.Classify(err), "list", p.dir, err)
		}
		if p.fh == nil {
			if err := p.open(ctx); err != nil {
				return nil, err
			}
		}
		ents, err := p.page()
		if err != nil {
			if broken(err) && ctx.Err() == nil {
				// Start over on a new connection, skipping what was sent.
				p.b.pool.Drop(p.c)
				p.fh, p.cookie, p.verf, p.skip = nil, 0, 0, p.seen
				continue
			}
			return nil, connectors.NewError(kindOf(err), "list", p.dir+"/", err)
		}
		page := make([]nasfs.Entry, 0, len(ents))
		for _, e := range ents {
			if p.skip > 0 {
				p.skip--
				continue
			}
			p.seen++
			en := nasfs.Entry{Name: e.FileName}
			if e.Attr.IsSet {
				en.Dir = e.Attr.Attr.Type == nf3Dir
				en.Obj = object("", &e.Attr.Attr)
			} else if a, _, err := lookup(p.c.t, nasfs.Join(p.path, e.FileName)); err == nil {
				en.Dir = a.Type == nf3Dir
				en.Obj = object("", a)
			} else {
				continue // gone since the folder was read
			}
			page = append(page, en)
		}
		if len(page) > 0 || p.eof {
			return page, nil
		}
	}
}

// page sends one READDIRPLUS and decodes its entries.
func (p *pager) page() ([]nfsc.EntryPlus, error) {
	type readDirPlus3Args struct {
		rpc.Header
		FH         []byte
		Cookie     uint64
		CookieVerf uint64
		DirCount   uint32
		MaxCount   uint32
	}
	type dirListOK struct {
		DirAttrs   nfsc.PostOpAttr
		CookieVerf uint64
	}
	type entry struct {
		IsSet bool           `xdr:"union"`
		Entry nfsc.EntryPlus `xdr:"unioncase=1"`
	}
	res, err := p.c.t.Call(&readDirPlus3Args{
		Header: rpc.Header{Rpcvers: 2, Prog: nfsc.Nfs3Prog, Vers: nfsc.Nfs3Vers, Proc: nfsc.NFSProc3ReadDirPlus,
			Cred: p.b.auth, Verf: rpc.AuthNull},
		FH: p.fh, Cookie: p.cookie, CookieVerf: p.verf, DirCount: dirCount, MaxCount: maxCount,
	})
	if err != nil {
		return nil, err
	}
	status, err := xdr.ReadUint32(res)
	if err != nil {
		return nil, err
	}
	if err := nfsc.NFS3Error(status); err != nil {
		return nil, err
	}
	var ok dirListOK
	if err := xdr.Read(res, &ok); err != nil {
		return nil, err
	}
	var ents []nfsc.EntryPlus
	for {
		var e entry
		if err := xdr.Read(res, &e); err != nil {
			return nil, err
		}
		if !e.IsSet {
			break
		}
		p.cookie = e.Entry.Cookie
		ents = append(ents, e.Entry)
	}
	if err := xdr.Read(res, &p.eof); err != nil {
		return nil, err
	}
	p.verf = ok.CookieVerf
	return ents, nil
}

func (p *pager) Close() {}
