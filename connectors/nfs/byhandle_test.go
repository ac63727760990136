package nfs

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/test/testenv"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs/nastest"
)

// testDir is the shared server's folder on disk (test/servers/nfs.sh).
const testDir = "/tmp/mgw-nfs/export"

// listed lists b and returns its objects by key: the listing leaves the
// files' handles for the reads that follow.
func listed(t *testing.T, b connectors.Bucket) map[string]connectors.Object {
	t.Helper()
	var mu sync.Mutex
	objs := map[string]connectors.Object{}
	err := b.List(t.Context(), "", func(o connectors.Object) error {
		mu.Lock()
		defer mu.Unlock()
		objs[o.Key] = o
		return nil
	}, nil)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	return objs
}

// readStat reads the size the listing gave of o's file and asks the open
// file what it is then, as the engine does for a small file (readUnchanged).
func readStat(t *testing.T, b connectors.Bucket, o connectors.Object, between func()) ([]byte, connectors.Object, error) {
	t.Helper()
	rc, err := b.Open(t.Context(), o.Key, 0, -1)
	if err != nil {
		return nil, connectors.Object{}, err
	}
	defer rc.Close()
	if between != nil {
		between()
	}
	data := make([]byte, o.Size)
	if _, err := io.ReadFull(rc, data); err != nil {
		return nil, connectors.Object{}, err
	}
	now, err := rc.(connectors.StatReader).Stat()
	return data, now, err
}

