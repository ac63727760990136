package local

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// keepsModes is false on Windows, whose permission bits are only a
// read-only flag: there is nothing to tell or keep.
const keepsModes = runtime.GOOS != "windows"

// ownerBits are kept on every folder Put creates whatever the source's
// bits: mgw must be able to write the folder's files into it and to enter
// it (the folder's owner is the agent's user).
const ownerBits fs.FileMode = 0o300

// FolderMode returns the permission bits of the folder dir.
func (b *bucket) FolderMode(ctx context.Context, dir string) (fs.FileMode, error) {
	key := strings.TrimSuffix(dir, "/")
	if err := checkKey(key); key != "" && err != nil {
		return 0, newError(connectors.KindUnsupportedName, "stat", dir, err)
	}
	root, err := b.openRoot()
	if err != nil {
		return 0, newError(readKind(err), "stat", dir, err)
	}
	defer root.Close()
	fi, err := root.Lstat(name(key))
	if err != nil {
		return 0, newError(readKind(err), "stat", dir, err)
	}
	if !fi.IsDir() {
		return 0, newError(connectors.KindNotDir, "stat", dir, errors.New("not a folder"))
	}
	return fi.Mode().Perm(), nil
}

// folderMode is the mode of a folder Put creates for dir, ok false for the
// default (0777 less the umask, as MkdirAll makes them): the source's bits,
// never wider, with the owner's write and search added.
func folderMode(opts connectors.PutOptions, dir string) (fs.FileMode, bool) {
	if opts.FolderMode == nil || !keepsModes {
		return 0, false
	}
	m, ok := opts.FolderMode(dir)
	return m.Perm() | ownerBits, ok
}

// mkdirRoot creates the missing root folder: its parents as MkdirAll
// makes them (they are not the source's), the root itself with the
// source root's bits when known.
func (b *bucket) mkdirRoot(opts connectors.PutOptions) error {
	m, ok := folderMode(opts, "")
	if !ok {
		return os.MkdirAll(b.root, 0o777)
	}
	if err := os.MkdirAll(filepath.Dir(b.root), 0o777); err != nil {
		return err
	}
	if err := os.Mkdir(b.root, m); err != nil {
		if errors.Is(err, fs.ErrExist) { // another Put made it first
			return nil
		}
		return err
	}
	// Mkdir took the umask off; the source's bits are what was asked.
	return os.Chmod(b.root, m)
}

// mkdirs creates the folders of key above its file that are missing, each
// with its source folder's bits when known. A folder that already exists
// is left as it is: mgw did not make it.
func mkdirs(root *os.Root, key string, opts connectors.PutOptions) error {
	if opts.FolderMode == nil || !keepsModes {
		return root.MkdirAll(filepath.Dir(name(key)), 0o777)
	}
	parts := strings.Split(key, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		m, ok := folderMode(opts, dir+"/")
		if !ok {
			m = 0o777
		}
		err := root.Mkdir(name(dir), m)
		switch {
		case errors.Is(err, fs.ErrExist):
			fi, serr := root.Stat(name(dir)) // a link to a folder inside the root does, as with MkdirAll
			if serr != nil {
				return serr
			}
			if !fi.IsDir() {
				return err // a file where a folder is needed
			}
		case err != nil:
			return err
		case ok:
			if err := root.Chmod(name(dir), m); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileMode is the mode of the temporary file Put writes: the source's
// permission bits when known, else 0666 less the umask as before.
func fileMode(opts connectors.PutOptions) (fs.FileMode, bool) {
	if !opts.HasMode || !keepsModes {
		return 0o666, false
	}
	return opts.Mode.Perm(), true
}
