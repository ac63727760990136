package nasfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
)

// FS is one connection to a file server with the share or export mounted
// on it: the few calls both go-smb2 and go-nfs-client offer. Paths are
// '/'-separated, relative to the share's root, "" for the root itself;
// the backend turns them into its own form. A call must return soon
// after its ctx ends, and the files, folders and writers it opens after
// the ctx they were opened with ends: that is how a call left
// unanswered is given up (see timed). Errors are the client's own, for
// Config.Kind and Config.Broken to sort; an error may also be
// classified already (connectors.NewError).
//
// An FS must be comparable (a pointer): the pool tells connections apart
// by it.
type FS interface {
	// Lstat tells what p is, without following a link, in the fewest
	// round trips the protocol allows; the identity (Inode, Ctime) may
	// be missing.
	Lstat(ctx context.Context, p string) (Entry, error)
	// Stat tells what p is, with the identity a listing gives.
	Stat(ctx context.Context, p string) (Entry, error)
	// OpenDir opens folder p to read its names in pages. A file is
	// KindNotDir.
	OpenDir(ctx context.Context, p string) (DirReader, error)
	// OpenRead opens file p to read from offset off on, in the fewest
	// round trips the protocol allows: it need not check what p is.
	OpenRead(ctx context.Context, p string, off int64) (File, error)
	// Create makes file p, which must not exist, to write, with the
	// permission bits perm where the protocol has them (NFS; SMB has
	// none and ignores perm). Close makes what was written durable and
	// is called even after a failed write.
	Create(ctx context.Context, p string, perm os.FileMode) (io.WriteCloser, error)
	// MkdirAll makes folder p and those above it, each it makes with the
	// bits perm tells for its path (where the protocol has bits); folders
	// already there are not an error, and are left as they are, a file in
	// the way is.
	MkdirAll(ctx context.Context, p string, perm func(p string) os.FileMode) error
	// SetAttrs sets p's modification time and permission bits, those a
	// holds, in one call where the protocol allows.
	SetAttrs(ctx context.Context, p string, a Attrs) error
	// Rename moves from over to, replacing a file there.
	Rename(ctx context.Context, from, to string) error
	// Remove deletes file p.
	Remove(ctx context.Context, p string) error
}

// File is a file open for reading.
type File interface {
	io.ReadCloser
	// Stat tells what the open file is now, with the identity a listing
	// gives, through its handle where the protocol has one: one request
	// where a Stat by path costs more (an open and a close on SMB).
	Stat() (Entry, error)
}

// DirReader reads one folder a page at a time.
type DirReader interface {
	// ReadDir returns the next names ("." and ".." may be among them);
	// (nil, io.EOF) after the last.
	ReadDir() ([]Entry, error)
	Close()
}

// Config is what a backend tells New.
type Config struct {
	Root   string // the address's folder, as CleanRoot returns it
	Forbid string // bytes a key may not hold (CheckKey)
	Conns  int    // connections for files (at least 1)
	// ListWorkers bounds the goroutines of one List, and the connections
	// for listings, apart from those for files: a lister waiting for a
	// copier that waits for a connection must not hold the last one.
	ListWorkers int
	// Dial connects, logs in and mounts. It must honour ctx.
	Dial func(ctx context.Context) (FS, error)
	// Release closes a connection, perhaps a broken one, without waiting
	// long for a dead server.
	Release func(FS)
	// Kind classifies the client's errors.
	Kind func(error) connectors.Kind
	// Broken reports whether an error means the connection is unusable:
	// the call is repeated on a new one.
	Broken func(error) bool
	// Modes: the protocol carries Unix permission bits (NFS version 3
	// does, SMB without POSIX extensions does not): entries tell
	// Obj.Mode, Features.Modes is set, and Put honours PutOptions.Mode
	// and FolderMode (modes.go).
	Modes bool
	// Timeout is how long a call may wait for the server's answer (0:
	// forever): one left unanswered longer fails as a timeout, and its
	// connection is taken as broken (see timed).
	Timeout time.Duration
}

// Share is a connectors.Bucket over pools of FS connections: every
// method but the protocol calls themselves.
type Share struct {
	cfg   Config
	files *connpool.Pool[FS] // for files: reads, stats, writes
	lists *connpool.Pool[FS] // for folders being listed

	// modesRefused: the server refused to set permission bits once; files
	// are no longer asked to have them (write).
	modesRefused atomic.Bool
}

var _ connectors.Bucket = (*Share)(nil)

