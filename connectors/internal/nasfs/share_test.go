package nasfs

import (
	"bytes"
	"context"
	"crypto/md5"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/test/testenv"
)

func put(t *testing.T, sh *Share, key, content string, opts connectors.PutOptions) (connectors.Object, error) {
	t.Helper()
	return sh.Put(t.Context(), key, strings.NewReader(content), int64(len(content)), opts)
}

// noTemp fails if a temporary name is left anywhere.
func noTemp(t *testing.T, s *memServer) {
	t.Helper()
	for p := range s.files {
		if IsTempName(p[strings.LastIndexByte(p, '/')+1:]) {
			t.Errorf("temporary file %s left", p)
		}
	}
}

// A Put into a folder that exists asks for no folder; one into a missing
// folder makes it, and the root folder with it.
func TestPutMakesFoldersOnlyWhenMissing(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "root")
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 6, time.UTC)
	o, err := put(t, sh, "a/b/f", "hello", connectors.PutOptions{ModTime: mtime})
	if err != nil {
		t.Fatal(err)
	}
	if o.Key != "a/b/f" || o.Size != 5 || !o.ModTime.Equal(mtime) {
		t.Errorf("put returned %+v", o)
	}
	if f := s.files["root/a/b/f"]; f == nil || string(f.data) != "hello" || !f.mtime.Equal(mtime) {
		t.Errorf("stored %+v", f)
	}
	if s.calls["mkdirall"] != 1 {
		t.Errorf("%d MkdirAll calls for a new folder, want 1", s.calls["mkdirall"])
	}
	if _, err := put(t, sh, "a/b/g", "x", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if s.calls["mkdirall"] != 1 || s.calls["create"] != 3 {
		t.Errorf("second file: %d MkdirAll, %d Create calls in all; want 1 and 3", s.calls["mkdirall"], s.calls["create"])
	}
	noTemp(t, s)
}

