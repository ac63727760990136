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

// A local destination whose disk fills up mid-run: `mgw run` stops with
// DestDiskFull instead of failing every file after it, no file is left cut
// short under its name, and once there is room a second run copies the
// rest and sends nothing twice.
func TestDestDiskFull(t *testing.T) {
	disk := smallDisk(t, 1<<20)
	src := t.TempDir()
	const files = 6
	for i := range files {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%d", i)), []byte(strings.Repeat(string(rune('a'+i)), 300<<10)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := func() error {
		srcAddr, dstAddr := connectors.Address{Name: "src", Type: "local", Path: src}, connectors.Address{Name: "dst", Type: "local", Path: disk}
		s, err := all.Open(t.Context(), srcAddr)
		if err != nil {
			t.Fatal(err)
		}
		d, err := all.Open(t.Context(), dstAddr)
		if err != nil {
			t.Fatal(err)
		}
		job := &config.Settings{Name: "full", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 2,
			Retries: 3, RetryBackoff: time.Millisecond}
		_, err = NewRunner(job, srcAddr, dstAddr, s, d, st, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(t.Context())
		return err
	}
	err = run()
	var je *JobError
	if !errors.As(err, &je) || je.Code != codes.DestDiskFull {
		t.Fatalf("run on a full destination: %v, want DestDiskFull", err)
	}
	// What is at the destination is whole, and is what the index holds.
	ents, err := os.ReadDir(disk)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil || fi.Size() != 300<<10 {
			t.Errorf("%s at the destination: %v bytes %v, want whole files only", e.Name(), fi.Size(), err)
		}
	}
	indexed := 0
	if err := st.Files("full", func(string, state.FileEntry) error { indexed++; return nil }); err != nil {
		t.Fatal(err)
	}
	if indexed == files || indexed != len(ents) {
		t.Fatalf("index holds %d files, the destination %d, of %d", indexed, len(ents), files)
	}
	if err := syscall.Mount("", disk, "", syscall.MS_REMOUNT, fmt.Sprintf("size=%d", 8<<20)); err != nil {
		t.Fatalf("grow the destination: %v", err)
	}
	for _, e := range ents {
		fi, _ := e.Info()
		defer func(name string, mod time.Time) {
			if fi, err := os.Stat(filepath.Join(disk, name)); err != nil || !fi.ModTime().Equal(mod) {
				t.Errorf("%s was written again after space was freed", name)
			}
		}(e.Name(), fi.ModTime())
	}
	if err := run(); err != nil {
		t.Fatalf("run once there is room: %v", err)
	}
	for i := range files {
		if b, err := os.ReadFile(filepath.Join(disk, fmt.Sprintf("f%d", i))); err != nil || len(b) != 300<<10 {
			t.Errorf("f%d: %d bytes, %v", i, len(b), err)
		}
	}
}
