package vfs

import (
	"context"
	"hash/fnv"
	"syscall"
	"time"

	"github.com/hanwen/go-fuse/v2/fs"
	"github.com/hanwen/go-fuse/v2/fuse"
)

// The FUSE tree: one dirNode per directory and one fileNode per file,
// made on lookup from the view (jobs and addresses come and go), with
// stable inode numbers hashed from the path. Nodes implement no write
// method; the mount is read-only as well (MS_RDONLY), so the kernel
// answers EROFS to every write, create, mkdir, chmod, rename and unlink
// before asking us. Setattr and writable opens answer EROFS here too, in
// case the mount flags ever change.

type fsys struct {
	v     *view
	cache smallCache
}

type dirNode struct {
	fs.Inode
	fsys *fsys
	path string
}

var (
	_ = (fs.NodeLookuper)((*dirNode)(nil))
	_ = (fs.NodeReaddirer)((*dirNode)(nil))
	_ = (fs.NodeGetattrer)((*dirNode)(nil))
	_ = (fs.NodeSetattrer)((*dirNode)(nil))
)

type fileNode struct {
	fs.Inode
	fsys *fsys
	f    file
}

var (
	_ = (fs.NodeOpener)((*fileNode)(nil))
	_ = (fs.NodeGetattrer)((*fileNode)(nil))
	_ = (fs.NodeSetattrer)((*fileNode)(nil))
)

func ino(p string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(p))
	return h.Sum64() | 1<<63 // keep clear of the root's inode 1
}

func (d *dirNode) Lookup(ctx context.Context, name string, out *fuse.EntryOut) (*fs.Inode, syscall.Errno) {
	p := join(d.path, name)
	f, isDir, ok := d.fsys.v.lookup(p)
	if !ok {
		return nil, syscall.ENOENT
	}
	if isDir {
		n := &dirNode{fsys: d.fsys, path: p}
		n.attr(&out.Attr)
		return d.NewInode(ctx, n, fs.StableAttr{Mode: syscall.S_IFDIR, Ino: ino(p)}), 0
	}
	n := &fileNode{fsys: d.fsys, f: f}
	if errno := n.attr(&out.Attr); errno != 0 {
		return nil, errno
	}
	return d.NewInode(ctx, n, fs.StableAttr{Mode: syscall.S_IFREG, Ino: ino(p)}), 0
}

func (d *dirNode) Readdir(ctx context.Context) (fs.DirStream, syscall.Errno) {
	es, ok := d.fsys.v.list(d.path)
	if !ok {
		return nil, syscall.ENOENT
	}
	out := make([]fuse.DirEntry, len(es))
	for i, e := range es {
		mode := uint32(syscall.S_IFREG)
		if e.dir {
			mode = syscall.S_IFDIR
		}
		out[i] = fuse.DirEntry{Name: e.name, Mode: mode, Ino: ino(join(d.path, e.name))}
	}
	return fs.NewListDirStream(out), 0
}

func (d *dirNode) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	d.attr(&out.Attr)
	return 0
}

func (d *dirNode) attr(a *fuse.Attr) {
	a.Mode = syscall.S_IFDIR | 0o555
	setTime(a, d.fsys.v.modTime(d.path))
}

func (d *dirNode) Setattr(context.Context, fs.FileHandle, *fuse.SetAttrIn, *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

func setTime(a *fuse.Attr, t time.Time) {
	a.SetTimes(&t, &t, &t)
}

func (n *fileNode) Getattr(ctx context.Context, fh fs.FileHandle, out *fuse.AttrOut) syscall.Errno {
	return n.attr(&out.Attr)
}

// attr fills the attributes: the size of a small file is that of its
// current rendering (the next open serves the same bytes if it comes
// within smallCacheTTL); a streamed list shows 0, like /proc, and is read
// to the end with direct I/O.
func (n *fileNode) attr(a *fuse.Attr) syscall.Errno {
	a.Mode = syscall.S_IFREG | 0o444
	a.Nlink = 1
	a.Blksize = readSize // the largest read the mount takes: cat and cp read that much at once
	setTime(a, n.fsys.v.modTime(n.f.path))
	if n.f.kind.streamed() {
		return 0
	}
	b, err := n.fsys.cache.get(n.fsys.v, n.f, false)
	if err != nil {
		return errno(err)
	}
	a.Size = uint64(len(b))
	a.Blocks = (a.Size + 511) / 512
	return 0
}

func errno(err error) syscall.Errno {
	if notExist(err) {
		return syscall.ENOENT
	}
	return syscall.EIO
}

func (n *fileNode) Setattr(context.Context, fs.FileHandle, *fuse.SetAttrIn, *fuse.AttrOut) syscall.Errno {
	return syscall.EROFS
}

// Open takes the snapshot the handle serves. FOPEN_DIRECT_IO makes every
// open read its own snapshot, never pages cached from an older one, and
// lets a list be read past the size stat showed.
func (n *fileNode) Open(ctx context.Context, flags uint32) (fs.FileHandle, uint32, syscall.Errno) {
	if flags&(syscall.O_WRONLY|syscall.O_RDWR|syscall.O_TRUNC|syscall.O_APPEND) != 0 {
		return nil, 0, syscall.EROFS
	}
	if n.f.kind.streamed() {
		return &listHandle{r: n.fsys.v.openListSource(n.f)}, fuse.FOPEN_DIRECT_IO, 0
	}
	b, err := n.fsys.cache.get(n.fsys.v, n.f, true)
	if err != nil {
		return nil, 0, errno(err)
	}
	return &bytesHandle{b: b}, fuse.FOPEN_DIRECT_IO, 0
}

type bytesHandle struct{ b []byte }

var _ = (fs.FileReader)((*bytesHandle)(nil))

func (h *bytesHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if off >= int64(len(h.b)) {
		return fuse.ReadResultData(nil), 0
	}
	return fuse.ReadResultData(h.b[off:min(off+int64(len(dest)), int64(len(h.b)))]), 0
}

type listHandle struct{ r listSource }

var (
	_ = (fs.FileReader)((*listHandle)(nil))
	_ = (fs.FileReleaser)((*listHandle)(nil))
)

func (h *listHandle) Read(ctx context.Context, dest []byte, off int64) (fuse.ReadResult, syscall.Errno) {
	if sp, ok := h.r.(*spoolReader); ok {
		// Straight from the spool file: go-fuse splices it to the kernel.
		if off >= sp.size {
			return fuse.ReadResultData(nil), 0
		}
		return fuse.ReadResultFd(sp.f.Fd(), off, int(min(int64(len(dest)), sp.size-off))), 0
	}
	n, err := h.r.ReadAt(dest, off)
	if err != nil {
		return nil, syscall.EIO
	}
	return fuse.ReadResultData(dest[:n]), 0
}

func (h *listHandle) Release(ctx context.Context) syscall.Errno {
	h.r.Close()
	return 0
}

// newRoot is the root directory node.
func newRoot(v *view) *dirNode {
	return &dirNode{fsys: &fsys{v: v}, path: ""}
}

// readSize is the largest read the kernel sends.
const readSize = 512 << 10
