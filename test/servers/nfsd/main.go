// Command nfsd is the NFSv3 test server: github.com/willscott/go-nfs over
// a real folder, answering MOUNT and NFS on one TCP port (no portmapper).
// Only the export named by -export may be mounted; -denied names an export
// that exists but refuses this client (MNT3ERR_ACCES, as a server whose
// export list leaves the client out), and any other path gets
// MNT3ERR_NOENT, as a real server answers a wrong export. Files are read
// and written as the user the server runs as: test/servers/nfs.sh starts
// it as nobody, so that a folder of root's with mode 0700 is refused.
//
// -count FILE counts the calls received, by procedure, and appends the
// counts to FILE on SIGUSR1 and when SIGTERM or SIGINT stops the server
// (count.go): what a client's listing costs the server.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	nfs "github.com/willscott/go-nfs"
	nfshelper "github.com/willscott/go-nfs/helpers"
)

func main() {
	dir := flag.String("dir", "", "folder to export")
	listen := flag.String("listen", "127.0.0.1:12049", "address for MOUNT and NFS")
	export := flag.String("export", "/export", "the one path clients may mount")
	denied := flag.String("denied", "/denied", "an export that refuses every client")
	count := flag.String("count", "", "count the calls by procedure; append the counts to this file on SIGUSR1 and at SIGTERM")
	flag.Parse()
	if *dir == "" {
		log.Fatal("nfsd: -dir is required")
	}
	if fi, err := os.Stat(*dir); err != nil || !fi.IsDir() {
		log.Fatalf("nfsd: %s is not a folder: %v", *dir, err)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("nfsd: %v", err)
	}
	if *count != "" {
		l = counting(l, *count)
	}
	h := &exportHandler{Handler: nfshelper.NewNullAuthHandler(osfs.New(*dir)), export: *export, denied: *denied, dir: *dir}
	fmt.Printf("nfsd: serving %s as %s on %s\n", *dir, *export, l.Addr())
	log.Fatal(nfs.Serve(l, newHandleCache(h)))
}

// exportHandler refuses to mount anything but its export, and changes
// attributes (SETATTR: mode, owner, times), which go-billy's osfs cannot.
type exportHandler struct {
	nfs.Handler
	export string
	denied string
	dir    string
}

func (h *exportHandler) Mount(ctx context.Context, c net.Conn, req nfs.MountRequest) (nfs.MountStatus, billy.Filesystem, []nfs.AuthFlavor) {
	status, fs, auths := h.Handler.Mount(ctx, c, req)
	// On a refusal go-nfs still makes a handle of fs: it must not be nil.
	switch string(req.Dirpath) {
	case h.export:
		return status, fs, auths
	case h.denied:
		return nfs.MountStatusErrAcces, fs, nil
	}
	return nfs.MountStatusErrNoEnt, fs, nil
}

func (h *exportHandler) Change(billy.Filesystem) billy.Change { return change{h.dir} }

// change applies attribute changes to the files of the exported folder.
type change struct{ dir string }

func (c change) path(name string) string { return filepath.Join(c.dir, filepath.Clean("/"+name)) }

func (c change) Chmod(name string, mode os.FileMode) error { return os.Chmod(c.path(name), mode) }
func (c change) Lchown(name string, uid, gid int) error    { return os.Lchown(c.path(name), uid, gid) }
func (c change) Chown(name string, uid, gid int) error     { return os.Chown(c.path(name), uid, gid) }
func (c change) Chtimes(name string, atime, mtime time.Time) error {
	return os.Chtimes(c.path(name), atime, mtime)
}
