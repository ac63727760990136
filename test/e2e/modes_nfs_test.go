package e2e

import (
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/mgw-dev/mgw/connectors/conformance"
)

// restrictive are the bits TestNFSCopyKeepsModes copies: a 0600 file in
// a 0700 folder, and a 0640 file.
var restrictive = map[string]fs.FileMode{"priv": 0o700, "priv/secret": 0o600, "group.txt": 0o640}

// seedModes writes the files of restrictive under dir with their bits.
func seedModes(t *testing.T, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "priv", "secret"), []byte("s"))
	writeFile(t, filepath.Join(dir, "group.txt"), []byte("g"))
	for p, m := range restrictive {
		if err := os.Chmod(filepath.Join(dir, p), m); err != nil {
			t.Fatal(err)
		}
	}
}

// wantModes checks that dir holds the files of restrictive with exactly
// their bits.
func wantModes(t *testing.T, dir string) {
	t.Helper()
	for p, want := range restrictive {
		fi, err := os.Lstat(filepath.Join(dir, p))
		if err != nil {
			t.Error(err)
			continue
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s arrived as %v, want %v", p, got, want)
		}
	}
}

// giveToNobody hands the tree at dir to nobody: the go-nfs test server
// runs as nobody, and must read and write in 0700 folders.
func giveToNobody(t *testing.T, dir string) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	err = filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A copy to or from an NFS export keeps restrictive modes as a copy from
// folder to folder does (TestLocalCopyKeepsModes), checked on the
// export's folder on disk: local to both NFS test servers (the go-nfs
// one and nfs-ganesha), NFS to local, and NFS to NFS.
func TestNFSCopyKeepsModes(t *testing.T) {
	conformance.RequireServer(t, nfsHost)
	gnfs := server(t, "nfs.sh", "", "", "status")
	gan := ganesha(t)
	// export is one of the two servers: an address for a folder of it,
	// and the folder on disk.
	type export struct {
		addr func(name, folder string) address
		dir  string
		fix  func(t *testing.T, dir string) // what the server needs of a folder it serves
	}
	goNFS := export{func(name, folder string) address { return nfsAddr(name, nfsHost, folder) }, gnfs["dir"], giveToNobody}
	ganeshaNFS := export{func(name, folder string) address { return nfsAddr(name, gan["server"], folder) }, gan["dir"],
		func(*testing.T, string) {}}

	for _, tc := range []struct {
		name     string
		src, dst *export // nil: a local folder
	}{
		{"local-to-gonfs", nil, &goNFS},
		{"local-to-ganesha", nil, &ganeshaNFS},
		{"ganesha-to-local", &ganeshaNFS, nil},
		{"gonfs-to-local", &goNFS, nil},
		{"gonfs-to-ganesha", &goNFS, &ganeshaNFS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t)
			src, srcDir := localAddr("src", s.src), s.src
			if tc.src != nil {
				var folder string
				folder, srcDir = freshFolder(t, tc.src.dir)
				src = tc.src.addr("src", folder)
			}
			dst, dstDir := localAddr("dst", filepath.Join(s.dir, "dst")), filepath.Join(s.dir, "dst")
			if tc.dst != nil {
				var folder string
				folder, dstDir = freshFolder(t, tc.dst.dir)
				tc.dst.fix(t, dstDir)
				dst = tc.dst.addr("dst", folder)
			} else if err := os.Mkdir(dstDir, 0o755); err != nil {
				t.Fatal(err)
			}
			seedModes(t, srcDir)
			if tc.src != nil {
				tc.src.fix(t, srcDir)
			}
			s.write(t, []address{src, dst}, newJob("keep-modes", "src", "dst"))
			wantExit(t, s.mgw(t, "run", "keep-modes"), 0)
			wantModes(t, dstDir)
		})
	}
}
