package nfs

import (
	"context"
	"io"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"

	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// Page sizes of READDIRPLUS (RFC 1813 3.3.17): bytes of names and cookies,
// and of the whole reply (servers cap both to their own limits): a
// thousand names or more a call, since each call costs a round trip and
// some servers scan the folder from its start to find the cookie.
const (
	dirCount = 256 << 10
	maxCount = 1 << 20
)

// dirReader reads one folder with READDIRPLUS, a page per call, so a
// folder of any size is never held whole (go-nfs-client's ReadDirPlus
// reads it all). After a drop nasfs opens a new one, which starts over.
// The handles the pages carry are kept (see handles): a sub-folder is
// then listed, and a file read, with no LOOKUP.
type dirReader struct {
	c    *conn
	ctx  context.Context // bounds each call
	path string
	fh   []byte
	// Where the listing stands: cookie and verifier of the last page.
	cookie, verf uint64
	eof          bool
	// The first page, read by OpenDir, for the first ReadDir.
	first  []nfsc.EntryPlus
	primed bool
}

func (d *dirReader) ReadDir() ([]nasfs.Entry, error) {
	var (
		ents []nfsc.EntryPlus
		err  error
	)
	switch {
	case d.primed:
		ents, d.first, d.primed = d.first, nil, false
	case d.eof:
		return nil, io.EOF
	default:
		if ents, err = d.page(); err != nil {
			return nil, err
		}
	}
	h := d.c.srv.handles
	page := make([]nasfs.Entry, 0, len(ents))
	for _, e := range ents {
		if e.FileName == "." || e.FileName == ".." {
			page = append(page, nasfs.Entry{Name: e.FileName, Dir: true})
			continue
		}
		p := nasfs.Join(d.path, e.FileName)
		a := &e.Attr.Attr
		if !e.Attr.IsSet {
			var err error
			if _, a, err = d.c.resolve(d.ctx, p); err != nil {
				continue // gone since the folder was read
			}
		} else if e.Handle.IsSet {
			switch a.Type {
			case nf3Dir:
				h.putDir(p, e.Handle.FH)
			case nf3Reg:
				h.putFile(p, e.Handle.FH)
			}
		}
		page = append(page, entry(e.FileName, a))
	}
	return page, nil
}

func (d *dirReader) Close() {}

// page sends one READDIRPLUS and decodes its entries.
func (d *dirReader) page() ([]nfsc.EntryPlus, error) {
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
	if d.eof {
		return nil, nil
	}
	res, err := d.c.call(d.ctx, &readDirPlus3Args{
		Header: rpc.Header{Rpcvers: 2, Prog: nfsc.Nfs3Prog, Vers: nfsc.Nfs3Vers, Proc: nfsc.NFSProc3ReadDirPlus,
			Cred: d.c.auth, Verf: rpc.AuthNull},
		FH: d.fh, Cookie: d.cookie, CookieVerf: d.verf, DirCount: dirCount, MaxCount: maxCount,
	})
	if err != nil {
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
		d.cookie = e.Entry.Cookie
		ents = append(ents, e.Entry)
	}
	if err := xdr.Read(res, &d.eof); err != nil {
		return nil, err
	}
	d.verf = ok.CookieVerf
	return ents, nil
}
