package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors/conformance"
)

// tempFiles lists the temporary files (.NAME.mgw-tmp-RANDOM) anywhere
// under dir on disk.
func tempFiles(dir string) []string {
	var found []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".mgw-tmp-") {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// A process killed with SIGKILL while it writes a large file to a local
// folder, an SMB share or an NFS export leaves the file's temporary name
// beside it; the next run removes it (the name was in the index before
// the file was made), completes the job, and leaves the object byte for
// byte and no temporary file anywhere under the destination, read on the
// disk the server exports.
func TestTempLeftByKill(t *testing.T) {
	const key = "big/a/file.bin"
	want := randomBytes(64, 64<<20)
	for _, c := range []struct {
		name string
		dest func(t *testing.T) (address, string) // the address and its folder on disk
	}{
		{"local", func(t *testing.T) (address, string) {
			dir := t.TempDir()
			return localAddr("dst", dir), dir
		}},
		{"smb", func(t *testing.T) (address, string) {
			conformance.RequireServer(t, smbHost)
			folder, dir := shareFolder(t, server(t, "samba.sh", "", "", "status")["dir"], nil)
			return smbAddr("dst", smbHost, folder), dir
		}},
		{"nfs", func(t *testing.T) (address, string) {
			conformance.RequireServer(t, nfsHost)
			folder, dir := shareFolder(t, server(t, "nfs.sh", "", "", "status")["dir"], nil)
			return nfsAddr("dst", nfsHost, folder), dir
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dst, dir := c.dest(t)
			s := newSetup(t)
			writeFile(t, filepath.Join(s.src, filepath.FromSlash(key)), want)
			addrs := []address{localAddr("src", s.src), dst}
			// Slowed, the write lasts seconds: the kill lands in it.
			slow := newJob("templeft", "src", "dst")
			slow.Limits = &limitsCfg{MaxBandwidth: "4MiB"}
			s.write(t, addrs, slow)

			v := s.startVictim(t, "run", "templeft")
			eventually(t, "a temporary file at the destination", func() bool {
				select {
				case <-v.dead:
					t.Fatalf("the run ended before it was killed: %v\n%s", v.err, v.out.String())
				default:
				}
				return len(tempFiles(dir)) > 0
			})
			v.kill()
			left := tempFiles(dir)
			if len(left) == 0 {
				t.Fatal("the killed run left no temporary file: nothing to test")
			}
			t.Logf("left by the kill: %v", left)

			s.write(t, addrs, newJob("templeft", "src", "dst"))
			r := s.mgw(t, "run", "templeft")
			wantExit(t, r, 0)
			got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(key)))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("the object is not the source's bytes (%d of %d, %v)", len(got), len(want), err)
			}
			if left := tempFiles(dir); len(left) != 0 {
				t.Errorf("temporary files left at the destination after the second run: %v", left)
			}
		})
	}
}
