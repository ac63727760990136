package continuous

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// syncRig is one continuous job over real folders (or the OSS test
// server), a real Badger index and real fsnotify watches.
type syncRig struct {
	t        *testing.T
	src, dst string
	job      *config.Settings
	srcAddr  connectors.Address
	dstAddr  connectors.Address
	store    *state.Store
	j        *Job
	cancel   context.CancelFunc
	done     chan error
	fail     chan string // fails the source's watch, as if it died
	wrapDst  func(connectors.Bucket) connectors.Bucket
}

func newSyncRig(t *testing.T, mut func(j *config.Settings)) *syncRig {
	t.Helper()
	retries := 3
	g := &syncRig{t: t, src: t.TempDir(), dst: t.TempDir()}
	g.job = &config.Settings{Name: "sync", Mode: config.ModeContinuous, Overwrite: config.OverwriteIfNewer, Concurrency: 4,
		Retries: retries, RetryBackoff: 10 * time.Millisecond,
		Settle: 50 * time.Millisecond, Rescan: time.Hour, Poll: time.Hour,
		Deletes: config.DeletesKeep, ArchivePrefix: config.DefaultArchivePrefix}
	if mut != nil {
		mut(g.job)
	}
	g.srcAddr = connectors.Address{Name: "src", Type: "local", Path: g.src}
	g.dstAddr = connectors.Address{Name: "dst", Type: "local", Path: g.dst}
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g.store = st
	return g
}

// start runs the job and waits for its first pass to finish.
func (g *syncRig) start() {
	g.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	src, err := all.Open(ctx, g.srcAddr)
	if err != nil {
		g.t.Fatal(err)
	}
	dst, err := all.Open(ctx, g.dstAddr)
	if err != nil {
		g.t.Fatal(err)
	}
	if g.wrapDst != nil {
		dst = g.wrapDst(dst)
	}
	g.fail = make(chan string)
	if _, ok := src.(connectors.Watcher); ok {
		src = &failableBucket{Bucket: src, fail: g.fail}
	}
	g.j = New(engine.NewRunner(g.job, g.srcAddr, g.dstAddr, src, dst, g.store, slog.New(slog.NewTextHandler(io.Discard, nil))))
	g.cancel, g.done = cancel, make(chan error, 1)
	go func() { g.done <- g.j.Run(ctx) }()
	g.t.Cleanup(g.stop)
	g.waitFor("the first pass", func() bool { return !g.j.Status().LastScan.IsZero() })
}

func (g *syncRig) stop() {
	if g.cancel == nil {
		return
	}
	g.cancel()
	if err := <-g.done; err != nil {
		g.t.Errorf("Sync: %v", err)
	}
	g.cancel = nil
}

// waitFor polls the job's observable state until cond holds; the deadline
// is generous because it only bounds a failure, never a success.
func (g *syncRig) waitFor(what string, cond func() bool) {
	g.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			st := engine.Status{}
			if g.j != nil {
				st = g.j.Status()
			}
			g.t.Fatalf("timed out waiting for %s (job state %s %s %s, watch %q)", what, st.State, st.Code, st.Reason, st.Watch)
		}
		<-tick.C
	}
}

// synced waits until nothing is pending: no change unsettled or queued.
func (g *syncRig) synced() {
	g.t.Helper()
	g.waitFor("synced", func() bool { return g.j.Status().State == "synced" })
}

func (g *syncRig) write(key, content string) {
	g.t.Helper()
	p := filepath.Join(g.src, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		g.t.Fatal(err)
	}
}

// hasDest waits until the destination holds key with content.
func (g *syncRig) hasDest(key, content string) {
	g.t.Helper()
	g.waitFor(key+" at the destination", func() bool {
		b, err := os.ReadFile(filepath.Join(g.dst, filepath.FromSlash(key)))
		return err == nil && string(b) == content
	})
}

func (g *syncRig) destExists(key string) bool {
	_, err := os.Stat(filepath.Join(g.dst, filepath.FromSlash(key)))
	return err == nil
}

