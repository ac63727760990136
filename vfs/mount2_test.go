//go:build linux

package vfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// Reading failed.txt in small pieces while another goroutine records
// failures gives one consistent snapshot: no torn line, no path twice, the
// paths in order, every failure recorded before the open, none recorded
// after it returned... and reading it again from the start gives the same
// bytes.
func TestMountSnapshotUnderConcurrentFailures(t *testing.T) {
	st := openStore(t)
	addFailures(t, st, "job-a", "base", 3000, codes.NoPermission)
	mnt := mountView(t, newFakeSource(), st)

	var committed atomic.Int64 // failures recorded so far, base ones included
	committed.Store(3000)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; i++ {
			// Spread new paths among the old ones (reversed digits), and
			// renew old ones (same path, more attempts) in between.
			p := fmt.Sprintf("base/%07d.dat", i%3000)
			if i%2 == 0 {
				p = fmt.Sprintf("base/%07d.dat-new-%d", reverse(i), i)
			}
			if err := st.Fail("job-a", p, state.Failure{Code: codes.InternalError, Message: "busy", Attempts: 1, Last: when}); err != nil {
				t.Error(err)
				return
			}
			if i%2 == 0 {
				committed.Add(1)
			}
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	for round := 0; round < 5; round++ {
		before := committed.Load()
		f, err := os.Open(mnt + "/jobs/job-a/failed.txt")
		if err != nil {
			t.Fatal(err)
		}
		after := committed.Load()
		var all []byte
		buf := make([]byte, 1000) // many small reads: many resumes of the snapshot
		for {
			n, err := f.Read(buf)
			all = append(all, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		again := make([]byte, len(all)+100)
		n, err := f.ReadAt(again, 0)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		f.Close()
		if string(again[:n]) != string(all) {
			t.Fatalf("round %d: a second pass over the same open file differs", round)
		}
		lines := strings.Split(strings.TrimSuffix(string(all), "\n"), "\n")
		prev := ""
		for _, l := range lines {
			fields := strings.Split(l, "\t")
			if len(fields) != 5 || !strings.HasPrefix(fields[0], "base/") || !strings.HasSuffix(fields[4], "Z") {
				t.Fatalf("round %d: torn line %q", round, l)
			}
			if fields[0] <= prev {
				t.Fatalf("round %d: %q after %q: duplicated or out of order", round, fields[0], prev)
			}
			prev = fields[0]
		}
		if got := int64(len(lines)); got < before || got > after+1 {
			t.Errorf("round %d: %d lines; %d failures existed before the open and %d after it", round, got, before, after)
		}
	}
}

func reverse(i int) int {
	r := 0
	for k := 0; k < 7; k++ {
		r = r*10 + i%10
		i /= 10
	}
	return r
}

// A mount left behind by a killed agent ("transport endpoint is not
// connected") is detached and mounted over at the next start.
func TestMountCleansStaleMount(t *testing.T) {
	testenv.FUSE(t)
	dir := filepath.Join(t.TempDir(), "mnt")
	// A child process (this test binary) mounts the view and is killed.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VFS_HELPER_MOUNT="+dir, "VFS_HELPER_STATE="+t.TempDir())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line := make([]byte, 8)
	if _, err := io.ReadFull(out, line[:6]); err != nil || string(line[:6]) != "ready\n" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper did not mount: %q %v", line, err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Cleanup(func() { _ = syscall.Unmount(dir, syscall.MNT_DETACH) })
	if _, err := os.Stat(dir); !errors.Is(err, syscall.ENOTCONN) {
		t.Fatalf("after kill -9 the mount point gives %v, want ENOTCONN", err)
	}

	st := openStore(t)
	unmount, err := Mount(dir, newFakeSource(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer unmount()
	if got := readFile(t, dir+"/jobs/job-a/status"); got != "state migrating\n" {
		t.Errorf("status after remount: %q", got)
	}
}

// Mount refuses a mount point that is a file, a directory that is not
// empty, or one where a live view is mounted, and says so; it creates a
// missing one.
func TestMountPointChecks(t *testing.T) {
	testenv.FUSE(t)
	st := openStore(t)
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	full := filepath.Join(tmp, "full")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full+"/precious", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		file: "is not a directory",
		full: "is not empty (it holds precious)",
	} {
		if _, err := Mount(dir, newFakeSource(), st); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Mount(%s): %v, want %q", dir, err, want)
		}
	}
	missing := filepath.Join(tmp, "a", "b")
	unmount, err := Mount(missing, newFakeSource(), st)
	if err != nil {
		t.Fatal(err)
	}
	defer unmount()
	if _, err := Mount(missing, newFakeSource(), st); err == nil || !strings.Contains(err.Error(), "another mgw agent") {
		t.Errorf("second Mount on a live view: %v", err)
	}
	if err := unmount(); err != nil {
		t.Fatal(err)
	}
	if es, err := os.ReadDir(missing); err != nil || len(es) != 0 {
		t.Errorf("after unmount the mount point holds %v (%v)", es, err)
	}
}

// Unmount succeeds while a reader holds a list open (the mount is detached)
// and releases the reader's snapshot, so the caller can close the state:
// the reader's next read fails instead of touching a closed store.
func TestUnmountWithOpenFile(t *testing.T) {
	testenv.FUSE(t)
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 20000, codes.NoPermission)
	dir := filepath.Join(t.TempDir(), "mnt")
	unmount, err := Mount(dir, newFakeSource(), st)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dir + "/jobs/job-a/failed.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Read(make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if err := unmount(); err != nil {
		t.Fatalf("unmount with a file open: %v", err)
	}
	if mounted(dir) {
		t.Fatal("still mounted after unmount")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(f); err == nil {
		t.Error("reading on after unmount succeeded; want an error")
	}
}
