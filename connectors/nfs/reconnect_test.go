package nfs

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

// ownServer starts a second test server, on its own port, that the test
// may restart without disturbing the tests that use the shared one. It
// returns a function that restarts it (keeping its files) and the
// exported folder on disk.
func ownServer(t *testing.T, port string) (restart func(), dir string) {
	t.Helper()
	conformance.RequireServer(t, testServer) // the server builds and runs here
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "test", "servers", "nfs.sh")
	run := func(verb string) {
		t.Helper()
		c := exec.Command("bash", script, verb)
		c.Env = append(os.Environ(), "MGW_NFS_PORT="+port)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("nfs.sh %s: %v\n%s", verb, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop") })
	return func() { run("bounce") }, "/tmp/mgw-nfs-" + port + "/export"
}

// A server restart (which also forgets every file handle) between two
// reads, two pages of a listing and two puts costs a reconnect, not an
// error.
func TestReconnect(t *testing.T) {
	const port = "12051"
	restart, dir := ownServer(t, port)
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := os.WriteFile(filepath.Join(dir, "big"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "many"), 0o777); err != nil {
		t.Fatal(err)
	}
	const files = 2000 // several READDIRPLUS pages
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, "many", fmt.Sprintf("file-with-a-longish-name-%05d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := testAddr("")
	a.Server = "127.0.0.1:" + port
	a.Conns = 2
	b := open(t, a)
	ctx := t.Context()

	rc, err := b.Open(ctx, "big", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	head := make([]byte, 100000)
	if _, err := io.ReadFull(rc, head); err != nil {
		t.Fatal(err)
	}
	restart()
	rest, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read after a restart: %v (kind %v)", err, connectors.KindOf(err))
	}
	if got := append(head, rest...); !bytes.Equal(got, content) {
		t.Errorf("read across a restart: %d bytes, want %d equal bytes", len(got), len(content))
	}

	seen := map[string]bool{}
	err = b.List(ctx, "many/", func(o connectors.Object) error {
		if len(seen) == 0 {
			restart()
		}
		seen[o.Key] = true
		return nil
	}, nil)
	if err != nil {
		t.Fatalf("list across a restart: %v", err)
	}
	if len(seen) != files {
		t.Errorf("list across a restart: %d distinct files, want %d", len(seen), files)
	}

	restart()
	if _, err := b.Put(ctx, "after", bytes.NewReader([]byte("ok")), 2, connectors.PutOptions{}); err != nil {
		t.Fatalf("put after a restart: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "after")); err != nil || string(got) != "ok" {
		t.Errorf("after: %q, %v", got, err)
	}
}
