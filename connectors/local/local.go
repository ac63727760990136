// Package local is the connector for a folder of the machine the agent runs
// on, or a share mounted there.
//
// Keys are '/'-separated paths relative to the folder (the address's Path);
// on Windows they are turned into the OS separator and back. On Linux and
// other Unix systems a name may hold bytes that are not UTF-8: the key keeps
// the raw bytes.
//
// Put never leaves a partial file under a key: it writes a temporary file
// beside the target (".<name>.mgw-tmp-<16 hex digits>"), syncs it, and
// renames it into place. List and ListDir never show such names, and a Put
// that fails removes its temporary file. User metadata (PutOptions.Meta) is
// not stored; PutOptions.ModTime becomes the file's mtime, PutOptions.Mode
// its permission bits, and PutOptions.FolderMode those of the folders Put
// creates (modes.go).
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

type bucket struct {
	root string // absolute, cleaned, in OS form
}

var _ connectors.Bucket = (*bucket)(nil)

// New opens the folder addr.Path, which must be absolute. It does not touch
// the disk: Check does.
func New(addr connectors.Address) (connectors.Bucket, error) {
	if addr.Path == "" || !filepath.IsAbs(addr.Path) {
		return nil, newError(connectors.KindInvalidArgument, "open", "",
			fmt.Errorf("local path %q is not absolute", addr.Path))
	}
	return &bucket{root: filepath.Clean(addr.Path)}, nil
}

// name is the key's path relative to the root, in OS form ("." for "").
func name(key string) string {
	if key == "" {
		return "."
	}
	return filepath.FromSlash(key)
}

// openRoot opens the folder for one operation. Every path below it is
// resolved inside it (os.Root), so a symbolic link planted in the folder
// (sub -> /elsewhere) is never followed out of it: the agent runs as root,
// and whoever can plant such a link must not make it write, read or delete
// anywhere else. It is opened per operation rather than kept, so a share
// mounted over the folder after the job started is the one written to.
func (b *bucket) openRoot() (*os.Root, error) {
	return os.OpenRoot(b.root)
}

// errOutside replaces the os package's "path escapes from parent" in what
// a user reads.
var errOutside = errors.New("a symbolic link leads out of the folder, and mgw does not follow it")

// newError is connectors.NewError with a path escape said plainly.
func newError(kind connectors.Kind, op, key string, err error) error {
	if escapes(err) {
		err = errOutside
	}
	return connectors.NewError(kind, op, key, err)
}

// escapes reports whether err is os.Root refusing a path that leaves it.
// The os package does not export that error, so its text is matched.
func escapes(err error) bool {
	return err != nil && (errors.Is(err, errOutside) || strings.HasSuffix(err.Error(), "path escapes from parent"))
}

// keyOf is the inverse of path: the key of the OS path p, "" for the root
// itself, and ok false for a path outside the root. Names keep their raw
// bytes, as List gives them.
func (b *bucket) keyOf(p string) (key string, ok bool) {
	rel, err := filepath.Rel(b.root, p)
	switch {
	case err != nil, rel == "..", strings.HasPrefix(rel, ".."+string(filepath.Separator)):
		return "", false
	case rel == ".":
		return "", true
	}
	return filepath.ToSlash(rel), true
}

func (b *bucket) Features() connectors.Features {
	f := connectors.Features{UTF8Keys: utf8Keys, Temps: b}
	if keepsModes {
		f.Modes = b
	}
	return f
}

func (b *bucket) Close() error { return nil }

// Check verifies that the root exists, is a folder and can be read.
func (b *bucket) Check(ctx context.Context) error {
	fi, err := os.Stat(b.root)
	if err != nil {
		return newError(kindOf(err), "check", "", err)
	}
	if !fi.IsDir() {
		return newError(connectors.KindNotDir, "check", "",
			fmt.Errorf("%s is not a folder", b.root))
	}
	f, err := os.Open(b.root)
	if err == nil {
		_, err = f.ReadDir(1)
		f.Close()
		if err == io.EOF {
			err = nil
		}
	}
	return newError(kindOf(err), "check", "", err)
}

