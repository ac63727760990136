package e2e

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/state/codes"
)

// The share servers test/servers/samba.sh and nfs.sh start.
const (
	smbHost     = "127.0.0.1:1445"
	smbUser     = "mgwtest"
	smbPassword = `pa,ss"wo'rd 1` // commas and quotes: what mount.cifs cannot take
	nfsHost     = "127.0.0.1:12049"
	nfsExport   = "/export"
)

// server runs a test server script and returns what it prints (key=value).
func server(t *testing.T, script, portVar, port, verb string) map[string]string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("bash", filepath.Join(root, "test", "servers", script), verb)
	c.Env = os.Environ()
	if port != "" {
		c.Env = append(c.Env, portVar+"="+port)
	}
	out, err := c.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", script, verb, err, out)
	}
	info := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			info[k] = v
		}
	}
	return info
}

// ownServer starts an instance of a share server on its own port, for a
// test that restarts it; it returns the folder it serves and a function
// that restarts it keeping the files.
func ownServer(t *testing.T, script, portVar, port string) (dir string, bounce func()) {
	t.Helper()
	info := server(t, script, portVar, port, "start")
	t.Cleanup(func() { server(t, script, portVar, port, "stop") })
	return info["dir"], func() { server(t, script, portVar, port, "bounce") }
}

// freshFolder makes a new folder in a share's folder on disk, readable by
// the server's user, and removes it after the test.
func freshFolder(t *testing.T, shareDir string) (name, dir string) {
	t.Helper()
	r := make([]byte, 6)
	_, _ = rand.Read(r)
	name = "e2e-" + hex.EncodeToString(r)
	dir = filepath.Join(shareDir, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return name, dir
}

// seed writes files under dir: key -> content.
func seed(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for k, b := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(k)), b)
	}
}

// nasFiles is a tree of small files, a few of several MiB, and names
// with spaces and non-ASCII characters.
func nasFiles(seedBase uint64) map[string][]byte {
	files := map[string][]byte{}
	for i := range 60 {
		files[fmt.Sprintf("docs/%02d/file %03d.txt", i%6, i)] = randomBytes(seedBase+uint64(i), 1+i*331)
	}
	files["日本語/データ.bin"] = randomBytes(seedBase+100, 4096)
	files["big/one.bin"] = randomBytes(seedBase+101, 3<<20+17)
	files["big/two.bin"] = randomBytes(seedBase+102, 2<<20)
	return files
}

func smbAddr(name, server, path string) address {
	return address{Name: name, Type: "smb", Server: server, Share: "data", Path: path, User: smbUser, Password: smbPassword}
}

func nfsAddr(name, server, path string) address {
	return address{Name: name, Type: "nfs", Server: server, Export: nfsExport, Path: path}
}

// An SMB share to the OSS test server: every file arrives, a folder the
// user may not read is listed as a failure with its code and the job goes
// on, and a second run finds nothing to copy.
func TestSMBToOSS(t *testing.T) {
	conformance.RequireServer(t, smbHost)
	info := server(t, "samba.sh", "", "", "status")
	folder, dir := freshFolder(t, info["dir"])
	files := nasFiles(1)
	seed(t, dir, files)
	// A folder of root's, mode 0700: smbd, acting as mgwtest, may not read it.
	writeFile(t, filepath.Join(dir, "private", "secret.txt"), []byte("no"))
	if err := os.Chmod(filepath.Join(dir, "private"), 0o700); err != nil {
		t.Fatal(err)
	}

	srv := newOSS(t)
	s := newSetup(t)
	// The password from a file, as people keep it.
	pw := filepath.Join(s.dir, "nas.pw")
	writeFile(t, pw, []byte(smbPassword+"\n"))
	src := smbAddr("nas", smbHost, folder+"/")
	src.Password, src.PasswordFile = "", pw
	s.write(t, []address{src, ossAddr("oss", srv)}, newJob("nas-to-oss", "nas", "oss"))

	r := s.mgw(t, "address", "verify", "nas")
	wantExit(t, r, 0)
	r = s.mgw(t, "run", "nas-to-oss")
	wantExit(t, r, 3) // finished, with the unreadable folder failed
	wantCopied(t, r, len(files))
	wantObjects(t, srv, files)
	if _, _, ok := srv.Object(bucket, "private/secret.txt"); ok {
		t.Error("private/secret.txt was copied from a folder the user cannot read")
	}
	failed := s.failed(t, "nas-to-oss")
	if f, ok := failed["private/"]; !ok || f.code != codes.SourceReadDirFailed {
		t.Errorf("failed list: want private/ with %s, got %v", codes.SourceReadDirFailed, failed)
	}
	if len(failed) != 1 {
		t.Errorf("failed list: %d entries, want only private/: %v", len(failed), failed)
	}

	r = s.mgw(t, "run", "nas-to-oss")
	wantExit(t, r, 3)
	wantCopied(t, r, 0)
}

