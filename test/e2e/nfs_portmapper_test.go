package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// ganeshaNFS is the NFS port of the server test/servers/ganesha.sh
// starts; the addresses name only its host, so the portmapper is asked.
const ganeshaNFS = "127.0.0.1:20491"

// ganesha returns what ganesha.sh prints, or ends the test when the
// server is not running.
func ganesha(t *testing.T) map[string]string {
	t.Helper()
	conformance.RequireServer(t, ganeshaNFS)
	return server(t, "ganesha.sh", "", "", "status")
}

// localCopy is a fresh local folder to copy into.
func localCopy(t *testing.T, s *setup) string {
	t.Helper()
	dst := filepath.Join(s.dir, "copy")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Job after job through the portmapper, each from a fresh state, copies
// every file byte for byte: no job fails to connect (issue 17: 3 of 27
// failed with "address already in use" before copying anything).
func TestNFSPortmapperRepeatedJobs(t *testing.T) {
	info := ganesha(t)
	folder, dir := freshFolder(t, info["dir"])
	files := nasFiles(4)
	seed(t, dir, files)
	n := testenv.Repeats(10, 50)
	failed := 0
	for i := range n {
		s := newSetup(t)
		dst := localCopy(t, s)
		s.write(t, []address{nfsAddr("nas", info["server"], folder), localAddr("dst", dst)}, newJob("portmapper", "nas", "dst"))
		if r := s.mgw(t, "run", "portmapper"); r.code != 0 {
			failed++
			t.Errorf("job %d of %d: %s", i+1, n, r)
			continue
		}
		wantFolderHolds(t, dst, files)
	}
	if failed > 0 {
		t.Errorf("%d of %d jobs failed", failed, n)
	}
}

// An export that accepts only reserved source ports (ganesha's
// PrivilegedPort, the kernel server's "secure") refuses a job from an
// ordinary port, saying what to set; with reserved_port: true the job
// copies; run without root, reserved_port says it needs root.
func TestNFSReservedPort(t *testing.T) {
	info := ganesha(t)
	folder, dir := freshFolder(t, info["secure_dir"])
	files := map[string][]byte{"a.txt": randomBytes(1, 1000), "sub/b.bin": randomBytes(2, 70000)}
	seed(t, dir, files)
	ordinary := nfsAddr("ordinary", info["server"], folder)
	ordinary.Export = info["secure_export"]
	reserved := ordinary
	reserved.Name, reserved.ReservedPort = "reserved", true

	// say checks that r failed with a failed mount, saying what.
	say := func(r result, what string) {
		t.Helper()
		out := strings.Join(strings.Fields(r.stdout+r.stderr), " ")
		if r.code == 0 || !strings.Contains(out, codes.SourceMountNasFailed) || !strings.Contains(out, what) {
			t.Errorf("want a failure with %s saying %q, got %s", codes.SourceMountNasFailed, what, r)
		}
	}
	s := newSetup(t)
	dst := localCopy(t, s)
	s.write(t, []address{ordinary, reserved, localAddr("dst", dst)}, newJob("ordinary", "ordinary", "dst"), newJob("reserved", "reserved", "dst"))
	const wanted = "the server accepts only clients on a reserved source port (below 1024): set reserved_port: true and run the agent as root"
	say(s.mgw(t, "address", "verify", "ordinary"), wanted)
	say(s.mgw(t, "run", "ordinary"), wanted)
	wantFolderHolds(t, dst, nil)

	wantExit(t, s.mgw(t, "address", "verify", "reserved"), 0)
	r := s.mgw(t, "run", "reserved")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantFolderHolds(t, dst, files)

	s = newSetup(t)
	asNobody := s.asNobody(t)
	s.write(t, []address{reserved, localAddr("dst", localCopy(t, s))}, newJob("reserved", "reserved", "dst"))
	say(asNobody("address", "verify", "reserved"), "needs root or CAP_NET_BIND_SERVICE")
}