// Stat returns the key's attributes without following a symbolic link.
// A folder is not an object: its key gives KindNotFound.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	if err := checkKey(key); err != nil {
		return connectors.Object{}, newError(connectors.KindUnsupportedName, "stat", key, err)
	}
	root, err := b.openRoot()
	if err != nil {
		return connectors.Object{}, newError(readKind(err), "stat", key, err)
	}
	defer root.Close()
	fi, err := root.Lstat(name(key))
	if err != nil {
		return connectors.Object{}, newError(readKind(err), "stat", key, err)
	}
	if fi.IsDir() {
		return connectors.Object{}, newError(connectors.KindNotFound, "stat", key, errIsDir)
	}
	return object(key, fi), nil
}

var (
	errIsDir      = connectors.ErrIsFolder
	errNotRegular = errors.New("not a regular file")
)

// Open reads a regular file from offset, length bytes (length < 0: to the
// end). Symbolic links are not followed and other special files refused.
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, newError(connectors.KindUnsupportedName, "open", key, err)
	}
	if offset < 0 {
		return nil, newError(connectors.KindInvalidArgument, "open", key, fmt.Errorf("negative offset %d", offset))
	}
	root, err := b.openRoot()
	if err != nil {
		return nil, newError(readKind(err), "open", key, err)
	}
	defer root.Close()
	// Lstat first, so that neither a link is followed nor a FIFO opened
	// (which would block); then check the opened file is the one stat'd.
	fi, err := root.Lstat(name(key))
	if err != nil {
		return nil, newError(readKind(err), "open", key, err)
	}
	if fi.IsDir() {
		return nil, newError(connectors.KindNotFound, "open", key, errIsDir)
	}
	if !fi.Mode().IsRegular() {
		return nil, newError(connectors.KindUnsupported, "open", key, errNotRegular)
	}
	f, err := root.Open(name(key))
	if err != nil {
		return nil, newError(readKind(err), "open", key, err)
	}
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		f.Close()
		if err == nil {
			err = errors.New("replaced while being opened")
		}
		return nil, newError(connectors.KindChanged, "open", key, err)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, newError(kindOf(err), "open", key, err)
		}
	}
	var r io.Reader = f
	if length >= 0 {
		r = io.LimitReader(f, length)
	}
	return &reader{ctx: ctx, key: key, r: r, f: f}, nil
}

// reader classifies read errors and stops when the context ends.
type reader struct {
	ctx context.Context
	key string
	r   io.Reader
	f   *os.File
}

func (r *reader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, newError(connectors.Classify(err), "read", r.key, err)
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = newError(kindOf(err), "read", r.key, err)
	}
	return n, err
}

// ReadAt reads the whole file at off, whatever range Open was given
// (connectors.FileReader).
func (r *reader) ReadAt(p []byte, off int64) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, newError(connectors.Classify(err), "read", r.key, err)
	}
	n, err := r.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		err = newError(kindOf(err), "read", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error {
	err := r.f.Close()
	return newError(kindOf(err), "close", r.key, err)
}

// Delete removes the file at key. A missing key, or a folder, is left as it
// is and is not an error: there is no object to delete.
func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return newError(connectors.KindUnsupportedName, "delete", key, err)
	}
	root, err := b.openRoot()
	if err != nil {
		return newError(kindOf(err), "delete", key, err)
	}
	defer root.Close()
	fi, err := root.Lstat(name(key))
	if err == nil && fi.IsDir() {
		return nil
	}
	if err == nil {
		err = root.Remove(name(key))
	}
	if err != nil && readKind(err) == connectors.KindNotFound {
		return nil
	}
	return newError(kindOf(err), "delete", key, err)
}

// object turns what Lstat or ReadDir found into an Object.
func object(key string, fi fs.FileInfo) connectors.Object {
	o := connectors.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	switch m := fi.Mode(); {
	case m.IsRegular():
		o.Type = connectors.Regular
		o.Mode, o.HasMode = m.Perm(), keepsModes
	case m&fs.ModeSymlink != 0:
		o.Type = connectors.Symlink
	default:
		o.Type = connectors.Special
	}
	fillSys(&o, fi)
	return o
}
