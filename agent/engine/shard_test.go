package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
)

// The shard of a key must never change between versions or platforms:
// these were computed by an independent implementation of FNV-1a 64 and
// jump consistent hashing.
func TestShardOfStable(t *testing.T) {
	counts := []int{1, 2, 3, 4, 8, 100, 10000}
	for key, want := range map[string][]int{
		"":                          {0, 1, 1, 1, 1, 90, 6858},
		"a":                         {0, 1, 2, 2, 2, 31, 4279},
		"photos/2024/img_0001.jpg":  {0, 0, 0, 0, 0, 8, 1692},
		"\xff\xfename":              {0, 1, 2, 3, 3, 86, 7581},
		"deep/folder/tree/file.bin": {0, 1, 1, 1, 1, 15, 138},
	} {
		for i, n := range counts {
			if got := ShardOf(key, n); got != want[i] {
				t.Errorf("ShardOf(%q, %d) = %d, want %d", key, n, got, want[i])
			}
		}
	}
}

// Shards get a fair part of the files, and a count grown by one moves
// files only to the new shard, about 1/(N+1) of them.
func TestShardOfSpreadAndMoves(t *testing.T) {
	keys := make([]string, 50000)
	for i := range keys {
		keys[i] = fmt.Sprintf("dir%03d/sub/file-%05d.dat", i%977, i)
	}
	for n := 1; n <= 12; n++ {
		per := make([]int, n+1)
		moved := 0
		for _, k := range keys {
			was, now := ShardOf(k, n), ShardOf(k, n+1)
			per[was]++
			if was != now {
				moved++
				if now != n {
					t.Fatalf("%q moved from %d to %d going from %d to %d shards", k, was, now, n, n+1)
				}
			}
		}
		mean := float64(len(keys)) / float64(n)
		for i := range n {
			if d := float64(per[i]) - mean; d > mean*0.05 || d < -mean*0.05 {
				t.Errorf("%d shards: shard %d has %d files, mean %.0f", n, i, per[i], mean)
			}
		}
		if want := float64(len(keys)) / float64(n+1); float64(moved) > want*1.1 || float64(moved) < want*0.9 {
			t.Errorf("%d to %d shards moved %d files, want about %.0f", n, n+1, moved, want)
		}
	}
}

// shardSource writes n small files in ten folders and returns their keys.
func shardSource(t *testing.T, n int) (string, []string) {
	t.Helper()
	src := t.TempDir()
	var keys []string
	for i := range n {
		key := fmt.Sprintf("d%d/f%03d.txt", i%10, i)
		p := filepath.Join(src, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, p, 10+i)
		keys = append(keys, key)
	}
	// Files changed in the same second as their upload cannot be told
	// from older copies by an object store's listing (whole seconds).
	old := time.Now().Add(-time.Hour)
	for _, k := range keys {
		if err := os.Chtimes(filepath.Join(src, filepath.FromSlash(k)), old, old); err != nil {
			t.Fatal(err)
		}
	}
	return src, keys
}

