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
// not stored; PutOptions.ModTime becomes the file's mtime.
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
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "",
			fmt.Errorf("local path %q is not absolute", addr.Path))
	}
	return &bucket{root: filepath.Clean(addr.Path)}, nil
}

// path is the OS path of a key that checkKey accepted.
func (b *bucket) path(key string) string {
	return filepath.Join(b.root, filepath.FromSlash(key))
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
	return connectors.Features{UTF8Keys: utf8Keys}
}

func (b *bucket) Close() error { return nil }

// Check verifies that the root exists, is a folder and can be read.
func (b *bucket) Check(ctx context.Context) error {
	fi, err := os.Stat(b.root)
	if err != nil {
		return connectors.NewError(kindOf(err), "check", "", err)
	}
	if !fi.IsDir() {
		return connectors.NewError(connectors.KindNotDir, "check", "",
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
	return connectors.NewError(kindOf(err), "check", "", err)
}

// Stat returns the key's attributes without following a symbolic link.
// A folder is not an object: its key gives KindNotFound.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	if err := checkKey(key); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnsupportedName, "stat", key, err)
	}
	fi, err := os.Lstat(b.path(key))
	if err != nil {
		return connectors.Object{}, connectors.NewError(readKind(err), "stat", key, err)
	}
	if fi.IsDir() {
		return connectors.Object{}, connectors.NewError(connectors.KindNotFound, "stat", key, errIsDir)
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
		return nil, connectors.NewError(connectors.KindUnsupportedName, "open", key, err)
	}
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, fmt.Errorf("negative offset %d", offset))
	}
	p := b.path(key)
	// Lstat first, so that neither a link is followed nor a FIFO opened
	// (which would block); then check the opened file is the one stat'd.
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, connectors.NewError(readKind(err), "open", key, err)
	}
	if fi.IsDir() {
		return nil, connectors.NewError(connectors.KindNotFound, "open", key, errIsDir)
	}
	if !fi.Mode().IsRegular() {
		return nil, connectors.NewError(connectors.KindUnsupported, "open", key, errNotRegular)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, connectors.NewError(readKind(err), "open", key, err)
	}
	if ofi, err := f.Stat(); err != nil || !os.SameFile(fi, ofi) {
		f.Close()
		if err == nil {
			err = errors.New("replaced while being opened")
		}
		return nil, connectors.NewError(connectors.KindChanged, "open", key, err)
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, connectors.NewError(kindOf(err), "open", key, err)
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
		return 0, connectors.NewError(connectors.Classify(err), "read", r.key, err)
	}
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = connectors.NewError(kindOf(err), "read", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error {
	err := r.f.Close()
	return connectors.NewError(kindOf(err), "close", r.key, err)
}

// Delete removes the file at key. A missing key, or a folder, is left as it
// is and is not an error: there is no object to delete.
func (b *bucket) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "delete", key, err)
	}
	p := b.path(key)
	fi, err := os.Lstat(p)
	if err == nil && fi.IsDir() {
		return nil
	}
	if err == nil {
		err = os.Remove(p)
	}
	if err != nil && readKind(err) == connectors.KindNotFound {
		return nil
	}
	return connectors.NewError(kindOf(err), "delete", key, err)
}

// object turns what Lstat or ReadDir found into an Object.
func object(key string, fi fs.FileInfo) connectors.Object {
	o := connectors.Object{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	switch m := fi.Mode(); {
	case m.IsRegular():
		o.Type = connectors.Regular
	case m&fs.ModeSymlink != 0:
		o.Type = connectors.Symlink
	default:
		o.Type = connectors.Special
	}
	fillSys(&o, fi)
	return o
}
