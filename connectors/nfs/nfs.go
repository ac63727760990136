// Package nfs is the connector for an NFS version 3 export, spoken
// directly with github.com/willscott/go-nfs-client: no kernel mount, and
// the same on every OS the agent runs on.
//
// The address's server is "host" (the MOUNT and NFS ports come from the
// portmapper, and the client binds a reserved source port when run as
// root, as exports with the default "secure" option require) or
// "host:port" (MOUNT and NFS on that one port, no portmapper). Calls carry
// AUTH_UNIX credentials with the address's uid and gid.
//
// Keys are '/'-separated paths relative to the address's folder in the
// export. Connections are pooled (Address.Conns, default 8) and shared; a
// connection that drops, or a mount whose handles the server forgot
// (NFS3ERR_STALE after a restart), is replaced with backoff and the call
// repeated; a reader resumes at its offset. Put writes a temporary name
// beside the target with FILE_SYNC writes and renames it into place.
package nfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strings"
	"syscall"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// DefaultConns is the number of connections kept per address when
// Address.Conns is 0.
const DefaultConns = 8

// listWorkers bounds the goroutines of one List.
const listWorkers = 8

// conn is one RPC connection with the export mounted on it.
type conn struct {
	client *rpc.Client
	t      *nfsc.Target
}

type bucket struct {
	server string
	export string
	root   string // folder in the export, '/'-separated, "" for the export's root
	auth   rpc.Auth
	pool   *connpool.Pool[*conn]
}

var _ connectors.Bucket = (*bucket)(nil)

