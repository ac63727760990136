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
// Sessions are pooled (Address.Conns, default 8) and shared by every
// call; a session that drops is re-established with backoff and the call
// repeated, and a reader resumes at its offset on the new session. Put
// writes a temporary name beside the target and renames it into place, as
// the local connector does.
package smb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path"
	"strings"
	"time"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
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

// conn is one session with the share mounted on it.
type conn struct {
	sess  *smb2.Session
	share *smb2.Share
}

type bucket struct {
	server string // host:port
	share  string
	root   string // folder in the share, '/'-separated, "" for the share's root
	pool   *connpool.Pool[*conn]
}

var _ connectors.Bucket = (*bucket)(nil)

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
	b := &bucket{server: server, share: addr.Share, root: root}
	conns := addr.Conns
	if conns <= 0 {
		conns = DefaultConns
	}
	b.pool = connpool.New(conns, func(ctx context.Context) (*conn, error) {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		// A fresh initiator per session: it keeps the session key.
		d := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: addr.User, Password: addr.Password, Domain: addr.Domain}}
		s, err := d.Dial(dctx, server)
		if err != nil {
			return nil, &connectError{err}
		}
		sh, err := s.WithContext(dctx).Mount(b.share, smb2.WithMapPosix())
		if err != nil {
			s.Logoff()
			return nil, &connectError{err}
		}
		return &conn{sess: s, share: sh}, nil
	}, func(c *conn) {
		// Bounded: on a dead connection the goodbyes would wait forever.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c.share.WithContext(ctx).Umount()
		c.sess.WithContext(ctx).Logoff()
	}, broken)
	return b, nil
}

// path is the share path of a key ("" is the address's folder).
func (b *bucket) path(key string) string {
	return strings.ReplaceAll(nasfs.Join(b.root, key), "/", `\`)
}

// do runs op on a pooled session, repeating it on a new one if the
// session drops; errors come back classified by kind.
func (b *bucket) do(ctx context.Context, opName, key string, kind func(error) connectors.Kind, op func(sh *smb2.Share) error) error {
	err := b.pool.Do(ctx, func(c *conn) error { return op(c.share.WithContext(ctx)) })
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

// Check logs in, mounts the share and reads the first names of the
// address's folder: a missing folder is KindNotFound, a file KindNotDir.
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

var errIsDir = connectors.ErrIsFolder

// Stat returns the key's attributes; a folder is not an object
// (KindNotFound).
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	if err := nasfs.CheckKey(key, forbid); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnsupportedName, "stat", key, err)
	}
	var fi os.FileInfo
	err := b.do(ctx, "stat", key, readKind, func(sh *smb2.Share) error {
		// Through a handle: Share.Lstat gives no file id, and the identity
		// must match what a listing gives.
		f, err := sh.Open(b.path(key))
		if err != nil {
			return err
		}
		fi, err = f.Stat()
		f.Close()
		return err
	})
	if err != nil {
		return connectors.Object{}, err
	}
	if fi.IsDir() {
		return connectors.Object{}, connectors.NewError(connectors.KindNotFound, "stat", key, errIsDir)
	}
	return object(key, fi), nil
}

// object turns what Stat or Readdir found into an Object.
func object(key string, fi os.FileInfo) connectors.Object {
	o := connectors.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		o.Type = connectors.Symlink
	case fi.Mode().IsRegular():
		o.Type = connectors.Regular
	default:
		o.Type = connectors.Special
	}
	if st, ok := fi.(*smb2.FileStat); ok {
		o.Ctime, o.Inode = st.ChangeTime, st.FileId
	}
	return o
}

// Delete removes the file at key; a missing key, or a folder, is not an
// error.
func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := nasfs.CheckKey(key, forbid); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "delete", key, err)
	}
	return b.do(ctx, "delete", key, kindOf, func(sh *smb2.Share) error {
		p := b.path(key)
		fi, err := sh.Lstat(p)
		if err == nil && fi.IsDir() {
			return nil
		}
		if err == nil {
			err = sh.Remove(p)
		}
		if err != nil && readKind(err) == connectors.KindNotFound {
			return nil
		}
		return err
	})
}

// parent is the folder key of key's parent ("" for the root).
func parent(key string) string {
	if d := path.Dir(key); d != "." {
		return d
	}
	return ""
}