func sameIdentity(a, b connectors.Object) bool {
	return a.Size == b.Size && a.ModTime.Equal(b.ModTime) && a.Ctime.Equal(b.Ctime) && a.Inode == b.Inode
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	// Open to all: the server, which runs as nobody, removes what the
	// test leaves.
	if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(p), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A file read by the handle its listing gave tells, once read, the
// identity the listing and a Stat give; one changed after the listing,
// in place or replaced by another, tells a different one, so the engine
// copies it again; one deleted is not found.
func TestReadByHandle(t *testing.T) {
	conformance.RequireServer(t, testServer)
	dir := freshDir(t, testServer)
	disk := filepath.Join(testDir, dir)
	for _, f := range []string{"same", "rewritten", "replaced", "deleted"} {
		writeFile(t, filepath.Join(disk, "sub", f), "before")
	}
	b := open(t, testAddr(dir))
	objs := listed(t, b)
	if len(objs) != 4 {
		t.Fatalf("listed %v, want 4 files", objs)
	}

	data, o, err := readStat(t, b, objs["sub/same"], nil)
	if err != nil || string(data) != "before" {
		t.Fatalf("sub/same: %q, %v", data, err)
	}
	st, err := b.Stat(t.Context(), "sub/same")
	if err != nil {
		t.Fatal(err)
	}
	if !sameIdentity(o, objs["sub/same"]) || !sameIdentity(o, st) {
		t.Errorf("unchanged file: read %+v, listed %+v, stat %+v: want one identity", o, objs["sub/same"], st)
	}

	later := time.Now().Add(time.Hour)
	data, o, err = readStat(t, b, objs["sub/rewritten"], func() {
		writeFile(t, filepath.Join(disk, "sub", "rewritten"), "after!") // same size
		if err := os.Chtimes(filepath.Join(disk, "sub", "rewritten"), later, later); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatalf("sub/rewritten: %v", err)
	}
	if sameIdentity(o, objs["sub/rewritten"]) {
		t.Errorf("rewritten while open: read %q with the identity the listing gave, %+v", data, o)
	}

	data, o, err = readStat(t, b, objs["sub/replaced"], func() {
		writeFile(t, filepath.Join(disk, "sub", "new"), "other!")
		if err := os.Rename(filepath.Join(disk, "sub", "new"), filepath.Join(disk, "sub", "replaced")); err != nil {
			t.Fatal(err)
		}
	})
	if err != nil {
		t.Fatalf("sub/replaced: %v", err)
	}
	if sameIdentity(o, objs["sub/replaced"]) {
		t.Errorf("replaced while open: read %q with the identity the listing gave, %+v", data, o)
	}

	if err := os.Remove(filepath.Join(disk, "sub", "deleted")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := readStat(t, b, objs["sub/deleted"], nil); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("deleted after the listing: %v (kind %v), want not-found", err, connectors.KindOf(err))
	}
}

// A file listed and then read costs the server one READ: no LOOKUP (the
// listing gave its handle) and no GETATTR (the READ's attributes tell
// whether it changed); the listing looks up its root, once. After a server restart, which makes every handle
// kept stale, reads and listings go on. The server is the test's own,
// counting the calls.
func TestHandlesAcrossRestart(t *testing.T) {
	conformance.RequireServer(t, testServer) // the server builds and runs here
	const port = "12057"
	t.Setenv("MGW_NFS_COUNT", "1")
	restart := nastest.OwnServer(t, "nfs.sh", "MGW_NFS_PORT", port)
	disk := "/tmp/mgw-nfs-" + port + "/export/tree"
	const files = 12
	key := func(i int) string { return fmt.Sprintf("d%d/sub/f%02d", i%3, i) }
	for i := range files {
		writeFile(t, filepath.Join(disk, key(i)), strings.Repeat(strconv.Itoa(i), 100+i))
	}
	a := testAddr("tree")
	a.Server = "127.0.0.1:" + port
	a.Conns = 2
	b := open(t, a)
	counts := func() map[string]int64 { return serverCounts(t, "/tmp/mgw-nfs-"+port) }

	readAll := func(when string) {
		t.Helper()
		objs := listed(t, b)
		if len(objs) != files {
			t.Fatalf("%s: listed %d files, want %d", when, len(objs), files)
		}
		for i := range files {
			data, o, err := readStat(t, b, objs[key(i)], nil)
			if err != nil {
				t.Fatalf("%s: %s: %v", when, key(i), err)
			}
			if want := strings.Repeat(strconv.Itoa(i), 100+i); string(data) != want {
				t.Errorf("%s: %s holds %q, want %q", when, key(i), data, want)
			}
			if !sameIdentity(o, objs[key(i)]) {
				t.Errorf("%s: %s read as %+v, listed as %+v", when, key(i), o, objs[key(i)])
			}
		}
	}

	before := counts()
	readAll("first")
	after := counts()
	diff := func(name string) int64 { return after["NFS3."+name] - before["NFS3."+name] }
	if diff("READ") != files || diff("LOOKUP") > 1 || diff("GETATTR") != 0 {
		t.Errorf("listing and reading %d files: %d READ, %d LOOKUP, %d GETATTR; want %d, at most 1, 0",
			files, diff("READ"), diff("LOOKUP"), diff("GETATTR"), files)
	}

	// Every handle kept is stale now: the folders' and the files'.
	restart()
	objs := listed(t, b)
	restart()
	for k, o := range objs {
		if _, _, err := readStat(t, b, o, nil); err != nil {
			t.Errorf("after a restart: %s: %v", k, err)
		}
	}
	restart()
	readAll("after restarts")
}

// serverCounts asks the counting server whose files start with base
// (test/servers/nfs.sh with MGW_NFS_COUNT) for its counts so far.
func serverCounts(t *testing.T, base string) map[string]int64 {
	t.Helper()
	pidText, err := os.ReadFile(base + ".pid")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(pidText)))
	if err != nil {
		t.Fatal(err)
	}
	file := base + ".counts"
	dumps := func() int {
		b, _ := os.ReadFile(file)
		return bytes.Count(b, []byte(fmt.Sprintf("%d dump ", pid)))
	}
	n := dumps()
	if err := syscall.Kill(pid, syscall.SIGUSR1); err != nil {
		t.Fatal(err)
	}
	testenv.WaitUntil(t, "the server's counts", func() bool { return dumps() != n })
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	counts := map[string]int64{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		fs := strings.Fields(s.Text())
		if len(fs) != 3 || fs[0] != strconv.Itoa(pid) {
			continue
		}
		if fs[1] == "dump" {
			clear(counts) // each dump holds the totals so far
			continue
		}
		counts[fs[1]], _ = strconv.ParseInt(fs[2], 10, 64)
	}
	return counts
}
