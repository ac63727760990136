package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// smallDisk mounts a tmpfs of size bytes for the test, to hold a state
// directory the test can fill.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("MGW_REQUIRE_SERVERS") != "" {
			t.Fatal("mounting a small file system needs root")
		}
		t.Skip("mounting a small file system needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// fill allocates the file at path so that about free bytes stay free on
// its file system.
func fill(t *testing.T, path string, free uint64) {
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Dir(path), &st); err != nil {
		t.Error(err)
		return
	}
	have := uint64(st.Bavail) * uint64(st.Bsize)
	if have <= free {
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	fi, _ := f.Stat()
	if err := unix.Fallocate(int(f.Fd()), 0, fi.Size(), int64(have-free)); err != nil {
		t.Error(err)
	}
}

// diskRig is a one-shot job of n files from a folder to the OSS test
// server, whose state directory is on disk.
type diskRig struct {
	srv   *osstest.Server
	r     *Runner
	st    *state.Store
	files int
}

func newDiskRig(t *testing.T, disk string, files int) *diskRig {
	t.Helper()
	g := &diskRig{srv: ossServer(t, "disk"), files: files}
	src := t.TempDir()
	for i := range files {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%03d", i)), []byte(strings.Repeat("d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := state.Open(filepath.Join(disk, "state"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g.st = st
	srcAddr, dstAddr := connectors.Address{Name: "src", Type: "local", Path: src}, ossAddr(g.srv, "dst", "disk")
	s, err := all.Open(t.Context(), srcAddr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := all.Open(t.Context(), dstAddr)
	if err != nil {
		t.Fatal(err)
	}
	job := &config.Settings{Name: "disk", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 4,
		Retries: 3, RetryBackoff: time.Millisecond}
	g.r = NewRunner(job, srcAddr, dstAddr, s, d, st, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return g
}

// A state directory on a disk of 3 MiB: opening it refuses with
// ErrDiskFull, saying what is free, instead of writing until Badger faults.
func TestStateDiskTooSmall(t *testing.T) {
	_, err := state.Open(filepath.Join(smallDisk(t, 3<<20), "state"))
	if !errors.Is(err, state.ErrDiskFull) || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("open: %v, want ErrDiskFull saying what is free", err)
	}
}

// The state directory's disk fills up mid-run, under the agent: the job is
// held with StateDiskFull, no file fails, nothing crashes; space freed and
// `mgw job retry` finish it, the index holds every file, and a second run
// sends nothing.
func TestStateDiskFillsUp(t *testing.T) {
	disk := smallDisk(t, 64<<20)
	g := newDiskRig(t, disk, 300)
	g.r.PauseOnDenied = true
	g.r.access = newAccessHold(time.Hour, time.Hour) // only the retry resumes it
	filler := filepath.Join(disk, "filler")
	var puts atomic.Int32
	g.srv.SetHandlerHook(func(op, bucket, key string) {
		if op == "PutObject" && puts.Add(1) == 50 {
			fill(t, filler, state.Reserve-(1<<20))
		}
	})
	done := make(chan error, 1)
	go func() { _, err := g.r.Run(context.Background()); done <- err }()
	testenv.WaitUntil(t, "the job held", g.r.Held)
	if code, reason := g.r.AccessHeld(); code != codes.StateDiskFull || !strings.Contains(reason, "MiB free") {
		t.Fatalf("held with %s %q, want StateDiskFull saying what is free", code, reason)
	}
	if n := g.r.Progress.FilesFailed.Load(); n != 0 {
		t.Fatalf("%d files failed on a full disk, want none", n)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	g.r.Retry()
	if err := <-done; err != nil {
		t.Fatalf("run after space was freed: %v", err)
	}
	indexed := 0
	if err := g.st.Files("disk", func(string, state.FileEntry) error { indexed++; return nil }); err != nil {
		t.Fatal(err)
	}
	if indexed != g.files {
		t.Fatalf("index holds %d files, want %d", indexed, g.files)
	}
	for i := range g.files {
		if b, _, ok := g.srv.Object("disk", fmt.Sprintf("f%03d", i)); !ok || len(b) != i {
			t.Fatalf("f%03d at the destination: %v, %d bytes", i, ok, len(b))
		}
	}
	before := g.srv.Count("PutObject", "")
	g.r.Progress = nil
	if _, err := g.r.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := g.srv.Count("PutObject", "") - before; n != 0 {
		t.Errorf("second run sent %d objects, want none", n)
	}
}

// A state directory on a read-only file system: opening it refuses with
// ErrNotWritable (StateNotWritable to the user), not a Badger error.
func TestStateDiskReadOnly(t *testing.T) {
	disk := smallDisk(t, 8<<20)
	if err := syscall.Mount("", disk, "", syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatalf("remount read-only: %v", err)
	}
	_, err := state.Open(disk)
	if !errors.Is(err, state.ErrNotWritable) {
		t.Fatalf("open on a read-only file system: %v, want ErrNotWritable", err)
	}
}