// An NFS export to S3 (versitygw).
func TestNFSToS3(t *testing.T) {
	conformance.RequireServer(t, nfsHost)
	conformance.RequireServer(t, s3Host)
	info := server(t, "nfs.sh", "", "", "status")
	folder, dir := freshFolder(t, info["dir"])
	files := nasFiles(2)
	seed(t, dir, files)

	cli := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://" + s3Host), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s3KeyID, s3Secret, "")})
	name := "mgw-e2e-nfs-" + strings.TrimPrefix(folder, "e2e-")
	if _, err := cli.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	s := newSetup(t)
	s.write(t, []address{nfsAddr("nas", nfsHost, folder), s3Addr("dst", name)}, newJob("nfs-to-s3", "nas", "dst"))
	r := s.mgw(t, "run", "nfs-to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantS3Objects(t, cli, name, files)
	r = s.mgw(t, "run", "nfs-to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
}

// The share server restarts while a job reads from it: the job pauses,
// reconnects and loses nothing.
func TestNASServerRestart(t *testing.T) {
	for _, tc := range []struct {
		name, script, portVar, port string
		addr                        func(server, path string) address
	}{
		{"smb", "samba.sh", "MGW_SMB_PORT", "14452", func(server, path string) address { return smbAddr("nas", server, path) }},
		{"nfs", "nfs.sh", "MGW_NFS_PORT", "12052", func(server, path string) address { return nfsAddr("nas", server, path) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conformance.RequireServer(t, smbHost) // samba is installed
			conformance.RequireServer(t, nfsHost) // the NFS server builds
			dir, bounce := ownServer(t, tc.script, tc.portVar, tc.port)
			files := nasFiles(3)
			seed(t, filepath.Join(dir, "tree"), files) // beside the server's denied/ folder
			srv := newOSS(t)
			// At the 20th request the OSS server sees, the share server
			// restarts, with that request held until it is back: the
			// other workers are mid-read or mid-listing meanwhile.
			var (
				mu       sync.Mutex
				requests int
				bounced  bool
			)
			srv.SetHandlerHook(func(op, _, _ string) {
				mu.Lock()
				defer mu.Unlock()
				requests++
				if requests == 20 && !bounced {
					bounced = true
					bounce()
				}
			})
			s := newSetup(t)
			s.write(t, []address{tc.addr("127.0.0.1:"+tc.port, "tree"), ossAddr("oss", srv)}, newJob("restart", "nas", "oss"))
			r := s.mgw(t, "run", "restart")
			if !bounced {
				t.Fatalf("the server was never restarted: %d requests", requests)
			}
			wantExit(t, r, 0)
			wantCopied(t, r, len(files))
			wantBucketHolds(t, srv, files)
			if f := s.failed(t, "restart"); len(f) != 0 {
				t.Errorf("failed list after a restart: %v", f)
			}
		})
	}
}

// Wrong password, share, export or folder: mgw address verify and mgw run
// answer with the catalogue's code, and the password never shows.
func TestNASBadAddresses(t *testing.T) {
	conformance.RequireServer(t, smbHost)
	conformance.RequireServer(t, nfsHost)
	srv := newOSS(t)
	wrongPassword := smbAddr("wrong-password", smbHost, "")
	wrongPassword.Password = "not," + smbPassword
	wrongShare := smbAddr("wrong-share", smbHost, "")
	wrongShare.Share = "nope"
	wrongExport := nfsAddr("wrong-export", nfsHost, "")
	wrongExport.Export = "/nope"
	s := newSetup(t)
	addrs := []address{wrongPassword, wrongShare, wrongExport,
		smbAddr("smb-no-folder", smbHost, "no/such/folder"), nfsAddr("nfs-no-folder", nfsHost, "no-such-folder"),
		ossAddr("oss", srv)}
	s.write(t, addrs, newJob("bad-password", "wrong-password", "oss"), newJob("bad-export", "wrong-export", "oss"))
	var all []result
	for _, c := range []struct{ addr, code string }{
		{"wrong-password", codes.SourceMountNasFailed},
		{"wrong-share", codes.SourceMountNasFailed},
		{"wrong-export", codes.SourceMountNasFailed},
		{"smb-no-folder", codes.SourcePrefixIsNotDir},
		{"nfs-no-folder", codes.SourcePrefixIsNotDir},
	} {
		r := s.mgw(t, "address", "verify", c.addr)
		all = append(all, r)
		if r.code != 1 || !strings.Contains(r.stdout+r.stderr, c.code) {
			t.Errorf("address verify %s: want exit 1 and %s, got %s", c.addr, c.code, r)
		}
	}
	for _, job := range []string{"bad-password", "bad-export"} {
		r := s.mgw(t, "run", job)
		all = append(all, r)
		if r.code == 0 || !strings.Contains(r.stdout+r.stderr, codes.SourceMountNasFailed) {
			t.Errorf("run %s: want a failure with %s, got %s", job, codes.SourceMountNasFailed, r)
		}
	}
	if len(srv.Keys(bucket)) != 0 {
		t.Errorf("objects stored from addresses that failed: %v", srv.Keys(bucket))
	}
	for _, r := range all {
		if strings.Contains(r.stdout+r.stderr, smbPassword) {
			t.Errorf("the password shows in the output:\n%s", strings.ReplaceAll(r.String(), smbPassword, "<SECRET>"))
		}
	}

	// The hosted service's restriction on SMB passwords is not mgw's.
	r := s.mgw(t, "explain", codes.CifsPasswordNotSupported)
	wantExit(t, r, 0)
	if !strings.Contains(strings.Join(strings.Fields(r.stdout), " "), "no mount command line") {
		t.Errorf("explain %s does not say mgw builds no mount command line:\n%s", codes.CifsPasswordNotSupported, r)
	}
}
