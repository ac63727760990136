package e2e

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
)

// bigFiles are the multipart files of the crash tests: 10 MiB and a bit,
// so 11 parts of 1 MiB each.
var bigFiles = []string{"big-1.bin", "big-2.bin", "big-3.bin"}

const bigSize = 10<<20 + 12345

// crashSource writes 300 small files in ten folders and the big files.
func crashSource(t *testing.T, dir string) {
	t.Helper()
	for i := range 300 {
		size := 1 + (i*7919)%16384
		writeFile(t, filepath.Join(dir, "small", fmt.Sprintf("%02d", i%10), fmt.Sprintf("f%03d.dat", i)), randomBytes(uint64(i), size))
	}
	for i, name := range bigFiles {
		writeFile(t, filepath.Join(dir, name), randomBytes(uint64(1000+i), bigSize))
	}
}

// killPoint decides, at the start of each request the server receives,
// whether the mgw process dies while that request is in flight.
type killPoint struct {
	name string
	// at is called with the request's operation and key, and how many
	// requests the server has seen so far (this one included).
	at func(op, key string, seen *seenRequests) bool
	// hold, if set, picks requests to hold until the process is dead, so
	// the kill finds work in a chosen state.
	hold func(op, key string, seen *seenRequests) bool
}

// seenRequests counts requests by operation, and by operation and key.
type seenRequests struct {
	ops  map[string]int
	keys map[[2]string]int
}

// storedFiles is the number of big files with a part stored.
func storedFiles(srv *osstest.Server) int {
	n := 0
	for _, name := range bigFiles {
		if len(srv.PartUploads(bucket, name)) > 0 {
			n++
		}
	}
	return n
}

func isBig(key string) bool {
	for _, name := range bigFiles {
		if key == name {
			return true
		}
	}
	return false
}

// killPoints are made for a server, which some of them ask.
func killPoints(srv *osstest.Server) []killPoint {
	return []killPoint{
		// While small files are being sent and each big file is part-way:
		// from its sixth part on, a big file's parts are held, so its
		// first parts are through (at most four are sent at a time, so
		// the sixth starts only after one was acknowledged) and the rest
		// wait. The one worker left sends small files.
		{name: "small-files",
			at: func(op, _ string, seen *seenRequests) bool {
				return op == "PutObject" && seen.ops[op] >= 100
			},
			hold: func(op, key string, seen *seenRequests) bool {
				return op == "UploadPart" && seen.keys[[2]string{op, key}] >= 6
			}},
		// While a part of a big file is in flight, with parts of two big
		// files stored (mgw sends two files in parts at a time).
		{name: "part-upload",
			at: func(op, key string, _ *seenRequests) bool {
				return op == "UploadPart" && isBig(key) && len(srv.PartUploads(bucket, key)) >= 4 && storedFiles(srv) >= 2
			}},
		// When the request to assemble the parts starts: the server never
		// completes it.
		{name: "complete",
			at: func(op, _ string, _ *seenRequests) bool { return op == "CompleteMultipartUpload" }},
		// After the server completed the upload, before mgw recorded it:
		// mgw asks for the object's attributes right after completing.
		{name: "after-complete",
			at: func(op, key string, _ *seenRequests) bool { return op == "HeadObject" && isBig(key) }},
	}
}

