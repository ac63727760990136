// Package nfs is the connector for an NFS version 3 export, spoken
// directly with github.com/willscott/go-nfs-client: no kernel mount, and
// the same on every OS the agent runs on.
//
// The address's server is "host" (the MOUNT and NFS ports come from the
// portmapper) or "host:port" (MOUNT and NFS on that one port, no
// portmapper). The MOUNT and NFS connections come from a reserved source
// port (below 1024, which needs root or CAP_NET_BIND_SERVICE) when the
// address sets reserved_port, as exports with the kernel server's
// default "secure" option require, and from an ordinary one otherwise,
// root or not. Calls carry AUTH_UNIX credentials with the address's uid
// and gid.
//
// NFS version 3 attributes carry Unix permission bits: objects tell them,
// and Put makes files and folders with the source's (Features.Modes; the
// rules are nasfs's, modes.go).
//
// Keys are '/'-separated paths relative to the address's folder in the
// export. This package holds the NFS side only: the address, the
// connection (dial, MOUNT), the go-nfs-client calls behind nasfs.FS, a
// paged READDIRPLUS, and the NFS3ERR and MNT3ERR codes. Everything else a
// Bucket does — pooled connections replaced with backoff when one drops
// or its handles go stale (NFS3ERR_STALE after a server restart), readers
// that resume at their offset, Put through a temporary name (FILE_SYNC
// writes) renamed into place, the paged walk — is
// connectors/internal/nasfs, shared with the smb connector.
package nfs

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// DefaultConns is the number of connections kept per address when
// Address.Conns is 0.
const DefaultConns = 8

// listWorkers bounds the goroutines of one List.
const listWorkers = 8

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
	auth := rpc.NewAuthUnix(machine, addr.UID, addr.GID).Auth()
	srv := newServer() // the handles all connections share
	conns := addr.Conns
	if conns <= 0 {
		conns = DefaultConns
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := &dialer{server: addr.Server, export: addr.Export, auth: auth, reserved: addr.ReservedPort, timeout: timeout}
	dialFS := func(ctx context.Context) (nasfs.FS, error) {
		c, err := d.dial(ctx)
		if err != nil {
			return nil, &nasfs.ConnectError{Err: err}
		}
		c.srv = srv
		return c, nil
	}
	return nasfs.New(nasfs.Config{
		Root: root, Conns: conns, ListWorkers: listWorkers,
		Dial: dialFS, Release: func(fs nasfs.FS) { fs.(*conn).close() },
		Kind: kindOf, Broken: broken, Timeout: timeout, Modes: true,
	}), nil
}

// IsConnectError reports whether err came from connecting to the server,
// logging in or mounting, rather than from a file or folder: the agent
// reports those as a failed mount.
func IsConnectError(err error) bool { return nasfs.IsConnectError(err) }
