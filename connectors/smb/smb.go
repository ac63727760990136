// Package smb is the connector for an SMB 2/3 share (Windows servers,
// Samba, most NAS), spoken directly with github.com/cloudsoda/go-smb2: no
// kernel mount, no mount command line, so a password may hold any
// character.
//
// Keys are '/'-separated paths relative to the address's folder in the
// share. Characters SMB reserves in names (" * : < > ? | and a trailing
// space or period) are carried with the Services for Macintosh mapping to
// private-use characters, as macOS and Samba's vfs_fruit do; a key holding
// a backslash, or bytes that are not UTF-8, is refused with
// KindUnsupportedName.
//
// This package holds the SMB side only: the address, the session (dial,
// login, mount), the go-smb2 calls behind nasfs.FS, and the NTSTATUS
// codes. Everything else a Bucket does — pooled sessions re-established
// with backoff when one drops, readers that resume at their offset, Put
// through a temporary name renamed into place, the paged walk — is
// connectors/internal/nasfs, shared with the nfs connector.
package smb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// DefaultConns is the number of sessions kept per address when
// Address.Conns is 0.
const DefaultConns = 8

// listWorkers bounds the goroutines of one List.
const listWorkers = 8

// pageSize is how many names are asked of a folder at a time.
const pageSize = 1024

// forbid is what a key may not hold: SMB's path separator.
const forbid = "\\"

// New opens the share addr.Share on addr.Server (host, or host:port; the
// port defaults to 445) as addr.User in addr.Domain. It does not connect:
// the first call does, and Check verifies the address.
func New(addr connectors.Address) (connectors.Bucket, error) {
	fail := func(format string, args ...any) (connectors.Bucket, error) {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", fmt.Errorf(format, args...))
	}
	if addr.Server == "" || addr.Share == "" {
		return fail("smb address needs a server and a share")
	}
	if strings.ContainsAny(addr.Share, `/\`) {
		return fail("share %q must be a share name, without slashes", addr.Share)
	}
	server := addr.Server
	if _, _, err := net.SplitHostPort(server); err != nil {
		server = net.JoinHostPort(strings.Trim(server, "[]"), "445")
	}
	root, err := nasfs.CleanRoot(addr.Path)
	if err != nil {
		return fail("%v", err)
	}
	if strings.Contains(root, forbid) {
		return fail("path %q holds a backslash", addr.Path)
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	conns := addr.Conns
	if conns <= 0 {
		conns = DefaultConns
	}
	dial := func(ctx context.Context) (nasfs.FS, error) {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		// A fresh initiator per session: it keeps the session key.
		d := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: addr.User, Password: addr.Password, Domain: addr.Domain}}
		s, err := d.Dial(dctx, server)
		if err != nil {
			return nil, &nasfs.ConnectError{Err: unanswered(ctx, dctx, timeout, err)}
		}
		sh, err := s.WithContext(dctx).Mount(addr.Share, smb2.WithMapPosix())
		if err != nil {
			s.Logoff()
			return nil, &nasfs.ConnectError{Err: unanswered(ctx, dctx, timeout, err)}
		}
		return &conn{sess: s, share: sh}, nil
	}
	return nasfs.New(nasfs.Config{
		Root: root, Forbid: forbid, Conns: conns, ListWorkers: listWorkers,
		Dial: dial, Release: release, Kind: kindOf, Broken: broken, Timeout: timeout,
	}), nil
}

// unanswered is err, met dialling under dctx, a context of ctx with the
// timeout: a server that took the connection and did not answer in time
// is a stall (a timeout, which breaks nothing but the connection), not
// the caller's deadline.
func unanswered(ctx, dctx context.Context, timeout time.Duration, err error) error {
	if ctx.Err() == nil && errors.Is(dctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w (%v)", watchdog.Stalled{After: timeout}, err)
	}
	return err
}

// release ends a session, bounded: on a dead connection the goodbyes
// would wait forever.
func release(fs nasfs.FS) {
	c := fs.(*conn)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	c.share.WithContext(ctx).Umount()
	c.sess.WithContext(ctx).Logoff()
}

// IsConnectError reports whether err came from connecting to the server,
// logging in or mounting, rather than from a file or folder: the agent
// reports those as a failed mount.
func IsConnectError(err error) bool { return nasfs.IsConnectError(err) }
