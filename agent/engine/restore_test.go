package engine

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// restoreRig is a one-shot job from the OSS test server, holding three
// standard and three archived objects, to a folder.
type restoreRig struct {
	srv *osstest.Server
	r   *Runner
	st  *state.Store
	dst string
}

var restoreObjects = map[string]string{"std/a": "", "std/b": "", "std/c": "", "cold/x": "Archive", "cold/y": "Archive", "cold/z": "ColdArchive"}

func newRestoreRig(t *testing.T, restore bool) *restoreRig {
	t.Helper()
	srv := ossServer(t, "cold")
	for k, class := range restoreObjects {
		srv.Seed("cold", k, []byte("content of "+k), osstest.SeedOptions{StorageClass: class})
	}
	g := &restoreRig{srv: srv, dst: t.TempDir()}
	retries := 2
	job := &config.Settings{Name: "cold", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 4, Retries: retries,
		RetryBackoff: time.Millisecond, Restore: restore, RestoreDays: 1, RestorePoll: 5 * time.Millisecond}
	srcAddr := ossAddr(srv, "src", "cold")
	dstAddr := connectors.Address{Name: "dst", Type: "local", Path: g.dst}
	g.r, g.st = newTestRunner(t, job, srcAddr, dstAddr)
	return g
}

// copied lists the keys at the destination whose bytes are right.
func (g *restoreRig) copied(t *testing.T) []string {
	t.Helper()
	var keys []string
	for k := range restoreObjects {
		b, err := os.ReadFile(filepath.Join(g.dst, filepath.FromSlash(k)))
		if err == nil && string(b) == "content of "+k {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}

// TestArchivedListedNotAttempted: without `restore: true` archived objects
// are failed with UnsupportedArchiveBucket at once, never read.
func TestArchivedListedNotAttempted(t *testing.T) {
	g := newRestoreRig(t, false)
	if _, err := g.r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.copied(t), " "); got != "std/a std/b std/c" {
		t.Fatalf("copied %q, want the three standard objects", got)
	}
	var failed []string
	if err := g.st.Failures("cold", func(path string, f state.Failure) error {
		if f.Code != codes.UnsupportedArchiveBucket || f.Attempts != 0 || !strings.Contains(f.Message, "restore: true") {
			t.Errorf("%s: %s %q after %d attempts, want UnsupportedArchiveBucket, not attempted, naming restore: true", path, f.Code, f.Message, f.Attempts)
		}
		failed = append(failed, path)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(failed) != 3 {
		t.Fatalf("failed %v, want the three archived objects", failed)
	}
	for _, k := range []string{"cold/x", "cold/y", "cold/z"} {
		if n := g.srv.Count("GetObject", k); n != 0 {
			t.Errorf("%s read %d times, want never", k, n)
		}
		if n := g.srv.Count("RestoreObject", k); n != 0 {
			t.Errorf("%s restored %d times without restore: true", k, n)
		}
	}
}

// TestArchivedRestoredThenCopied: with `restore: true` the run requests a
// restore of each archived object once, waits (state "restoring", listed
// as skipped meanwhile), and copies each once it is readable.
func TestArchivedRestoredThenCopied(t *testing.T) {
	g := newRestoreRig(t, true)
	done := make(chan error, 1)
	go func() {
		_, err := g.r.Run(context.Background())
		done <- err
	}()
	testenv.WaitUntil(t, "the run waiting for restores", func() bool { return g.r.Status().State == "restoring" })
	if reason := g.r.Status().Reason; !strings.HasPrefix(reason, "3 archived objects restoring") {
		t.Errorf("status reason %q", reason)
	}
	skipped := 0
	if err := g.st.Skips("cold", func(path string, k state.Skip) error {
		if k.Reason != restoreSkip {
			t.Errorf("%s skipped for %q", path, k.Reason)
		}
		skipped++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if skipped != 3 {
		t.Fatalf("%d skipped while restoring, want 3", skipped)
	}
	if got := strings.Join(g.copied(t), " "); got != "std/a std/b std/c" {
		t.Fatalf("copied %q before the restores ended", got)
	}
	if n := g.srv.FinishRestores(); n != 3 {
		t.Fatalf("%d restores under way, want 3", n)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := len(g.copied(t)); got != len(restoreObjects) {
		t.Fatalf("copied %d of %d objects", got, len(restoreObjects))
	}
	for _, k := range []string{"cold/x", "cold/y", "cold/z"} {
		if n := g.srv.Count("RestoreObject", k); n != 1 {
			t.Errorf("%s: %d restore requests, want 1", k, n)
		}
	}
	n := 0
	_ = g.st.Skips("cold", func(string, state.Skip) error { n++; return nil })
	_ = g.st.Failures("cold", func(string, state.Failure) error { n++; return nil })
	if n != 0 {
		t.Fatalf("%d skip or failure records left after every object was copied", n)
	}
}
