package nfs

import (
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
type dirReader struct {
	c    *conn
	path string
	fh   []byte
	// Where the listing stands: cookie and verifier of the last page.
	cookie, verf uint64
	eof          bool
}

func (d *dirReader) ReadDir() ([]nasfs.Entry, error) {
	if d.eof {
		return nil, io.EOF
	}
	ents, err := d.page()
	if err != nil {
		return nil, err
	}
	page := make([]nasfs.Entry, 0, len(ents))
	for _, e := range ents {
		if e.Attr.IsSet {
			page = append(page, entry(e.FileName, &e.Attr.Attr))
		} else if a, _, err := lookup(d.c.t, nasfs.Join(d.path, e.FileName)); err == nil {
			page = append(page, entry(e.FileName, a))
		} // else gone since the folder was read
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
	res, err := d.c.t.Call(&readDirPlus3Args{
		Header: rpc.Header{Rpcvers: 2, Prog: nfsc.Nfs3Prog, Vers: nfsc.Nfs3Vers, Proc: nfsc.NFSProc3ReadDirPlus,
			Cred: d.c.auth, Verf: rpc.AuthNull},
		FH: d.fh, Cookie: d.cookie, CookieVerf: d.verf, DirCount: dirCount, MaxCount: maxCount,
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
		d.cookie = e.Entry.Cookie
		ents = append(ents, e.Entry)
	}
	if err := xdr.Read(res, &d.eof); err != nil {
		return nil, err
	}
	d.verf = ok.CookieVerf
	return ents, nil
}
