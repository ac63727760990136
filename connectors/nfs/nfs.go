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
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
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
	dialFS := func(ctx context.Context) (nasfs.FS, error) {
		c, err := dial(ctx, addr.Server, addr.Export, auth, timeout)
		if err != nil {
			return nil, &nasfs.ConnectError{Err: err}
		}
		c.srv = srv
		return c, nil
	}
	return nasfs.New(nasfs.Config{
		Root: root, Conns: conns, ListWorkers: listWorkers,
		Dial: dialFS, Release: func(fs nasfs.FS) { fs.(*conn).client.Close() },
		Kind: kindOf, Broken: broken,
	}), nil
}

// dial connects to server and mounts export.
func dial(ctx context.Context, server, export string, auth rpc.Auth, timeout time.Duration) (*conn, error) {
	// go-nfs-client dials without a context: probe the address first so a
	// wrong one fails within the timeout.
	var (
		client *rpc.Client
		m      *nfsc.Mount
		err    error
	)
	if _, _, perr := net.SplitHostPort(server); perr == nil {
		d := net.Dialer{Timeout: timeout}
		probe, err := d.DialContext(ctx, "tcp", server)
		if err != nil {
			return nil, err
		}
		probe.Close()
		if client, err = dialTCP(server); err != nil {
			return nil, err
		}
		m = &nfsc.Mount{Client: client}
	} else {
		// Through the portmapper (rpcbind), as NAS appliances and the
		// kernel server are reached: its dials pick their own source port too.
		if m, err = retryInUse(func() (*nfsc.Mount, error) { return nfsc.DialMount(server, 0) }); err != nil {
			return nil, err
		}
		client = m.Client
	}
	t, err := retryInUse(func() (*nfsc.Target, error) { return m.Mount(export, auth) }) // MOUNT is idempotent
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
	return &conn{client: client, t: t, auth: auth}, nil
}

// dialTCP connects an RPC client to addr.
func dialTCP(addr string) (*rpc.Client, error) {
	return retryInUse(func() (*rpc.Client, error) { return rpc.DialTCP("tcp", addr, false) })
}

// inUseRetries bounds the tries of a dial whose source port was taken.
const inUseRetries = 20

// retryInUse runs dial again while it fails with "address already in
// use": go-nfs-client binds a random source port for every connection
// (to the portmapper, MOUNT and NFS alike) and retries a taken one only
// for reserved ports, so a busy host sees EADDRINUSE now and then.
func retryInUse[T any](dial func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := dial()
		if err == nil || i == inUseRetries || !errors.Is(err, syscall.EADDRINUSE) {
			return v, err
		}
	}
}

// IsConnectError reports whether err came from connecting to the server,
// logging in or mounting, rather than from a file or folder: the agent
// reports those as a failed mount.
func IsConnectError(err error) bool { return nasfs.IsConnectError(err) }
