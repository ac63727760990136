//go:build linux

package continuous

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// These tests need a watch that reports a close after writing: Linux's.

// hourSettle is a settle time no test waits for: a file copied under it
// was copied because its close was seen, not because it settled.
func hourSettle(j *config.Settings) { j.Settle = time.Hour }

func TestSyncCopiesClosedFileWithoutSettle(t *testing.T) {
	g := newSyncRig(t, hourSettle)
	g.start()
	g.write("closed.txt", "written and closed")
	g.hasDest("closed.txt", "written and closed")
}

// A file still open for writing waits for its settle time, however many
// other files are copied meanwhile; once closed it is copied with all its
// content.
func TestSyncOpenFileWaitsForSettle(t *testing.T) {
	g := newSyncRig(t, hourSettle)
	g.start()
	f, err := os.Create(filepath.Join(g.src, "open.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("chunk 1;"); err != nil {
		t.Fatal(err)
	}
	g.waitFor("open.txt pending", func() bool { return g.j.changes.pending("open.txt") })
	// A marker written and closed after the chunk is copied; the open
	// file, whose write came first, must still be waiting.
	g.write("marker.txt", "m")
	g.hasDest("marker.txt", "m")
	if g.destExists("open.txt") {
		t.Fatal("a file still open for writing was copied before it settled")
	}
	if !g.j.changes.pending("open.txt") {
		t.Fatal("the open file is no longer waiting to settle")
	}
	if _, err := f.WriteString("chunk 2"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g.hasDest("open.txt", "chunk 1;chunk 2")
}

// A file closed, then opened and written again, is copied again with its
// final content: the write after the close makes it settle again, its
// second close makes it ready.
func TestSyncClosedThenRewrittenCopiedAgain(t *testing.T) {
	g := newSyncRig(t, hourSettle)
	g.start()
	g.write("f.txt", "v1")
	g.hasDest("f.txt", "v1")
	f, err := os.OpenFile(filepath.Join(g.src, "f.txt"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(" v2"); err != nil {
		t.Fatal(err)
	}
	g.write("marker.txt", "m")
	g.hasDest("marker.txt", "m")
	if b, _ := os.ReadFile(filepath.Join(g.dst, "f.txt")); string(b) != "v1" {
		t.Fatalf("destination holds %q while the rewrite is still open", b)
	}
	if _, err := f.WriteString(" v3"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	g.hasDest("f.txt", "v1 v2 v3")
	g.write("f.txt", "rewritten whole")
	g.hasDest("f.txt", "rewritten whole")
}

// statCounter counts the destination's Stat calls (HEAD on an object store).
type statCounter struct {
	connectors.Bucket
	stats atomic.Int64
}

func (b *statCounter) Stat(ctx context.Context, key string) (connectors.Object, error) {
	b.stats.Add(1)
	return b.Bucket.Stat(ctx, key)
}

// New files under a folder whose destination listing is read need no
// HEAD each, whatever the overwrite policy; a name the listing holds is
// still asked for, and the policy applies to it.
func TestSyncNewFilesSendNoHead(t *testing.T) {
	var dst *statCounter
	g := newSyncRig(t, func(j *config.Settings) {
		j.Overwrite = config.OverwriteNever
		j.Concurrency = 1
	})
	g.wrapDst = func(b connectors.Bucket) connectors.Bucket { dst = &statCounter{Bucket: b}; return dst }
	g.write("d/seed.txt", "seed")
	if err := os.MkdirAll(filepath.Join(g.dst, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(g.dst, "d", "theirs.txt"), []byte("not ours"), 0o644); err != nil {
		t.Fatal(err)
	}
	g.start()
	g.hasDest("d/seed.txt", "seed")
	g.synced()
	// Pause the examination of changes while the files are written, so
	// they reach it as one batch, as a drop of many files does.
	g.j.set(func(j *Job) { j.paused = "test" })
	before := dst.stats.Load()
	n := 2 * listMin
	for i := range n {
		g.write(fmt.Sprintf("d/new%02d.txt", i), fmt.Sprint(i))
	}
	g.write("d/theirs.txt", "ours")
	g.waitFor("all changes pending", func() bool { return g.j.changes.len() == n+1 })
	g.j.resume()
	for i := range n {
		g.hasDest(fmt.Sprintf("d/new%02d.txt", i), fmt.Sprint(i))
	}
	g.synced()
	if got := dst.stats.Load() - before; got > 2 {
		// theirs.txt: one HEAD, and one for its metadata at most.
		t.Errorf("%d Stat calls at the destination for %d new files", got, n)
	}
	if b, _ := os.ReadFile(filepath.Join(g.dst, "d", "theirs.txt")); string(b) != "not ours" {
		t.Errorf("an object mgw did not write was overwritten under overwrite: never: %q", b)
	}
}
