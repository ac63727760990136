package nfs

import (
	"context"
	"fmt"
	"io"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"
)

// The NFS procedures this package sends itself, by file handle, where
// go-nfs-client takes a path (and looks each of its folders up again) or
// drops what the server answered (READ's attributes).

// header is the RPC header of NFS procedure proc.
func (c *conn) header(proc uint32) rpc.Header {
	return rpc.Header{Rpcvers: 2, Prog: nfsc.Nfs3Prog, Vers: nfsc.Nfs3Vers, Proc: proc, Cred: c.auth, Verf: rpc.AuthNull}
}

// call sends args and returns the reply after its status, or the status
// as an *nfsc.Error.
func (c *conn) call(ctx context.Context, args any) (io.ReadSeeker, error) {
	res, err := bound(ctx, c, func() (io.ReadSeeker, error) { return c.client.Call(args) })
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
	return res, nil
}

// lookupIn looks name up in the folder of handle dir (LOOKUP): the
// handle and attributes of what it names.
func (c *conn) lookupIn(ctx context.Context, dir []byte, name string) ([]byte, *nfsc.Fattr, error) {
	type args struct {
		rpc.Header
		What nfsc.Diropargs3
	}
	type ok struct {
		FH      []byte
		Attr    nfsc.PostOpAttr
		DirAttr nfsc.PostOpAttr
	}
	res, err := c.call(ctx, &args{Header: c.header(nfsc.NFSProc3Lookup), What: nfsc.Diropargs3{FH: dir, Filename: name}})
	if err != nil {
		return nil, nil, err
	}
	var r ok
	if err := xdr.Read(res, &r); err != nil {
		return nil, nil, err
	}
	if !r.Attr.IsSet { // optional in a LOOKUP reply
		a, err := c.getattr(ctx, r.FH)
		return r.FH, a, err
	}
	return r.FH, &r.Attr.Attr, nil
}

// getattr asks the attributes of the file of handle fh (GETATTR).
func (c *conn) getattr(ctx context.Context, fh []byte) (*nfsc.Fattr, error) {
	type args struct {
		rpc.Header
		FH []byte
	}
	res, err := c.call(ctx, &args{Header: c.header(nfsc.NFSProc3GetAttr), FH: fh})
	if err != nil {
		return nil, err
	}
	var a nfsc.Fattr
	if err := xdr.Read(res, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// read reads up to len(p) bytes at off of the file of handle fh (READ),
// in one call: the bytes, whether they reach the end of the file, and the
// attributes the server sent with them (RFC 1813: as they are when the
// read completes), nil if it sent none.
func (c *conn) read(ctx context.Context, fh []byte, off int64, p []byte) (int, bool, *nfsc.Fattr, error) {
	type args struct {
		rpc.Header
		FH     []byte
		Offset uint64
		Count  uint32
	}
	type ok struct {
		Attr  nfsc.PostOpAttr
		Count uint32
		EOF   bool
		Len   uint32 // of the data that follows
	}
	res, err := c.call(ctx, &args{Header: c.header(nfsc.NFSProc3Read), FH: fh, Offset: uint64(off), Count: uint32(len(p))})
	if err != nil {
		return 0, false, nil, err
	}
	var r ok
	if err := xdr.Read(res, &r); err != nil {
		return 0, false, nil, err
	}
	if r.Len > uint32(len(p)) {
		return 0, false, nil, fmt.Errorf("nfs: READ of %d bytes answered %d", len(p), r.Len)
	}
	n, err := io.ReadFull(res, p[:r.Len])
	if err != nil {
		return n, false, nil, err
	}
	var a *nfsc.Fattr
	if r.Attr.IsSet {
		a = &r.Attr.Attr
	}
	return n, r.EOF, a, nil
}

// fsinfo asks the server's limits (FSINFO) of the export's root.
func (c *conn) fsinfo(ctx context.Context) (*nfsc.FSInfo, error) {
	return bound(ctx, c, c.t.FSInfo)
}

// lookup looks name up in the export's root (LOOKUP, by go-nfs-client,
// which knows the root's handle): its handle and attributes, whose Type
// is 0 if the server sent none.
func (c *conn) lookup(ctx context.Context, name string) ([]byte, *nfsc.Fattr, error) {
	type found struct {
		fh []byte
		a  *nfsc.Fattr
	}
	f, err := bound(ctx, c, func() (found, error) {
		fi, fh, err := c.t.Lookup(name)
		if err != nil {
			return found{}, err
		}
		return found{fh, fi.(*nfsc.Fattr)}, nil
	})
	return f.fh, f.a, err
}
