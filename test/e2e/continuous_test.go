package e2e

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// waitBucket polls the test server until every file is there with its
// bytes; the deadline only bounds a failure.
func waitBucket(t *testing.T, srv *osstest.Server, files map[string][]byte, what string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		missing := ""
		for key, want := range files {
			if got, _, ok := srv.Object(bucket, key); !ok || !bytes.Equal(got, want) {
				missing = key
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s never reached the bucket", what, missing)
		}
		time.Sleep(10 * time.Millisecond) // polling the server's state, not waiting for time to pass
	}
}

// TestContinuousKillResume kills a continuous job with SIGKILL in the
// middle of a part upload, starts it again, checks it finishes the first
// pass without sending again what was done, follows new files through the
// watch, and stops cleanly on SIGTERM.
func TestContinuousKillResume(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	crashSource(t, s.src)
	j := newJob("live", "src", "dst")
	j.Mode, j.Settle = "continuous", "100ms"
	s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, j)
	files := sourceFiles(t, s.src)

	var kp killPoint
	for _, p := range killPoints(srv) {
		if p.name == "part-upload" {
			kp = p
		}
	}
	killAt(t, srv, s.cmd("run", "live"), kp)
	done, _ := index(t, s, "live")
	puts := map[string]int{}
	for p := range done {
		puts[p] = srv.Count("PutObject", p) + srv.Count("CompleteMultipartUpload", p)
	}
	t.Logf("%d files done at the kill", len(done))

	run := s.start(t, "run", "live")
	waitBucket(t, srv, files, "after the restart")

	// New files, written while the job runs, arrive through the watch.
	fresh := map[string][]byte{}
	for i := range 20 {
		key := fmt.Sprintf("fresh/%02d.dat", i)
		fresh[key] = randomBytes(uint64(5000+i), 1000+i)
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(key)), fresh[key])
	}
	waitBucket(t, srv, fresh, "new files")

	run.stop(t)
	for p, n := range puts {
		if now := srv.Count("PutObject", p) + srv.Count("CompleteMultipartUpload", p); now != n {
			t.Errorf("%s was done before the kill, yet was sent again (%d writes, then %d)", p, n, now)
		}
	}
	for k, v := range fresh {
		files[k] = v
	}
	wantBucketHolds(t, srv, files)
	if open := srv.Uploads(bucket); len(open) > 0 {
		t.Errorf("multipart uploads left open: %v", open)
	}
	indexed, checkpoints := index(t, s, "live")
	for key := range files {
		if !indexed[key] {
			t.Errorf("%s: not in the index", key)
		}
	}
	if len(checkpoints) > 0 {
		t.Errorf("upload checkpoints left: %v", checkpoints)
	}
}
