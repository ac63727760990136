package local

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// Linux names are bytes: the watch reports them as List names them.
func TestWatchNonUTF8Name(t *testing.T) {
	root := t.TempDir()
	_, rec := startWatch(t, root)
	mkdir(t, filepath.Join(root, "d\xff"))
	rec.waitChanged(t, "d\xff")
	touch(t, filepath.Join(root, "d\xff", "caf\xe9"))
	rec.waitChanged(t, "d\xff/caf\xe9")
}

func TestWatchableTempDir(t *testing.T) {
	if err := watchable(t.TempDir()); err != nil {
		t.Errorf("a local temp dir is unwatchable: %v", err)
	}
	err := watchable(filepath.Join(t.TempDir(), "missing"))
	if !errors.Is(err, connectors.ErrUnwatchable) || !strings.HasPrefix(err.Error(), "cannot tell the file system: ") {
		t.Errorf("watchable(missing) = %v", err)
	}
}

// limitChild marks the copy of the test binary that TestWatchLimit starts
// in a user namespace of its own.
const limitChild = "MGW_TEST_WATCH_LIMIT_CHILD"

// The kernel's watch limit is provoked for real without touching the
// machine's: the test runs again in a new user namespace, whose own
// inotify limit (/proc/sys/user/max_inotify_watches, checked on top of
// the parent's) its root may lower.
func TestWatchLimit(t *testing.T) {
	if os.Getenv(limitChild) != "" {
		watchLimitChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchLimit$", "-test.v")
	cmd.Env = append(os.Environ(), limitChild+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err != nil && !errors.As(err, &exit):
		t.Skipf("cannot start a user namespace here (%v): the watch limit cannot be lowered without changing the machine's", err)
	case err != nil:
		t.Fatalf("in a user namespace: %v\n%s", err, out)
	case bytes.Contains(out, []byte("--- SKIP")):
		t.Skipf("in a user namespace:\n%s", out)
	case !bytes.Contains(out, []byte("--- PASS: TestWatchLimit")):
		t.Fatalf("the test did not run in the user namespace:\n%s", out)
	}
	t.Logf("in a user namespace:\n%s", out)
}

// watchLimitChild lets the watch set 4 inotify watches: the root, a,
// a/sub and b; b/sub and the folders after b are unwatched.
func watchLimitChild(t *testing.T) {
	if err := os.WriteFile("/proc/sys/user/max_inotify_watches", []byte("4"), 0); err != nil {
		t.Skipf("cannot lower the user namespace's watch limit: %v", err)
	}
	root, elsewhere := t.TempDir(), t.TempDir()
	for _, d := range []string{"a", "b", "c", "d"} {
		mkdir(t, filepath.Join(root, d, "sub"))
	}
	var logs bytes.Buffer
	rec := newRecorder()
	cw, err := open(t, root).(connectors.Watcher).Watch(rec, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer cw.Close()
	w := cw.(*watch)
	if got, want := w.Unwatched(), []string{"b/sub", "c", "d"}; !slices.Equal(got, want) {
		t.Fatalf("Unwatched = %q, want %q", got, want)
	}
	if n := strings.Count(logs.String(), "inotify watch limit is reached"); n != 1 {
		t.Errorf("the limit hint was logged %d times:\n%s", n, &logs)
	}

	// A folder made past the limit is unwatched too; a file written in a
	// watched folder afterwards fences its handling.
	mkdir(t, filepath.Join(root, "e"))
	touch(t, filepath.Join(root, "a", "sub", "fence1"))
	rec.waitChanged(t, "a/sub/fence1")
	if got := w.Unwatched(); !slices.Contains(got, "e") {
		t.Errorf("Unwatched = %q, want e among them", got)
	}
	if rec.has("e") {
		t.Error("e was reported though it could not be watched (it is polled)")
	}

	// An unwatched folder moved away is no longer polled.
	if err := os.Rename(filepath.Join(root, "c"), filepath.Join(elsewhere, "c")); err != nil {
		t.Fatal(err)
	}
	rec.waitChanged(t, "c")
	if got, want := w.Unwatched(), []string{"b/sub", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("Unwatched = %q, want %q", got, want)
	}
	if n := strings.Count(logs.String(), "inotify watch limit is reached"); n != 1 {
		t.Errorf("the limit hint was logged %d times:\n%s", n, &logs)
	}
	noFailure(t, w)
}

// On Linux a close after writing is reported as Closed, after the writes'
// Changed; a file still open is only Changed, and a write after the close
// is Changed again, so the agent lets it settle once more.
func TestWatchClosedAfterWrite(t *testing.T) {
	root := t.TempDir()
	w, rec := startWatch(t, root)
	f, err := os.Create(filepath.Join(root, "f.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("first chunk"); err != nil {
		t.Fatal(err)
	}
	rec.waitChanged(t, "f.txt")
	// A marker file written and closed after the chunk: once its Closed is
	// seen, any Closed of f.txt would have been seen too.
	if err := os.WriteFile(filepath.Join(root, "marker"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "marker closed", func() bool { return rec.closedCount("marker") > 0 })
	if n := rec.closedCount("f.txt"); n != 0 {
		t.Fatalf("f.txt reported closed %d times while still open", n)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "f.txt closed", func() bool { return rec.closedCount("f.txt") == 1 })
	// Written again: Changed after the Closed.
	g, err := os.OpenFile(filepath.Join(root, "f.txt"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if _, err := g.WriteString("more"); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, "f.txt changed after its close", func() bool {
		seq := rec.sequence()
		i := slices.Index(seq, "closed f.txt")
		return i >= 0 && slices.Contains(seq[i+1:], "changed f.txt")
	})
	noFailure(t, w)
}

func (r *recorder) closedCount(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed[key]
}

func (r *recorder) sequence() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seq)
}