// TestKillResume kills mgw with SIGKILL in the middle of a request, at
// several points of a run, then runs it again: files done before the kill
// are not sent again, parts checkpointed are not sent again, and no object
// with wrong content is ever visible.
func TestKillResume(t *testing.T) {
	for _, name := range []string{"small-files", "part-upload", "complete", "after-complete"} {
		t.Run(name, func(t *testing.T) {
			srv := newOSS(t)
			var kp killPoint
			for _, p := range killPoints(srv) {
				if p.name == name {
					kp = p
				}
			}
			s := newSetup(t)
			crashSource(t, s.src)
			j := newJob("crash", "src", "dst")
			s.write(t, []address{localAddr("src", s.src), ossAddr("dst", srv)}, j)
			files := sourceFiles(t, s.src)

			killAt(t, srv, s.cmd("run", "crash"), kp)

			// What the state says was done, and which parts were
			// acknowledged, at the moment of the kill.
			st, err := state.Open(s.state)
			if err != nil {
				t.Fatalf("open the state of the killed run: %v", err)
			}
			done := map[string]bool{}
			if err := st.Files("crash", func(p string, _ state.FileEntry) error { done[p] = true; return nil }); err != nil {
				t.Fatal(err)
			}
			checkpointed := map[string][]int{}
			if err := st.Uploads("crash", func(p string, u state.Upload) error {
				for _, part := range u.Parts {
					checkpointed[p] = append(checkpointed[p], part.Number)
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			nparts := 0
			for p, nums := range checkpointed {
				sort.Ints(nums)
				t.Logf("checkpoint of %s at the kill: parts %v", p, nums)
				nparts += len(nums)
			}
			t.Logf("%d files done at the kill", len(done))
			if kp.name != "complete" && nparts == 0 {
				t.Fatalf("no part was checkpointed at the kill, though the server had stored %v", storedParts(srv))
			}
			if kp.name == "small-files" && len(done) < 50 {
				t.Fatalf("only %d files marked done after 100 PutObject requests", len(done))
			}

			type counts struct{ put, initiate, complete int }
			countOf := func(key string) counts {
				return counts{srv.Count("PutObject", key), srv.Count("InitiateMultipartUpload", key), srv.Count("CompleteMultipartUpload", key)}
			}
			before := map[string]counts{}
			for p := range done {
				before[p] = countOf(p)
			}

			r := s.mgw(t, "run", "crash")
			wantExit(t, r, 0)

			wantBucketHolds(t, srv, files)
			for p, c := range before {
				if now := countOf(p); now != c {
					t.Errorf("%s was done before the kill, yet was sent again: requests (put, initiate, complete) %v before the restart, %v after", p, c, now)
				}
			}
			for p, nums := range checkpointed {
				sent := srv.PartUploads(bucket, p)
				for _, n := range nums {
					if sent[n] != 1 {
						t.Errorf("%s part %d was checkpointed before the kill, yet the server received it %d times", p, n, sent[n])
					}
				}
			}
			if open := srv.Uploads(bucket); len(open) > 0 {
				t.Errorf("multipart uploads left open: %v", open)
			}

			// The run that finished knows it copied every file: a file
			// left out of the index would be judged by the overwrite
			// policy next time, as if someone else had written it.
			indexed, checkpoints := index(t, s, "crash")
			for key := range files {
				if !indexed[key] {
					t.Errorf("%s: not in the index after the run that resumed the killed one", key)
				}
			}
			if len(checkpoints) > 0 {
				t.Errorf("upload checkpoints left in the state after a complete run: %v", checkpoints)
			}
			if sk := s.skipped(t, "crash"); len(sk) > 0 {
				t.Errorf("mgw skipped lists files mgw itself copied: %v", sk)
			}

			// A third run finds nothing to do.
			total := func() [4]int {
				return [4]int{srv.Count("PutObject", ""), srv.Count("UploadPart", ""), srv.Count("InitiateMultipartUpload", ""), srv.Count("CompleteMultipartUpload", "")}
			}
			was := total()
			r = s.mgw(t, "run", "crash")
			wantExit(t, r, 0)
			if now := total(); now != was {
				t.Errorf("third run sent requests (put, part, initiate, complete): %v before, %v after", was, now)
			}
		})
	}
}

// killAt starts c and kills it with SIGKILL from inside the server's
// handler of the request kp picks, holding that request until the process
// is dead. It fails the test if the run ends before that point.
func killAt(t *testing.T, srv *osstest.Server, c *exec.Cmd, kp killPoint) {
	t.Helper()
	var out, errb bytes.Buffer
	c.Stdout, c.Stderr = &out, &errb
	started := make(chan struct{}) // closed once c.Process is set
	dead := make(chan struct{})    // closed once the process is reaped
	var (
		mu    sync.Mutex
		seen  = &seenRequests{ops: map[string]int{}, keys: map[[2]string]int{}}
		fired bool
		once  sync.Once
	)
	kill := func() {
		once.Do(func() {
			<-started
			_ = c.Process.Kill()
		})
		<-dead
	}
	srv.SetHandlerHook(func(op, _, key string) {
		mu.Lock()
		seen.ops[op]++
		seen.keys[[2]string{op, key}]++
		fire := !fired && kp.at(op, key, seen)
		fired = fired || fire
		hold := fired || kp.hold != nil && kp.hold(op, key, seen)
		mu.Unlock()
		if fire {
			kill()
		} else if hold {
			<-dead // nothing more reaches the server from a dying process
		}
	})
	defer srv.SetHandlerHook(nil)
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	close(started)
	var waitErr error
	go func() { waitErr = c.Wait(); close(dead) }()
	// A continuous job never ends by itself: bound the wait for a kill
	// point that is never reached, so that is a failure, not a hang.
	select {
	case <-dead:
	case <-time.After(3 * time.Minute):
		_ = c.Process.Kill()
		<-dead
	}
	mu.Lock()
	defer mu.Unlock()
	if !fired {
		t.Fatalf("the run ended, or ran 3 minutes, before the kill point (%v):\n--- stdout\n%s--- stderr\n%s", waitErr, out.String(), errb.String())
	}
	t.Logf("killed at %s: requests seen %v", kp.name, seen.ops)
}

// storedParts is how many parts of each big file the server has stored.
func storedParts(srv *osstest.Server) map[string]int {
	m := map[string]int{}
	for _, name := range bigFiles {
		m[name] = len(srv.PartUploads(bucket, name))
	}
	return m
}

// index opens the state of a finished run: the files it holds as done, and
// the paths with an upload checkpoint.
func index(t *testing.T, s *setup, jobName string) (map[string]bool, []string) {
	t.Helper()
	st, err := state.Open(s.state)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	done := map[string]bool{}
	if err := st.Files(jobName, func(p string, _ state.FileEntry) error { done[p] = true; return nil }); err != nil {
		t.Fatal(err)
	}
	var uploads []string
	if err := st.Uploads(jobName, func(p string, _ state.Upload) error { uploads = append(uploads, p); return nil }); err != nil {
		t.Fatal(err)
	}
	return done, uploads
}
