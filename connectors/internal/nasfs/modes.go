package nasfs

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// The bits files and folders are made with when the source's are not
// known (an object store, or a share without bits): what the nfs
// connector made before it kept modes. SMB ignores them.
const (
	defaultFileMode   os.FileMode = 0o644
	defaultFolderMode os.FileMode = 0o777
)

// ownerBits are kept on every folder Put creates whatever the source's
// bits, as the local connector does: mgw must be able to write the
// folder's files into it and to enter it (it owns the folder).
const ownerBits os.FileMode = 0o300

// writeBits are kept on a temporary file while it is written: a server
// that checks the owner's bits on each WRITE (go-nfs writes through the
// file system as its own user) would refuse the writes into a file made
// 0400. The file gets the source's exact bits before it is renamed into
// place, so no one sees it wider under its name.
const writeBits os.FileMode = 0o600

// Attrs are what Put sets on the file it wrote, before the rename.
type Attrs struct {
	ModTime time.Time   // zero: left as the write left it
	Mode    os.FileMode // permission bits, if HasMode
	HasMode bool
}

// FolderMode returns the permission bits of the folder dir ("" the
// address's folder, else a key ending in "/"): connectors.Modes, on a
// protocol with bits.
func (s *Share) FolderMode(ctx context.Context, dir string) (os.FileMode, error) {
	key := trimSlash(dir)
	if err := CheckKey(key, s.cfg.Forbid); key != "" && err != nil {
		return 0, connectors.NewError(connectors.KindUnsupportedName, "stat", dir, err)
	}
	var e Entry
	err := s.do(ctx, "stat", dir, s.readKind, func(fs FS) error {
		var err error
		e, err = fs.Stat(ctx, s.path(key))
		return err
	})
	if err != nil {
		return 0, err
	}
	if !e.Dir {
		return 0, connectors.NewError(connectors.KindNotDir, "stat", dir, errors.New("not a folder"))
	}
	return e.Obj.Mode.Perm(), nil
}

// fileAttrs are the bits the temporary file is created with and the
// attributes set on it once written: the source's bits when both sides
// have them (the owner's read and write added while writing), else the
// default.
func (s *Share) fileAttrs(opts connectors.PutOptions) (os.FileMode, Attrs) {
	a := Attrs{ModTime: opts.ModTime}
	if !s.cfg.Modes || !opts.HasMode {
		return defaultFileMode, a
	}
	a.Mode, a.HasMode = opts.Mode.Perm(), true
	return a.Mode | writeBits, a
}

// folderPerm tells MkdirAll the bits of each folder it makes: its source
// folder's, never wider, with the owner's write and search added; the
// default for a folder above the address's folder, or whose source bits
// are not known.
func (s *Share) folderPerm(opts connectors.PutOptions) func(p string) os.FileMode {
	if !s.cfg.Modes || opts.FolderMode == nil {
		return func(string) os.FileMode { return defaultFolderMode }
	}
	return func(p string) os.FileMode {
		dir, ok := s.folderKey(p)
		if !ok {
			return defaultFolderMode
		}
		m, ok := opts.FolderMode(dir)
		if !ok {
			return defaultFolderMode
		}
		return m.Perm() | ownerBits
	}
}

// folderKey is the key of the folder at share path p ("" the address's
// folder, else ending in "/"); ok false for a folder above it.
func (s *Share) folderKey(p string) (string, bool) {
	root := s.cfg.Root
	switch {
	case p == root:
		return "", true
	case root == "":
		return p + "/", true
	case strings.HasPrefix(p, root+"/"):
		return p[len(root)+1:] + "/", true
	}
	return "", false
}
