// Package nastest holds the tests the share connectors (smb, nfs) run
// alike against their real servers: a missing root, a denied folder in a
// listing, a server restarted under a read, a listing and a put, and a
// server that stops answering. It
// must not know either protocol: each connector passes its buckets, its
// server script and the server's folder on disk.
package nastest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
	"github.com/mgw-dev/mgw/test/testenv"
)

// OwnServer starts a second instance of test/servers/<script>, with
// portVar=port in its environment, that the test may restart without
// disturbing the tests that use the shared one; it is stopped when the
// test ends. It returns a function that restarts it, keeping its files.
func OwnServer(t *testing.T, script, portVar, port string) (restart func()) {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	path := filepath.Join(filepath.Dir(file), "..", "..", "..", "..", "test", "servers", script)
	run := func(verb string) {
		t.Helper()
		c := exec.Command("bash", path, verb)
		c.Env = append(os.Environ(), portVar+"="+port)
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", script, verb, err, out)
		}
	}
	run("start")
	t.Cleanup(func() { run("stop") })
	return func() { run("bounce") }
}

// Restarts checks that a server restart between two reads, two pages of
// a listing and two puts costs a reconnect, not an error. b is the
// server's root, dir its folder on disk; files names make a listing of
// several pages.
func Restarts(t *testing.T, b connectors.Bucket, restart func(), dir string, files int) {
	t.Helper()
	content := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	if err := os.WriteFile(filepath.Join(dir, "big"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "many"), 0o777); err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, "many", fmt.Sprintf("file-with-a-longish-name-%05d", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
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

// MissingRoot checks that b, whose folder does not exist, never lists as
// empty.
func MissingRoot(t *testing.T, b connectors.Bucket) {
	t.Helper()
	err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, func(connectors.ListError) {})
	if k := connectors.KindOf(err); k != connectors.KindNotFound {
		t.Errorf("list of a missing root: kind %v (%v), want not-found", k, err)
	}
	if k := connectors.KindOf(b.Check(t.Context())); k != connectors.KindNotFound {
		t.Errorf("check of a missing root: kind %v, want not-found", k)
	}
}

// DeniedFolder checks that b's folder denied/, which holds a file the
// client may not read, is reported as access denied and the rest listed.
func DeniedFolder(t *testing.T, b connectors.Bucket) {
	t.Helper()
	var errs []connectors.ListError
	err := b.List(t.Context(), "", func(o connectors.Object) error {
		if o.Key == "denied/file" {
			t.Errorf("listed %s in a folder the client cannot read", o.Key)
		}
		return nil
	}, func(le connectors.ListError) { errs = append(errs, le) })
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	seen := false
	for _, le := range errs {
		if le.Dir == "denied/" {
			seen = true
			if k := connectors.KindOf(le.Err); k != connectors.KindAccessDenied {
				t.Errorf("denied/: kind %v, want access-denied (%v)", k, le.Err)
			}
		}
	}
	if !seen {
		t.Errorf("no list error for denied/: %v", errs)
	}
}

// BlackHole checks that a server that stops answering, its connections
// left open (a black hole, which toxiproxy makes in front of upstream,
// the real server), costs each call no more than the address's timeout
// per try: a stat, a read, a listing and a put fail as timeouts (the
// timeout in their text), where they would wait forever; and that once
// the server answers again, so do they. open opens the bucket at a
// server address, with a timeout of 1 s.
func BlackHole(t *testing.T, upstream string, open func(server string) connectors.Bucket) {
	t.Helper()
	// A call left unanswered is tried on new connections for this long.
	budget := connpool.DefaultBudget
	connpool.DefaultBudget = 2 * time.Second
	t.Cleanup(func() { connpool.DefaultBudget = budget })
	p := testenv.NewProxy(t, upstream)
	b := open(p.Addr)
	ctx := t.Context()
	if err := b.Check(ctx); err != nil { // connected once: later failures are drops
		t.Fatal(err)
	}
	p.Add(testenv.Toxic{Name: "hole", Type: "timeout", Stream: "upstream", Attributes: map[string]any{"timeout": 0}})
	calls := []struct {
		name string
		call func() error
	}{
		{"stat", func() error { _, err := b.Stat(ctx, "anything"); return err }},
		{"read", func() error {
			rc, err := b.Open(ctx, "anything", 0, -1)
			if err == nil {
				_, err = io.ReadAll(rc)
				rc.Close()
			}
			return err
		}},
		{"list", func() error { return b.List(ctx, "", func(connectors.Object) error { return nil }, nil) }},
		{"put", func() error {
			_, err := b.Put(ctx, "hole", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{})
			return err
		}},
	}
	for _, c := range calls {
		err := bounded(t, c.name, c.call)
		var st watchdog.Stalled
		if k := connectors.KindOf(err); k != connectors.KindTimeout || !errors.As(err, &st) || st.After != time.Second {
			t.Errorf("%s in a black hole: kind %v (%v), want a timeout of 1s", c.name, k, err)
		}
	}
	p.Remove("hole")
	if err := bounded(t, "put", calls[3].call); err != nil {
		t.Errorf("put once the server answers again: %v", err)
	}
}

// bounded runs call, failing the test if it has not returned after a
// minute: it hangs.
func bounded(t *testing.T, name string, call func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- call() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		t.Fatalf("%s still waiting after a minute", name)
		return nil
	}
}
