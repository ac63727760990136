package continuous

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state/codes"
)

// Two continuous shards of one job on one source: each copies, deletes and
// guards only its own files. When every file of shard 1 disappears, shard
// 1 pauses (SourceVanished once a pass sees it) and deletes nothing,
// while shard 0, whose files are all there, stays synced.
func TestSyncShardsOwnTheirFilesAndGuards(t *testing.T) {
	var rigs [2]*syncRig
	for i := range rigs {
		rigs[i] = newSyncRig(t, func(j *config.Settings) {
			j.Deletes = config.DeletesMirror
			j.MaxDelete = config.MaxDelete{Count: 3, Set: true}
			j.Shard = config.Shard{Index: i, Count: 2}
			j.ReportPrefix = "reports/"
		})
	}
	g0, g1 := rigs[0], rigs[1]
	g1.src, g1.dst = g0.src, g0.dst
	g1.srcAddr, g1.dstAddr = g0.srcAddr, g0.dstAddr

	owner := map[string]int{}
	var of [2][]string
	for i := range 40 {
		key := fmt.Sprintf("d%d/f%02d", i%4, i)
		g0.write(key, key)
		owner[key] = engine.ShardOf(key, 2)
		of[owner[key]] = append(of[owner[key]], key)
	}
	if len(of[0]) < 5 || len(of[1]) < 5 {
		t.Fatalf("shards own %d and %d files: too few to test", len(of[0]), len(of[1]))
	}
	g0.start()
	g1.start()
	for key := range owner {
		g0.hasDest(key, key)
	}
	g0.synced()
	g1.synced()
	for i, g := range rigs {
		n := 0
		if err := g.store.FilePaths("sync", "", func(p string) error {
			if owner[p] != i {
				t.Errorf("shard %d indexes %s, shard %d's", i, p, owner[p])
			}
			n++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != len(of[i]) {
			t.Errorf("shard %d indexes %d files, want %d", i, n, len(of[i]))
		}
	}

	// Each shard told the fleet, at the destination, after its first pass.
	dst, err := all.Open(context.Background(), g0.dstAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	f, err := engine.ReadFleet(context.Background(), dst, "reports/", "sync", 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range f.Shards {
		if s == nil || s.Mode != config.ModeContinuous || s.Shard != i || s.Run.FilesScanned+s.Run.FilesOthers != 40 {
			t.Errorf("shard %d's status: %+v", i, s)
		}
	}

	// One file of each shard goes: each shard deletes its own.
	for _, key := range []string{of[0][0], of[1][0]} {
		if err := os.Remove(filepath.Join(g0.src, filepath.FromSlash(key))); err != nil {
			t.Fatal(err)
		}
	}
	for i, g := range rigs {
		g.waitFor("the delete", func() bool { return !g.destExists(of[i][0]) && g.j.r.Progress.Deleted.Load() == 1 })
	}
	g0.synced()
	g1.synced()

	// Every other file of shard 1 goes at once: more than its max_delete.
	for _, key := range of[1][1:] {
		if err := os.Remove(filepath.Join(g0.src, filepath.FromSlash(key))); err != nil {
			t.Fatal(err)
		}
	}
	g1.waitFor("shard 1 paused", func() bool { return g1.j.Status().State == "paused" })
	g1.j.requestPass()
	g1.waitFor("shard 1 paused as vanished", func() bool { return g1.j.Status().Code == codes.SourceVanished })
	g0.j.requestPass()
	g0.waitFor("a pass of shard 0", func() bool { return g0.j.r.Progress.Scans.Load() >= 2 })
	g0.synced()
	for _, key := range of[1][1:] {
		if !g0.destExists(key) {
			t.Errorf("%s deleted while shard 1 was paused", key)
		}
	}
	if n := g0.j.r.Progress.Deleted.Load() + g1.j.r.Progress.Deleted.Load(); n != 2 {
		t.Errorf("%d deletes, want 2", n)
	}
}
