package local

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

func open(t *testing.T, dir string) connectors.Bucket {
	t.Helper()
	b, err := New(connectors.Address{Type: "local", Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	h := conformance.Harness{
		New: func(t *testing.T) connectors.Bucket { return open(t, t.TempDir()) },
	}
	// Mode 0 denies nothing to root (tests here often run as root), nor
	// anything on Windows: only elsewhere is there a folder to deny.
	if runtime.GOOS != "windows" && os.Geteuid() != 0 {
		h.Denied = func(t *testing.T) connectors.Bucket {
			dir := filepath.Join(t.TempDir(), "denied")
			if err := os.Mkdir(dir, 0); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return open(t, dir)
		}
	}
	conformance.Run(t, h)
}

// listAll returns what List passes to fn, and the folders it passes to onErr.
func listAll(t *testing.T, b connectors.Bucket, prefix string) (map[string]connectors.Object, []connectors.ListError) {
	t.Helper()
	var mu sync.Mutex
	objs := map[string]connectors.Object{}
	var errs []connectors.ListError
	err := b.List(t.Context(), prefix, func(o connectors.Object) error {
		mu.Lock()
		objs[o.Key] = o
		mu.Unlock()
		return nil
	}, func(le connectors.ListError) {
		mu.Lock()
		errs = append(errs, le)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return objs, errs
}

func writeFile(t *testing.T, root, rel, content string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// noTemp fails if a temporary file of Put is left anywhere under root.
func noTemp(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), tempMark) {
			t.Errorf("temporary file left behind: %s", p)
		}
		return nil
	})
}

func TestNewNeedsAbsolutePath(t *testing.T) {
	for _, p := range []string{"", "relative/dir", "."} {
		if _, err := New(connectors.Address{Path: p}); connectors.KindOf(err) != connectors.KindInvalidArgument {
			t.Errorf("New(%q): %v, want invalid-argument", p, err)
		}
	}
}

func TestCheck(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "file", "x")
	for _, c := range []struct {
		path string
		want connectors.Kind
	}{
		{filepath.Join(root, "missing"), connectors.KindNotFound},
		{filepath.Join(root, "file"), connectors.KindNotDir},
	} {
		err := open(t, c.path).Check(t.Context())
		if connectors.KindOf(err) != c.want {
			t.Errorf("check %s: %v, want %v", c.path, err, c.want)
		}
	}
}

func TestListMissingRoot(t *testing.T) {
	b := open(t, filepath.Join(t.TempDir(), "unmounted"))
	err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, nil)
	if connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("list of a missing root: %v, want not-found", err)
	}
	if err := b.List(t.Context(), "sub/", func(connectors.Object) error { return nil }, nil); err != nil {
		t.Errorf("list of a missing prefix: %v", err)
	}
}

// TestListTree walks a tree wide and deep enough to use every worker, to
// let the race detector see the walk.
func TestListTree(t *testing.T) {
	root := t.TempDir()
	want := map[string]int64{}
	for d := range 30 {
		for f := range 12 {
			rel := fmt.Sprintf("d%02d/s%d/f%02d", d, d%4, f)
			if d%5 == 0 {
				rel = fmt.Sprintf("d%02d/a/b/c/f%02d", d, f)
			}
			writeFile(t, root, rel, strings.Repeat("x", d+f))
			want[rel] = int64(d + f)
		}
	}
	got, errs := listAll(t, open(t, root), "")
	if len(errs) != 0 {
		t.Errorf("list errors: %v", errs)
	}
	if len(got) != len(want) {
		t.Errorf("listed %d objects, want %d", len(got), len(want))
	}
	for k, size := range want {
		o, ok := got[k]
		if !ok || o.Size != size || o.Type != connectors.Regular {
			t.Errorf("%s: listed %+v, want a regular file of %d bytes", k, o, size)
		}
	}
}

func TestListStopsOnCallbackError(t *testing.T) {
	root := t.TempDir()
	for i := range 100 {
		writeFile(t, root, fmt.Sprintf("d%d/f", i), "x")
	}
	stop := errors.New("enough")
	err := open(t, root).List(t.Context(), "", func(connectors.Object) error { return stop }, nil)
	if err != stop {
		t.Errorf("list returned %v, want the callback's error", err)
	}
}

func TestListSkipsTempNames(t *testing.T) {
	root := t.TempDir()
	b := open(t, root)
	writeFile(t, root, "dir/file", "x")
	writeFile(t, root, "dir/"+tempName("file"), "partial")
	writeFile(t, root, ".file.mgw-tmp-notrandom", "a user's own file")
	got, _ := listAll(t, b, "")
	if len(got) != 2 || got["dir/file"].Size != 1 || got[".file.mgw-tmp-notrandom"].Size == 0 {
		t.Errorf("list: %v, want dir/file and .file.mgw-tmp-notrandom", got)
	}
	n := 0
	b.ListDir(t.Context(), "dir/", func(connectors.Object) error { n++; return nil })
	if n != 1 {
		t.Errorf("listdir of dir/ gave %d objects, want 1", n)
	}
}

