package nfs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"
	"github.com/willscott/go-nfs-client/nfs/xdr"

	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// This file connects: it asks the portmapper for the ports, mounts the
// export and opens the NFS connection, one step at a time, rather than
// through go-nfs-client's DialMount and Mount. Those pick the source
// port themselves (a reserved one exactly when running as root), ask
// the portmapper twice, and leave a failed step's connections open; here
// every connection is dialled by rpcDial, which retries a source port in
// use and binds a reserved one exactly when the address says so.

// dialer connects to one server and mounts one export on each dial.
type dialer struct {
	server   string // host (ports from the portmapper) or host:port (MOUNT and NFS on it)
	export   string
	auth     rpc.Auth
	reserved bool // MOUNT and NFS from a source port below 1024
	timeout  time.Duration
}

// dial connects and mounts the export, within the timeout. Every
// connection it opens is closed again unless it returns the conn holding
// it.
func (d *dialer) dial(ctx context.Context) (*conn, error) {
	// go-nfs-client dials without a context or a timeout: probe the
	// first address first, so a wrong one fails within the timeout.
	first := d.server
	if !hasPort(d.server) {
		first = net.JoinHostPort(d.server, strconv.Itoa(rpc.PmapPort))
	}
	nd := net.Dialer{Timeout: d.timeout}
	probe, err := nd.DialContext(ctx, "tcp", first)
	if err != nil {
		return nil, err
	}
	probe.Close()
	// Its calls wait for an answer as long as the connection stays open:
	// a server that takes the connection and never answers is given up
	// after the timeout, and what mount opened is closed once it ends.
	type result struct {
		c   *conn
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := d.mount()
		done <- result{c, err}
	}()
	t := time.NewTimer(d.timeout)
	defer t.Stop()
	select {
	case r := <-done:
		return r.c, r.err
	case <-t.C:
		err = watchdog.Stalled{After: d.timeout}
	case <-ctx.Done():
		err = ctx.Err()
	}
	go func() {
		if r := <-done; r.c != nil {
			r.c.client.Close()
		}
	}()
	return nil, fmt.Errorf("mount: %w", err)
}

// mount asks the portmapper for the ports if the server has none, mounts
// the export and opens the NFS connection.
func (d *dialer) mount() (*conn, error) {
	mountAddr, nfsAddr := d.server, d.server
	var err error
	if !hasPort(d.server) {
		if mountAddr, nfsAddr, err = portmap(d.server); err != nil {
			return nil, err
		}
	}

	mc, err := rpcDial(mountAddr, d.reserved)
	if err != nil {
		return nil, err
	}
	fh, err := rootHandle(mc, d.export, d.auth)
	if err != nil {
		mc.Close()
		return nil, d.refused(err)
	}
	nc := mc
	if nfsAddr != mountAddr {
		mc.Close() // the root handle is all MOUNT gives
		if nc, err = rpcDial(nfsAddr, d.reserved); err != nil {
			return nil, err
		}
	}
	// NewTargetWithClient asks FSINFO: the first NFS call, the one an
	// export that checks the client's port refuses.
	t, err := nfsc.NewTargetWithClient(nc, d.auth, fh, d.export, 0)
	if err != nil {
		nc.Close()
		return nil, d.refused(err)
	}
	return &conn{client: nc, t: t, auth: d.auth}, nil
}

func hasPort(server string) bool {
	_, _, err := net.SplitHostPort(server)
	return err == nil
}

// portmap asks the portmapper on host where MOUNT 3 and NFS 3 listen
// (TCP). The query needs no reserved port: rpcbind checks none.
func portmap(host string) (mountAddr, nfsAddr string, err error) {
	c, err := rpcDial(net.JoinHostPort(host, strconv.Itoa(rpc.PmapPort)), false)
	if err != nil {
		return "", "", err
	}
	defer c.Close()
	pm := &rpc.Portmapper{Client: c}
	addr := func(prog, vers uint32) (string, error) {
		port, err := pm.Getport(rpc.Mapping{Prog: prog, Vers: vers, Prot: rpc.IPProtoTCP})
		if err == nil && port == 0 {
			err = &notRegisteredError{prog: prog}
		}
		return net.JoinHostPort(host, strconv.Itoa(port)), err
	}
	if mountAddr, err = addr(nfsc.MountProg, nfsc.MountVers); err != nil {
		return "", "", err
	}
	if nfsAddr, err = addr(nfsc.Nfs3Prog, nfsc.Nfs3Vers); err != nil {
		return "", "", err
	}
	return mountAddr, nfsAddr, nil
}

// rpcDial connects an RPC client to addr, from a reserved source port if
// reserved is set.
func rpcDial(addr string, reserved bool) (*rpc.Client, error) {
	c, err := retryInUse(func() (*rpc.Client, error) { return rpc.DialTCP("tcp", addr, reserved) })
	if reserved && errors.Is(err, syscall.EACCES) {
		err = &reservedPortError{err: err}
	}
	return c, err
}

// inUseRetries bounds the tries of a dial whose source port was taken.
const inUseRetries = 20

// retryInUse runs dial again while its source port is taken ("address
// already in use" binding it, "cannot assign requested address"
// connecting from it): go-nfs-client binds a random port from
// 49152-65535 for every connection, taken ones included (those of other
// connections, and those still in TIME_WAIT after a close), and picks
// another itself only for reserved ports. Its own reconnects after a
// drop try again until they succeed or the client is closed.
func retryInUse[T any](dial func() (T, error)) (T, error) {
	for i := 0; ; i++ {
		v, err := dial()
		if err == nil || i == inUseRetries || !portTaken(err) {
			return v, err
		}
	}
}

func portTaken(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// mountArgs is a MOUNT call's (RFC 1813 5.2.1) arguments.
type mountArgs struct {
	rpc.Header
	Dirpath string
}

// rootHandle asks the MOUNT service on c for the root file handle of export
// (MNT).
func rootHandle(c *rpc.Client, export string, auth rpc.Auth) ([]byte, error) {
	res, err := c.Call(&mountArgs{
		Header: rpc.Header{Rpcvers: 2, Prog: nfsc.MountProg, Vers: nfsc.MountVers, Proc: nfsc.MountProc3MNT,
			Cred: auth, Verf: rpc.AuthNull},
		Dirpath: export,
	})
	if err != nil {
		return nil, err
	}
	stat, err := xdr.ReadUint32(res)
	if err != nil {
		return nil, err
	}
	if stat != nfsc.MNT3Ok {
		return nil, &mountError{stat: stat}
	}
	return xdr.ReadOpaque(res)
}
