// Command nfsd is the NFSv3 test server: github.com/willscott/go-nfs over
// a real folder, answering MOUNT and NFS on one TCP port (no portmapper).
// Only the export named by -export may be mounted; any other path gets
// MNT3ERR_NOENT, as a real server answers a wrong export. Files are read
// and written as the user the server runs as: test/servers/nfs.sh starts
// it as nobody, so that a folder of root's with mode 0700 is refused.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/osfs"
	nfs "github.com/willscott/go-nfs"
	nfshelper "github.com/willscott/go-nfs/helpers"
)

// handles is the size of the server's file handle cache: larger than any
// tree the tests walk, so a handle a client holds is never forgotten.
const handles = 1 << 20

func main() {
	dir := flag.String("dir", "", "folder to export")
	listen := flag.String("listen", "127.0.0.1:12049", "address for MOUNT and NFS")
	export := flag.String("export", "/export", "the one path clients may mount")
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
	h := &exportHandler{Handler: nfshelper.NewNullAuthHandler(osfs.New(*dir)), export: *export}
	fmt.Printf("nfsd: serving %s as %s on %s\n", *dir, *export, l.Addr())
	log.Fatal(nfs.Serve(l, nfshelper.NewCachingHandler(h, handles)))
}

// exportHandler refuses to mount anything but its export.
type exportHandler struct {
	nfs.Handler
	export string
}

func (h *exportHandler) Mount(ctx context.Context, c net.Conn, req nfs.MountRequest) (nfs.MountStatus, billy.Filesystem, []nfs.AuthFlavor) {
	if string(req.Dirpath) != h.export {
		return nfs.MountStatusErrNoEnt, nil, nil
	}
	return h.Handler.Mount(ctx, c, req)
}