// New returns the bucket. It does not connect: the first call does, and
// Check verifies the address.
func New(cfg Config) *Share {
	if d := cfg.Timeout; d > 0 {
		dial, release, kind, broken := cfg.Dial, cfg.Release, cfg.Kind, cfg.Broken
		cfg.Dial = func(ctx context.Context) (FS, error) {
			fs, err := dial(ctx)
			if err != nil {
				return nil, err
			}
			return &timed{fs: fs, d: d}, nil
		}
		cfg.Release = func(fs FS) { release(fs.(*timed).fs) }
		cfg.Kind = func(err error) connectors.Kind {
			if stalled(err) {
				return connectors.KindTimeout
			}
			return kind(err)
		}
		cfg.Broken = func(err error) bool { return stalled(err) || broken(err) }
	}
	s := &Share{cfg: cfg,
		files: connpool.New(cfg.Conns, cfg.Dial, cfg.Release, cfg.Broken),
		lists: connpool.New(cfg.ListWorkers, cfg.Dial, cfg.Release, cfg.Broken)}
	s.lists.Connected = s.files.Connected // one server: a drop on either is a drop
	return s
}

// path is the share path of a key ("" is the address's folder).
func (s *Share) path(key string) string { return Join(s.cfg.Root, key) }

// readKind classifies an error met looking up a key: a path through a
// file means the key does not exist.
func (s *Share) readKind(err error) connectors.Kind {
	if k := s.cfg.Kind(err); k != connectors.KindNotDir {
		return k
	}
	return connectors.KindNotFound
}

// do runs op on a pooled connection, repeating it on a new one if the
// connection drops; errors come back classified by kind.
func (s *Share) do(ctx context.Context, opName, key string, kind func(error) connectors.Kind, op func(fs FS) error) error {
	err := s.files.Do(ctx, op)
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w (%v)", cerr, err)
	}
	return connectors.NewError(kind(err), opName, key, err)
}

// Features: shares keep no metadata, and keys must be UTF-8 (SMB names
// are UTF-16; NFS exports are read by tools that expect UTF-8). Put
// writes a temporary file and renames it (Temps). A protocol with
// permission bits tells and keeps them.
func (s *Share) Features() connectors.Features {
	f := connectors.Features{UTF8Keys: true, Temps: s}
	if s.cfg.Modes {
		f.Modes = s
	}
	return f
}

func (s *Share) Close() error {
	s.files.Close()
	s.lists.Close()
	return nil
}

// Check connects, mounts and reads the first names of the address's
// folder: a missing folder is KindNotFound, a file KindNotDir.
func (s *Share) Check(ctx context.Context) error {
	p, err := s.openDir(ctx, "")
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

// Stat returns the key's attributes; a folder is not an object
// (KindNotFound).
func (s *Share) Stat(ctx context.Context, key string) (connectors.Object, error) {
	if err := CheckKey(key, s.cfg.Forbid); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnsupportedName, "stat", key, err)
	}
	var e Entry
	err := s.do(ctx, "stat", key, s.readKind, func(fs FS) error {
		var err error
		e, err = fs.Stat(ctx, s.path(key))
		return err
	})
	if err != nil {
		return connectors.Object{}, err
	}
	if e.Dir {
		return connectors.Object{}, connectors.NewError(connectors.KindNotFound, "stat", key, errIsDir)
	}
	e.Obj.Key = key
	return e.Obj, nil
}

// Delete removes the file at key; a missing key, or a folder, is not an
// error.
func (s *Share) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key, s.cfg.Forbid); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "delete", key, err)
	}
	return s.do(ctx, "delete", key, s.cfg.Kind, func(fs FS) error {
		p := s.path(key)
		e, err := fs.Lstat(ctx, p)
		if err == nil && e.Dir {
			return nil
		}
		if err == nil {
			err = fs.Remove(ctx, p)
		}
		if err != nil && s.readKind(err) == connectors.KindNotFound {
			return nil
		}
		return err
	})
}

// ConnectError marks an error met connecting, logging in or mounting:
// the server, the credentials or the share refused us, not a file. A
// backend's Dial wraps its errors in one.
type ConnectError struct{ Err error }

func (e *ConnectError) Error() string { return e.Err.Error() }
func (e *ConnectError) Unwrap() error { return e.Err }

// IsConnectError reports whether err came from connecting to the server,
// logging in or mounting, rather than from a file or folder.
func IsConnectError(err error) bool {
	var ce *ConnectError
	return errors.As(err, &ce)
}

// parent is the key of key's folder ("" for the root).
func parent(key string) string {
	if d := path.Dir(key); d != "." {
		return d
	}
	return ""
}