func TestTempName(t *testing.T) {
	for _, name := range []string{"f", strings.Repeat("é", 127), strings.Repeat("x", 255)} {
		tmp := tempName(name)
		if !isTempName(tmp) || len(tmp) > maxNameBytes || !strings.HasPrefix(tmp, ".") {
			t.Errorf("tempName(%d bytes) = %q (%d bytes)", len(name), tmp, len(tmp))
		}
		if strings.ContainsRune(tmp, '\uFFFD') || !isValidOrASCII(tmp) {
			t.Errorf("tempName cut a character in two: %q", tmp)
		}
	}
	for _, name := range []string{"file", ".file", ".file.mgw-tmp-", ".file.mgw-tmp-0123456789abcdeg", "x.mgw-tmp-0123456789abcdef"} {
		if isTempName(name) {
			t.Errorf("isTempName(%q) is true", name)
		}
	}
}

func isValidOrASCII(s string) bool { return strings.ToValidUTF8(s, "?") == s }

func TestBadKeys(t *testing.T) {
	b := open(t, t.TempDir())
	for _, key := range []string{"", "/abs", "a//b", "a/", "./a", "a/../b", "..", "nul\x00", strings.Repeat("n", 256), "ok/" + strings.Repeat("n", 256) + "/f"} {
		_, err := b.Put(t.Context(), key, strings.NewReader("x"), 1, connectors.PutOptions{})
		if connectors.KindOf(err) != connectors.KindUnsupportedName {
			t.Errorf("put %q: %v, want unsupported-name", key, err)
		}
		if _, err := b.Stat(t.Context(), key); connectors.KindOf(err) != connectors.KindUnsupportedName {
			t.Errorf("stat %q: %v, want unsupported-name", key, err)
		}
	}
	if err := b.List(t.Context(), "../", func(connectors.Object) error { return nil }, nil); connectors.KindOf(err) != connectors.KindUnsupportedName {
		t.Errorf("list ../: %v, want unsupported-name", err)
	}
	// 255 bytes is the longest name, not too long.
	key := strings.Repeat("n", 255)
	if _, err := b.Put(t.Context(), key, strings.NewReader("x"), 1, connectors.PutOptions{}); err != nil {
		t.Errorf("put of a 255-byte name: %v", err)
	}
}

// failingReader gives some bytes, then an error.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, errors.New("disk on fire")
	}
	n := min(len(p), r.n)
	r.n -= n
	return n, nil
}

func (r *failingReader) Seek(int64, int) (int64, error) { return 0, nil }

func TestFailedPutLeavesNoTemp(t *testing.T) {
	root := t.TempDir()
	b := open(t, root)
	put := func(key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) error {
		_, err := b.Put(t.Context(), key, r, size, opts)
		return err
	}

	err := put("dir/md5", strings.NewReader("data"), 4, connectors.PutOptions{MD5: make([]byte, 16)})
	if connectors.KindOf(err) != connectors.KindInvalidArgument {
		t.Errorf("put with a wrong MD5: %v, want invalid-argument", err)
	}
	err = put("dir/short", strings.NewReader("data"), 10, connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindChanged {
		t.Errorf("put of a short source: %v, want changed", err)
	}
	err = put("dir/failing", &failingReader{n: 100000}, 1<<20, connectors.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("put of a failing source: %v", err)
	}
	// The target is a folder: the rename fails after the data is written.
	writeFile(t, root, "dir/folder/inside", "x")
	err = put("dir/folder", strings.NewReader("data"), 4, connectors.PutOptions{})
	if err == nil {
		t.Error("put over a folder succeeded")
	}
	// A file where a folder is needed.
	err = put("dir/folder/inside/f", strings.NewReader("data"), 4, connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindNotDir {
		t.Errorf("put under a file: %v, want not-dir", err)
	}
	noTemp(t, root)
	got, _ := listAll(t, b, "")
	if len(got) != 1 {
		t.Errorf("list after failed puts: %v, want only dir/folder/inside", got)
	}
}

func TestOpenIsRanged(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "f", "0123456789")
	b := open(t, root)
	rc, err := b.Open(t.Context(), "f", 3, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || string(got) != "3456" {
		t.Errorf("open f at 3 for 4: %q, %v", got, err)
	}
	if _, err := b.Open(t.Context(), "f", -1, 1); connectors.KindOf(err) != connectors.KindInvalidArgument {
		t.Errorf("open at -1: %v, want invalid-argument", err)
	}
}

func TestDeleteLeavesFolders(t *testing.T) {
	root := t.TempDir()
	b := open(t, root)
	if err := os.Mkdir(filepath.Join(root, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(t.Context(), "empty"); err != nil {
		t.Errorf("delete of a folder key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "empty")); err != nil {
		t.Errorf("delete removed a folder: %v", err)
	}
	if _, err := b.Stat(t.Context(), "empty"); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("stat of a folder: %v, want not-found", err)
	}
}

func TestPutFillsIdentity(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no inode or ctime on Windows")
	}
	b := open(t, t.TempDir())
	o, err := b.Put(t.Context(), "f", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if o.Inode == 0 || o.Ctime.IsZero() {
		t.Errorf("put returned inode %d ctime %v", o.Inode, o.Ctime)
	}
	s, err := b.Stat(t.Context(), "f")
	if err != nil || s.Inode != o.Inode || !s.Ctime.Equal(o.Ctime) {
		t.Errorf("stat: %+v, %v; put returned %+v", s, err, o)
	}
}

func keysOf(m map[string]connectors.Object) []string {
	return slices.Sorted(maps.Keys(m))
}