// runShard runs one shard of a job to OSS with its state in dir.
func runShard(t *testing.T, src string, srv *osstest.Server, dir string, shard config.Shard) *state.Run {
	t.Helper()
	job := &config.Settings{Name: "fleet", Mode: config.ModeOnce, Overwrite: config.OverwriteIfNewer, Concurrency: 4,
		Retries: 1, RetryBackoff: time.Millisecond, Shard: shard, ReportPrefix: "reports/"}
	srcAddr, dstAddr := connectors.Address{Name: "src", Type: "local", Path: src}, ossAddr(srv, "dst", "fleet")
	ctx := context.Background()
	s, err := all.Open(ctx, srcAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d, err := all.Open(ctx, dstAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	st, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := NewRunner(job, srcAddr, dstAddr, s, d, st, slog.New(slog.NewTextHandler(io.Discard, nil))).Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// Four shards copy every file once between them, each listing the whole
// source and scanning only its own files; the fleet report read back from
// the destination adds up.
func TestShardsCopyEachFileOnce(t *testing.T) {
	srv := ossServer(t, "fleet")
	src, keys := shardSource(t, 200)
	var scanned, others int64
	for i := range 4 {
		run := runShard(t, src, srv, t.TempDir(), config.Shard{Index: i, Count: 4})
		scanned += run.FilesScanned
		others += run.FilesOthers
		if run.FilesCopied != run.FilesScanned || run.ShardIndex != i || run.ShardCount != 4 {
			t.Errorf("shard %d: copied %d of %d scanned, shard %d/%d", i, run.FilesCopied, run.FilesScanned, run.ShardIndex, run.ShardCount)
		}
	}
	if scanned != 200 || others != 3*200 {
		t.Errorf("shards scanned %d files and passed over %d, want 200 and 600", scanned, others)
	}
	for _, k := range keys {
		if n := srv.Count("PutObject", k); n != 1 {
			t.Errorf("%s put %d times", k, n)
		}
	}

	d, err := all.Open(context.Background(), ossAddr(srv, "dst", "fleet"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	f, err := ReadFleet(context.Background(), d, "reports/", "fleet", 0) // the count from the listing
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sum, err := WriteFleet(&out, f, time.Now(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.OK() || len(f.Shards) != 4 || !regexp.MustCompile(`(?m)^total\s+200\s`).MatchString(out.String()) {
		t.Errorf("fleet report (%+v):\n%s", sum, out.String())
	}
	for i, s := range f.Shards {
		if s == nil || s.State != "completed" || s.Shard != i || s.Shards != 4 {
			t.Errorf("shard %d's status: %+v", i, s)
		}
	}
}

// From 2 shards to 4 after shard 0 of 2 copied its files: shards 0 and 1
// of 4 keep their index (and drop from it what moved away), shards 2 and
// 3 adopt what moved to them from the destination's listing, with no
// request per file; nothing is sent twice.
func TestReshardAdoptsWithoutCopying(t *testing.T) {
	srv := ossServer(t, "fleet")
	src, keys := shardSource(t, 200)
	states := []string{t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()}
	first := runShard(t, src, srv, states[0], config.Shard{Index: 0, Count: 2})

	var done, moved []string // by shard 0 of 2; of those, now another shard's
	for _, k := range keys {
		if ShardOf(k, 2) == 0 {
			done = append(done, k)
			if ShardOf(k, 4) != 0 {
				moved = append(moved, k)
			}
		}
	}
	if first.FilesCopied != int64(len(done)) || len(moved) == 0 {
		t.Fatalf("first shard copied %d files, want %d (%d move)", first.FilesCopied, len(done), len(moved))
	}
	heads, gets := srv.Count("HeadObject", ""), srv.Count("GetObject", "")
	var adopted, copied int64
	for i := range 4 {
		run := runShard(t, src, srv, states[i], config.Shard{Index: i, Count: 4})
		adopted += run.FilesAdopted
		copied += run.FilesCopied
	}
	if adopted != int64(len(moved)) || copied != int64(len(keys)-len(done)) {
		t.Errorf("adopted %d, copied %d; want %d and %d", adopted, copied, len(moved), len(keys)-len(done))
	}
	for _, k := range keys {
		if n := srv.Count("PutObject", k); n != 1 {
			t.Errorf("%s put %d times", k, n)
		}
	}
	if h, g := srv.Count("HeadObject", "")-heads, srv.Count("GetObject", "")-gets; h != 0 || g != 0 {
		t.Errorf("adopting cost %d HEAD and %d GET requests, want none", h, g)
	}

	// Shard 0 of 4 dropped the moved files from the index it kept.
	st, err := state.Open(states[0])
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var indexed []string
	if err := st.FilePaths("fleet", "", func(p string) error { indexed = append(indexed, p); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, k := range indexed {
		if ShardOf(k, 4) != 0 {
			t.Errorf("shard 0 of 4 still indexes %s, shard %d's", k, ShardOf(k, 4))
		}
	}
	if want := len(done) - len(moved); len(indexed) != want {
		t.Errorf("shard 0 of 4 indexes %d files, want %d", len(indexed), want)
	}
	if j, err := st.Job("fleet"); err != nil || j.Shard != "0/4" {
		t.Errorf("the state says it holds shard %q (%v)", j.Shard, err)
	}
	// The status each shard left says so.
	b, _, ok := srv.Object("fleet", "reports/fleet/shard-2-of-4/status.json")
	var s ShardStatus
	if !ok || json.Unmarshal(b, &s) != nil || s.Run.FilesAdopted == 0 || s.State != "completed" {
		t.Errorf("shard 2's status (found %v): %s", ok, b)
	}
}

// The fleet report names the shards that never reported, run with an old
// report, or stopped before the end of a one-shot run; a finished shard is
// never old; the totals add the shards' counters.
func TestWriteFleetNamesWhatIsAmiss(t *testing.T) {
	now := time.Now()
	st := func(i int, mode config.Mode, state string, age time.Duration, copied, adopted, unchanged, failed int64) *ShardStatus {
		return &ShardStatus{Job: "fleet", Shard: i, Shards: 6, Mode: mode, State: state, Updated: now.Add(-age), Lag: 5,
			Run: runCounts(copied, adopted, unchanged, failed)}
	}
	f := &Fleet{Job: "fleet", Dir: "r/fleet/", Shards: []*ShardStatus{
		st(0, config.ModeOnce, "completed", 48*time.Hour, 10, 0, 0, 0),
		st(1, config.ModeOnce, "migrating", time.Hour, 5, 2, 0, 0),
		st(2, config.ModeOnce, "interrupted", 48*time.Hour, 1, 0, 0, 0),
		nil,
		st(4, config.ModeContinuous, "synced", time.Second, 0, 0, 20, 3),
		st(5, config.ModeContinuous, "synced", time.Hour, 0, 0, 7, 0),
	}}
	var out strings.Builder
	sum, err := WriteFleet(&out, f, now, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	want := FleetSummary{Missing: []int{3}, Old: []int{1, 5}, Stopped: []int{2}, Failed: 3}
	if fmt.Sprint(sum) != fmt.Sprint(want) || sum.OK() {
		t.Errorf("summary %+v, want %+v", sum, want)
	}
	// total: done 10+7+1+20+7, copied 16, adopted 2, failed 3
	if !regexp.MustCompile(`(?m)^total\s+45\s+\S+ \S+\s+16\s+2\s+3\s*$`).MatchString(out.String()) ||
		!regexp.MustCompile(`(?m)^4\s+synced\s.*\s5s\s`).MatchString(out.String()) {
		t.Errorf("fleet report:\n%s", out.String())
	}
}

func runCounts(copied, adopted, unchanged, failed int64) state.Run {
	return state.Run{FilesCopied: copied, BytesCopied: copied * 10, FilesAdopted: adopted, BytesAdopted: adopted * 10,
		FilesUnchanged: unchanged, BytesUnchanged: unchanged * 10, FilesFailed: failed, FailedBy: map[string]int64{"SourceFileReadFailed": failed}}
}
