package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A state directory whose MANIFEST is cut short: `mgw run` refuses it with
// StateDamaged and says how to rebuild; `mgw state rebuild` sets it aside,
// and the next run adopts every object the destination holds without
// sending one again.
func TestStateDamagedRebuild(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	files := map[string][]byte{}
	for i, name := range []string{"a", "dir/b", "dir/sub/c", "big"} {
		files[name] = randomBytes(uint64(i), 1000+i*700_000)
		writeFile(t, filepath.Join(s.src, name), files[name])
	}
	s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, newJob("job", "src", "dst"))
	wantExit(t, s.mgw(t, "run", "job"), 0)
	wantObjects(t, srv, files)

	if err := os.Truncate(filepath.Join(s.state, "MANIFEST"), 5); err != nil {
		t.Fatal(err)
	}
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 1)
	if !strings.Contains(r.stderr, "StateDamaged") || !strings.Contains(r.stderr, "mgw state rebuild") {
		t.Fatalf("run on a damaged state:\n%s\nwant StateDamaged and the rebuild command", r)
	}

	r = s.mgw(t, "state", "rebuild")
	wantExit(t, r, 0)
	aside, err := filepath.Glob(s.state + ".damaged-*")
	if err != nil || len(aside) != 1 || !strings.Contains(r.stdout, aside[0]) {
		t.Fatalf("rebuild: %v %v\n%s\nwant the old state set aside and named", aside, err, r)
	}
	if fi, err := os.Stat(s.state); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("new state dir: %v %v, want mode 0700", fi, err)
	}

	before := srv.Count("PutObject", "") + srv.Count("UploadPart", "")
	wantExit(t, s.mgw(t, "run", "job"), 0)
	if n := srv.Count("PutObject", "") + srv.Count("UploadPart", "") - before; n != 0 {
		t.Errorf("the run after the rebuild sent %d objects or parts, want none: every object matched", n)
	}
	// A changed file after the rebuild is copied, not adopted.
	files["a"] = []byte("changed")
	writeFile(t, filepath.Join(s.src, "a"), files["a"])
	wantExit(t, s.mgw(t, "run", "job"), 0)
	wantObjects(t, srv, files)
}

// A state directory made by hand readable by others is made its owner's
// only before mgw uses it.
func TestStateDirTightened(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	writeFile(t, filepath.Join(s.src, "a"), []byte("a"))
	if err := os.Mkdir(s.state, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(s.state, 0o755); err != nil {
		t.Fatal(err)
	}
	s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, newJob("job", "src", "dst"))
	wantExit(t, s.mgw(t, "run", "job"), 0)
	if fi, err := os.Stat(s.state); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("state dir: %v %v, want mode 0700", fi, err)
	}
}