func TestPutRefusals(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	sum := md5.Sum([]byte("other"))
	_, err := put(t, sh, "f", "content", connectors.PutOptions{MD5: sum[:]})
	if k := connectors.KindOf(err); k != connectors.KindInvalidArgument {
		t.Errorf("wrong MD5: kind %v (%v), want invalid-argument", k, err)
	}
	_, err = sh.Put(t.Context(), "f", strings.NewReader("short"), 10, connectors.PutOptions{})
	if k := connectors.KindOf(err); k != connectors.KindChanged {
		t.Errorf("short source: kind %v (%v), want changed", k, err)
	}
	if _, err := put(t, sh, "a/../b", "x", connectors.PutOptions{}); connectors.KindOf(err) != connectors.KindUnsupportedName {
		t.Errorf("bad key: %v", err)
	}
	if _, ok := s.files["f"]; ok {
		t.Error("a refused put left an object")
	}
	if _, err := put(t, sh, "file", "x", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := put(t, sh, "file/g", "x", connectors.PutOptions{}); connectors.KindOf(err) != connectors.KindNotDir {
		t.Errorf("put under a file: %v, want not-a-folder", err)
	}
	noTemp(t, s)
}

// A connection that drops mid-write costs a new connection and a second
// write from the start, not an error; the temporary file of the first,
// which the dropped connection could not remove, goes too.
func TestPutRetriesOnDrop(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	if err := sh.Check(t.Context()); err != nil { // connected once: later failures are drops
		t.Fatal(err)
	}
	drops := 1
	s.fail = func(op, _ string) error {
		if op == "write" && drops > 0 {
			drops--
			return errBroken
		}
		return nil
	}
	if _, err := put(t, sh, "f", "content", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if f := s.files["f"]; f == nil || string(f.data) != "content" {
		t.Errorf("stored %+v", f)
	}
	if s.calls["create"] != 2 {
		t.Errorf("%d creates, want 2: one per try", s.calls["create"])
	}
	noTemp(t, s)
}

// A cancelled Put leaves no object and no temporary file.
func TestPutCancelled(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	s.fail = func(op, _ string) error {
		if op == "write" {
			cancel()
		}
		return nil
	}
	_, err := sh.Put(ctx, "f", bytes.NewReader(make([]byte, 10)), 10, connectors.PutOptions{})
	if !connectors.IsCanceled(err) {
		t.Errorf("cancelled put: %v", err)
	}
	if _, ok := s.files["f"]; ok {
		t.Error("a cancelled put left an object")
	}
	noTemp(t, s)
}

// A reader whose connection drops goes on from its offset on a new one.
func TestOpenResumes(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	content := "0123456789abcdefghij"
	if _, err := put(t, sh, "f", content, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	reads := 0
	s.fail = func(op, _ string) error {
		if op == "read" {
			if reads++; reads == 3 {
				return errBroken
			}
		}
		return nil
	}
	rc, err := sh.Open(t.Context(), "f", 2, 15)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != content[2:17] {
		t.Errorf("read %q, %v; want %q", got, err, content[2:17])
	}
	if err := rc.Close(); err != nil {
		t.Error(err)
	}
	if s.dials < 2 {
		t.Errorf("%d dials: the broken connection was not replaced", s.dials)
	}
}

// What is not a readable file, and what is not there, have their kinds.
func TestKinds(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	if _, err := put(t, sh, "d/f", "x", connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	s.files["link"] = &memFile{link: true}
	ctx := t.Context()
	for _, c := range []struct {
		name string
		err  error
		want connectors.Kind
	}{
		{"read folder", openErr(sh, "d"), connectors.KindNotFound},
		{"read link", openErr(sh, "link"), connectors.KindUnsupported},
		{"open missing", openErr(sh, "nope"), connectors.KindNotFound},
		{"open through a file", openErr(sh, "d/f/g"), connectors.KindNotFound},
		{"stat folder", statErr(sh, "d"), connectors.KindNotFound},
		{"stat through a file", statErr(sh, "d/f/g"), connectors.KindNotFound},
	} {
		if k := connectors.KindOf(c.err); k != c.want {
			t.Errorf("%s: kind %v (%v), want %v", c.name, k, c.err, c.want)
		}
	}
	for _, key := range []string{"nope", "d", "d/f/g"} {
		if err := sh.Delete(ctx, key); err != nil {
			t.Errorf("delete %s: %v", key, err)
		}
	}
	if err := sh.Delete(ctx, "d/f"); err != nil || s.files["d/f"] != nil {
		t.Errorf("delete d/f: %v", err)
	}
}

// openErr opens key and reads it whole: Open does not ask what key is,
// the read fails.
func openErr(sh *Share, key string) error {
	rc, err := sh.Open(context.Background(), key, 0, -1)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	return err
}

func statErr(sh *Share, key string) error {
	_, err := sh.Stat(context.Background(), key)
	return err
}

// A listing whose connection drops after a page reopens the folder and
// skips what it returned: every name once, none twice.
func TestListResumes(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	for _, k := range []string{"a", "b", "c", "d", "e", "sub/f", "sub/g"} {
		if _, err := put(t, sh, k, "x", connectors.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	pages := 0
	s.fail = func(op, p string) error {
		if op == "readdir" && p == "" {
			if pages++; pages == 3 {
				return errBroken
			}
		}
		return nil
	}
	seen := map[string]int{}
	err := sh.List(t.Context(), "", func(o connectors.Object) error {
		seen[o.Key]++
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b", "c", "d", "e", "sub/f", "sub/g"} {
		if seen[k] != 1 {
			t.Errorf("%s listed %d times", k, seen[k])
		}
	}
	if len(seen) != 7 {
		t.Errorf("listed %v", seen)
	}
}

// With one connection for files and one for listings, nothing waits for a
// connection it holds: a deep tree is listed (a folder is not held open
// while a sub-folder is read), and a reader is asked what its file is
// through its own connection.
func TestOneConnectionEnough(t *testing.T) {
	s := newMemServer()
	sh := s.shareOf(t, "", 1, 1)
	keys := []string{"top", "a/b/c/d/deep", "a/b/side", "a/x/y"}
	for _, k := range keys {
		if _, err := put(t, sh, k, "content", connectors.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	var listed []string
	go func() {
		done <- sh.List(t.Context(), "", func(o connectors.Object) error {
			listed = append(listed, o.Key)
			return nil
		}, nil)
	}()
	var err error
	testenv.WaitUntil(t, "the listing of a deep tree on one connection", func() bool {
		select {
		case err = <-done:
			return true
		default:
			return false
		}
	})
	if err != nil || len(listed) != len(keys) {
		t.Fatalf("listed %v (%v), want %v", listed, err, keys)
	}
	rc, err := sh.Open(t.Context(), "a/b/c/d/deep", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err != nil {
		t.Fatal(err)
	}
	o, err := rc.(connectors.StatReader).Stat()
	if err != nil || o.Size != int64(len("content")) || o.Key != "a/b/c/d/deep" {
		t.Errorf("the open file's Stat: %+v, %v", o, err)
	}
	rc.Close()
	if _, err := sh.Stat(t.Context(), "top"); err != nil {
		t.Errorf("after the reader closed: %v", err)
	}
}

// Check tells a missing root and a root that is a file.
func TestCheck(t *testing.T) {
	s := newMemServer()
	s.files["file"] = &memFile{}
	if k := connectors.KindOf(s.share(t, "gone").Check(t.Context())); k != connectors.KindNotFound {
		t.Errorf("missing root: kind %v", k)
	}
	if k := connectors.KindOf(s.share(t, "file").Check(t.Context())); k != connectors.KindNotDir {
		t.Errorf("root is a file: kind %v", k)
	}
	if err := s.share(t, "").Check(t.Context()); err != nil {
		t.Errorf("check: %v", err)
	}
	if !IsConnectError(connectors.NewError(connectors.KindBadSecret, "list", "", &ConnectError{Err: errMissing})) {
		t.Error("a wrapped ConnectError is not one")
	}
}
