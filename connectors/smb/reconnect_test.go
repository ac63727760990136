package smb

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

// ownServer starts a second smbd, on its own port, that the test may
// restart without disturbing the tests that use the shared one. It returns
// a function that restarts it (keeping its files) and the share's folder
// on disk.
func ownServer(t *testing.T, port string) (restart func(), dir string) {
	t.Helper()
	conformance.RequireServer(t, testServer) // samba is installed and runs
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "test", "servers", "samba.sh")
	run := func(verb string) {
		t.Helper()
		c := exec.Command("bash", script, verb)
		c.Env = append(os.Environ(), "MGW_SMB_PORT="+port)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("samba.sh %s: %v\n%s", verb, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop") })
	return func() { run("bounce") }, "/tmp/mgw-smb-" + port + "/share"
}

// A server restart between two reads, two pages of a listing and two
// puts costs a reconnect, not an error.
func TestReconnect(t *testing.T) {
	const port = "14451"
	restart, dir := ownServer(t, port)
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := os.WriteFile(filepath.Join(dir, "big"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 3000 {
		name := filepath.Join(dir, "many", strings.Repeat("n", 20)+string(rune('a'+i%26))+itoa(i))
		if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, nil, 0o644); err != nil {
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

	// A listing interrupted after its first page.
	n := 0
	err = b.List(ctx, "many/", func(connectors.Object) error {
		n++
		if n == 1 {
			restart()
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatalf("list across a restart: %v", err)
	}
	if n < 3000 {
		t.Errorf("list across a restart: %d files, want at least 3000", n)
	}

	restart()
	if _, err := b.Put(ctx, "after", bytes.NewReader([]byte("ok")), 2, connectors.PutOptions{}); err != nil {
		t.Fatalf("put after a restart: %v", err)
	}
	if got, err := os.ReadFile(filepath.Join(dir, "after")); err != nil || string(got) != "ok" {
		t.Errorf("after: %q, %v", got, err)
	}
}

func itoa(i int) string {
	var b [20]byte
	p := len(b)
	for {
		p--
		b[p] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[p:])
		}
	}
}