// New opens addr.Export on addr.Server. It does not connect: the first
// call does, and Check verifies the address.
func New(addr connectors.Address) (connectors.Bucket, error) {
	fail := func(format string, args ...any) (connectors.Bucket, error) {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", fmt.Errorf(format, args...))
	}
	if addr.Server == "" || addr.Export == "" {
		return fail("nfs address needs a server and an export")
	}
	root, err := nasfs.CleanRoot(addr.Path)
	if err != nil {
		return fail("%v", err)
	}
	machine, _ := os.Hostname()
	b := &bucket{server: addr.Server, export: addr.Export, root: root,
		auth: rpc.NewAuthUnix(machine, addr.UID, addr.GID).Auth()}
	conns := addr.Conns
	if conns <= 0 {
		conns = DefaultConns
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	b.pool = connpool.New(conns, func(ctx context.Context) (*conn, error) {
		c, err := b.dial(ctx, timeout)
		if err != nil {
			return nil, &connectError{err}
		}
		return c, nil
	},
		func(c *conn) { c.client.Close() }, broken)
	return b, nil
}

// dial connects and mounts the export.
func (b *bucket) dial(ctx context.Context, timeout time.Duration) (*conn, error) {
	// go-nfs-client dials without a context: probe the address first so a
	// wrong one fails within the timeout.
	var (
		client *rpc.Client
		m      *nfsc.Mount
		err    error
	)
	if _, _, perr := net.SplitHostPort(b.server); perr == nil {
		d := net.Dialer{Timeout: timeout}
		probe, err := d.DialContext(ctx, "tcp", b.server)
		if err != nil {
			return nil, err
		}
		probe.Close()
		if client, err = dialTCP(b.server); err != nil {
			return nil, err
		}
		m = &nfsc.Mount{Client: client}
	} else {
		if m, err = nfsc.DialMount(b.server, 0); err != nil {
			return nil, err
		}
		client = m.Client
	}
	t, err := m.Mount(b.export, b.auth)
	if err != nil {
		client.Close()
		if s := err.Error(); strings.HasPrefix(s, "MNT3ERR_") {
			err = &mountError{status: s}
		}
		return nil, err
	}
	if t.Client != client {
		client.Close() // the portmapper path dials NFS apart from MOUNT
		client = t.Client
	}
	return &conn{client: client, t: t}, nil
}

// dialTCP connects an RPC client to addr. go-nfs-client binds a random
// source port, and retries one in use only for reserved ports: retry here.
func dialTCP(addr string) (*rpc.Client, error) {
	for i := 0; ; i++ {
		c, err := rpc.DialTCP("tcp", addr, false)
		if err == nil || i == 20 || !errors.Is(err, syscall.EADDRINUSE) {
			return c, err
		}
	}
}

// path is the export path of a key ("" is the address's folder).
func (b *bucket) path(key string) string { return nasfs.Join(b.root, key) }

// do runs op on a pooled connection, repeating it on a new one if the
// connection drops; errors come back classified by kind.
func (b *bucket) do(ctx context.Context, opName, key string, kind func(error) connectors.Kind, op func(t *nfsc.Target) error) error {
	err := b.pool.Do(ctx, func(c *conn) error { return op(c.t) })
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return connectors.NewError(kind(err), opName, key, err)
}

func (b *bucket) Features() connectors.Features { return connectors.Features{UTF8Keys: true} }

func (b *bucket) Close() error {
	b.pool.Close()
	return nil
}

// Check mounts the export and reads the first names of the address's
// folder: a missing folder is KindNotFound, a file KindNotDir.
func (b *bucket) Check(ctx context.Context) error {
	p, err := b.openDir(ctx, "")
	if err != nil {
		return connectors.NewError(connectors.KindOf(err), "check", "", err)
	}
	defer p.Close()
	if _, err := p.Next(ctx); err != nil && err != io.EOF {
		return connectors.NewError(connectors.KindOf(err), "check", "", err)
	}
	return nil
}

var (
	errIsDir      = connectors.ErrIsFolder
	errNotRegular = errors.New("not a regular file")
)

// NFS file types (RFC 1813, ftype3).
const (
	nf3Reg = 1
	nf3Dir = 2
	nf3Lnk = 5
)

// lookup returns the attributes and handle of the file at export path p.
func lookup(t *nfsc.Target, p string) (*nfsc.Fattr, []byte, error) {
	fi, fh, err := t.Lookup(p)
	if err != nil {
		return nil, nil, err
	}
	return fi.(*nfsc.Fattr), fh, nil
}

// Stat returns the key's attributes; a folder is not an object.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	if err := nasfs.CheckKey(key, ""); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnsupportedName, "stat", key, err)
	}
	var a *nfsc.Fattr
	err := b.do(ctx, "stat", key, readKind, func(t *nfsc.Target) (err error) {
		a, _, err = lookup(t, b.path(key))
		return err
	})
	if err != nil {
		return connectors.Object{}, err
	}
	if a.Type == nf3Dir {
		return connectors.Object{}, connectors.NewError(connectors.KindNotFound, "stat", key, errIsDir)
	}
	return object(key, a), nil
}

// object turns NFS attributes into an Object.
func object(key string, a *nfsc.Fattr) connectors.Object {
	o := connectors.Object{Key: key, Size: int64(a.Filesize), ModTime: nfsTime(a.Mtime),
		Ctime: nfsTime(a.Ctime), Inode: a.Fileid}
	switch a.Type {
	case nf3Reg:
		o.Type = connectors.Regular
	case nf3Lnk:
		o.Type = connectors.Symlink
	default:
		o.Type = connectors.Special
	}
	return o
}

func nfsTime(t nfsc.NFS3Time) time.Time {
	return time.Unix(int64(t.Seconds), int64(t.Nseconds))
}

// Delete removes the file at key; a missing key, or a folder, is not an
// error.
func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := nasfs.CheckKey(key, ""); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "delete", key, err)
	}
	return b.do(ctx, "delete", key, kindOf, func(t *nfsc.Target) error {
		p := b.path(key)
		a, _, err := lookup(t, p)
		if err == nil && a.Type == nf3Dir {
			return nil
		}
		if err == nil {
			err = t.Remove(p)
		}
		if err != nil && readKind(err) == connectors.KindNotFound {
			return nil
		}
		return err
	})
}

// parent is the key of key's folder ("" for the root).
func parent(key string) string {
	if d := path.Dir(key); d != "." {
		return d
	}
	return ""
}