func TestSyncFollowsFileChanges(t *testing.T) {
	g := newSyncRig(t, nil)
	g.write("old.txt", "before the job")
	g.start()
	g.hasDest("old.txt", "before the job")

	g.write("new.txt", "created")
	g.hasDest("new.txt", "created")
	g.write("new.txt", "modified!")
	g.hasDest("new.txt", "modified!")

	f, err := os.OpenFile(filepath.Join(g.src, "new.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(" and appended")
	f.Close()
	g.hasDest("new.txt", "modified! and appended")

	if err := os.Truncate(filepath.Join(g.src, "new.txt"), 3); err != nil {
		t.Fatal(err)
	}
	g.hasDest("new.txt", "mod")

	g.write("a/b/c/d/e/deep.txt", "deep")
	g.hasDest("a/b/c/d/e/deep.txt", "deep")
	g.synced()
	e, ok, err := g.store.File("sync", "a/b/c/d/e/deep.txt")
	if err != nil || !ok || e.Size != 4 {
		t.Errorf("index entry = %+v %v %v, want size 4", e, ok, err)
	}
}

func TestSyncTreeMovedInAndOut(t *testing.T) {
	// A rename counts as deletes of the old paths: allow them all.
	g := newSyncRig(t, func(j *config.Settings) {
		j.Deletes = config.DeletesMirror
		j.MaxDelete = config.MaxDelete{Percent: 100, Set: true}
	})
	// A source that lists nothing pauses deletes (SourceVanished): keep one file.
	g.write("anchor.txt", "stays")
	g.start()
	// A populated tree built elsewhere, then moved in at once: the events
	// inside it were never seen, so the job must scan it.
	outside := t.TempDir()
	for i := range 50 {
		p := filepath.Join(outside, "tree", fmt.Sprintf("d%d", i%5), fmt.Sprintf("f%d", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(fmt.Sprint(i)), 0o644)
	}
	if err := os.Rename(filepath.Join(outside, "tree"), filepath.Join(g.src, "tree")); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		g.hasDest(fmt.Sprintf("tree/d%d/f%d", i%5, i), fmt.Sprint(i))
	}
	// Renamed inside the source: the new path arrives, the old goes.
	if err := os.Rename(filepath.Join(g.src, "tree"), filepath.Join(g.src, "moved")); err != nil {
		t.Fatal(err)
	}
	g.hasDest("moved/d1/f6", "6")
	g.waitFor("the old tree deleted", func() bool { return !g.destExists("tree/d1/f6") })
	// A file written into the renamed tree is still seen: its watches follow.
	g.write("moved/d1/later.txt", "later")
	g.hasDest("moved/d1/later.txt", "later")
	// Moved out of the source: mirror deletes it at the destination.
	if err := os.Rename(filepath.Join(g.src, "moved"), filepath.Join(outside, "gone")); err != nil {
		t.Fatal(err)
	}
	g.waitFor("the moved-out tree deleted", func() bool {
		n := 0
		g.store.FilePaths("sync", "moved/", func(string) error { n++; return nil })
		return n == 0
	})
	g.synced()
	var left []string
	g.store.FilePaths("sync", "", func(p string) error { left = append(left, p); return nil })
	if len(left) != 1 || left[0] != "anchor.txt" {
		t.Errorf("index holds %v, want only anchor.txt", left)
	}
}

// A file written slowly ends complete at the destination and in the
// index. How many copies it took depends on the machine's pace (a writer
// stalled past settle gets an intermediate copy, which a later change
// replaces), so only the end state is asserted.
func TestSyncSlowWriterCopiedOnceComplete(t *testing.T) {
	g := newSyncRig(t, func(j *config.Settings) { j.Settle = 300 * time.Millisecond })
	g.start()
	f, err := os.Create(filepath.Join(g.src, "slow.bin"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("x"), 4096)
	// The writer's pace is the workload under test, shorter than settle.
	for range 10 {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g.hasDest("slow.bin", strings.Repeat("x", 40960))
	g.synced()
	e, ok, err := g.store.File("sync", "slow.bin")
	if err != nil || !ok || e.Size != 40960 {
		t.Errorf("index entry %+v (found %v, %v), want the whole 40960 bytes", e, ok, err)
	}
	if b, err := os.ReadFile(filepath.Join(g.dst, "slow.bin")); err != nil || len(b) != 40960 {
		t.Errorf("destination holds %d bytes (%v) once synced, want 40960", len(b), err)
	}
}

func TestSyncChangeStorm(t *testing.T) {
	n := 10_000
	if testing.Short() {
		n = 1000
	}
	g := newSyncRig(t, func(j *config.Settings) { j.Concurrency = 16 })
	g.start()
	for i := range n {
		g.write(fmt.Sprintf("storm/%02d/f%05d", i%100, i), fmt.Sprint(i))
	}
	g.waitFor("every file of the storm", func() bool { return g.j.r.Progress.FilesCopied.Load() >= int64(n) })
	g.synced()
	if c := g.j.r.Progress.FilesCopied.Load(); c != int64(n) {
		t.Errorf("copied %d, want each of %d files once", c, n)
	}
	var indexed int
	g.store.FilePaths("sync", "storm/", func(string) error { indexed++; return nil })
	if indexed != n {
		t.Errorf("index holds %d files, want %d", indexed, n)
	}
}

func TestSyncOverflowRescans(t *testing.T) {
	g := newSyncRig(t, nil)
	g.start()
	before := g.j.r.Progress.Scans.Load()
	// A file the watch "missed": written while events were being dropped.
	g.write("missed.txt", "missed")
	g.j.Lost() // what the watch says when its queue overflows
	g.waitFor("a rescan after the overflow", func() bool { return g.j.r.Progress.Scans.Load() > before })
	g.hasDest("missed.txt", "missed")
	if w := g.j.Status().Watch; w != "watching" {
		t.Errorf("watch = %q after an overflow, want it still watching", w)
	}
}

func TestSyncWatcherFailureDegradesAndRecovers(t *testing.T) {
	g := newSyncRig(t, nil)
	g.start()
	g.fail <- "inotify read failed"
	g.waitFor("degraded", func() bool { return strings.HasPrefix(g.j.Status().Watch, "degraded (") })
	g.waitFor("watching again", func() bool { return g.j.Status().Watch == "watching" })
	g.write("after.txt", "after")
	g.hasDest("after.txt", "after")
}

func TestSyncMirrorAndArchive(t *testing.T) {
	for _, policy := range []config.Deletes{config.DeletesMirror, config.DeletesArchive, config.DeletesKeep} {
		t.Run(string(policy), func(t *testing.T) {
			g := newSyncRig(t, func(j *config.Settings) { j.Deletes = policy })
			for i := range 20 {
				g.write(fmt.Sprintf("f%02d", i), fmt.Sprint(i))
			}
			g.start()
			// Files written just before the start are left to the change
			// path (they have not settled): wait for every one.
			for i := range 20 {
				g.hasDest(fmt.Sprintf("f%02d", i), fmt.Sprint(i))
			}
			os.Remove(filepath.Join(g.src, "f03"))
			switch policy {
			case config.DeletesMirror:
				g.waitFor("f03 deleted", func() bool { return !g.destExists("f03") })
			case config.DeletesArchive:
				g.hasDest(config.DefaultArchivePrefix+"f03", "3")
				g.waitFor("f03 deleted", func() bool { return !g.destExists("f03") })
			case config.DeletesKeep:
				g.synced()
				if !g.destExists("f03") {
					t.Fatal("deletes: keep deleted a file")
				}
			}
			if policy != config.DeletesKeep {
				g.waitFor("the delete counted", func() bool { return g.j.r.Progress.Deleted.Load() >= 1 })
				g.synced()
				if n := g.j.r.Progress.Deleted.Load(); n != 1 {
					t.Errorf("deleted %d, want 1", n)
				}
			}
		})
	}
}

func TestSyncEmptiedSourcePausesInsteadOfDeleting(t *testing.T) {
	g := newSyncRig(t, func(j *config.Settings) { j.Deletes = config.DeletesMirror })
	for i := range 30 {
		g.write(fmt.Sprintf("d/f%02d", i), fmt.Sprint(i))
	}
	g.start()
	// Files written just before the start are left to the change path
	// (not yet settled): wait for every one, not only the last.
	for i := range 30 {
		g.hasDest(fmt.Sprintf("d/f%02d", i), fmt.Sprint(i))
	}
	// Everything disappears at once, as when a share is unmounted under
	// the mount point: far more than max_delete (10%).
	if err := os.RemoveAll(filepath.Join(g.src, "d")); err != nil {
		t.Fatal(err)
	}
	g.waitFor("paused", func() bool { return g.j.Status().State == "paused" })
	if c := g.j.Status().Code; c != codes.DeleteLimitExceeded {
		t.Errorf("paused with %s, want %s", c, codes.DeleteLimitExceeded)
	}
	// A full pass sees an empty source over a full index: still paused.
	g.j.requestPass()
	g.waitFor("paused as vanished", func() bool { return g.j.Status().Code == codes.SourceVanished })
	for i := range 30 {
		if !g.destExists(fmt.Sprintf("d/f%02d", i)) {
			t.Fatalf("d/f%02d was deleted while the source was empty", i)
		}
	}
	// The user confirms: the deletes are applied.
	g.j.Retry()
	g.waitFor("deletes applied", func() bool { return !g.destExists("d/f00") && !g.destExists("d/f29") })
	g.synced()
}

func TestSyncVanishedRootPausesAndResumes(t *testing.T) {
	g := newSyncRig(t, func(j *config.Settings) { j.Deletes = config.DeletesMirror })
	g.write("keep.txt", "keep")
	g.start()
	g.hasDest("keep.txt", "keep")
	aside := g.src + ".aside"
	if err := os.Rename(g.src, aside); err != nil {
		t.Fatal(err)
	}
	g.waitFor("paused as vanished", func() bool { return g.j.Status().Code == codes.SourceVanished })
	if !g.destExists("keep.txt") {
		t.Fatal("a vanished source deleted files at the destination")
	}
	if err := os.Rename(aside, g.src); err != nil {
		t.Fatal(err)
	}
	g.j.requestPass() // what the rescan timer does
	g.waitFor("resumed", func() bool { return g.j.Status().State != "paused" })
	g.waitFor("watching again", func() bool { return g.j.Status().Watch == "watching" })
	g.write("back.txt", "back")
	g.hasDest("back.txt", "back")
}

func TestSyncRestartCatchesUpWithoutRecopying(t *testing.T) {
	g := newSyncRig(t, nil)
	for i := range 20 {
		g.write(fmt.Sprintf("f%02d", i), fmt.Sprint(i))
	}
	g.start()
	g.hasDest("f19", "19")
	g.synced()
	g.stop()
	// Changed while the job was down.
	g.write("f05", "changed while down")
	g.write("new", "new while down")
	g.start()
	g.hasDest("f05", "changed while down")
	g.hasDest("new", "new while down")
	g.synced()
	if c := g.j.r.Progress.FilesCopied.Load(); c != 2 {
		t.Errorf("after restart copied %d files, want only the 2 that changed", c)
	}
}

func TestSyncPollsObjectStoreSource(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "LTAI5tPollKey", AccessKeySecret: "poll-secret-value", Region: "cn-hangzhou", Buckets: []string{"poll-src"}})
	t.Cleanup(srv.Close)
	srv.Seed("poll-src", "a.txt", []byte("first"), osstest.SeedOptions{})
	g := newSyncRig(t, func(j *config.Settings) { j.Poll = 50 * time.Millisecond })
	g.srcAddr = connectors.Address{Name: "src", Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "poll-src",
		PathStyle: true, AccessKeyID: "LTAI5tPollKey", AccessKeySecret: "poll-secret-value"}
	g.start()
	g.hasDest("a.txt", "first")
	if w := g.j.Status().Watch; !strings.HasPrefix(w, "polling") {
		t.Errorf("watch = %q, want polling", w)
	}
	srv.Seed("poll-src", "b.txt", []byte("second"), osstest.SeedOptions{})
	g.hasDest("b.txt", "second")
}

// failableBucket wraps a watchable source so that a test can fail its
// watch, as if the watch had died; real failures still come through.
type failableBucket struct {
	connectors.Bucket
	fail chan string
}

func (b *failableBucket) Watch(to connectors.Changes, log *slog.Logger) (connectors.Watch, error) {
	w, err := b.Bucket.(connectors.Watcher).Watch(to, log)
	if err != nil {
		return nil, err
	}
	fw := &failableWatch{Watch: w, failed: make(chan string, 1), stop: make(chan struct{})}
	go func() {
		select {
		case why := <-w.Failed():
			fw.failed <- why
		case why := <-b.fail:
			fw.failed <- why
		case <-fw.stop:
		}
	}()
	return fw, nil
}

type failableWatch struct {
	connectors.Watch
	failed chan string
	stop   chan struct{}
	once   sync.Once
}

func (w *failableWatch) Failed() <-chan string { return w.failed }
func (w *failableWatch) Close()                { w.once.Do(func() { close(w.stop) }); w.Watch.Close() }
