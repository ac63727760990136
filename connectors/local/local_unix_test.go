//go:build linux || darwin || freebsd || netbsd

package local

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func TestListSymlinkAndFIFO(t *testing.T) {
	root := t.TempDir()
	writeFile(t, root, "dir/target", "content")
	if err := os.Symlink("target", filepath.Join(root, "dir/link")); err != nil {
		t.Fatal(err)
	}
	// A link to a folder is listed, never followed.
	if err := os.Symlink(root, filepath.Join(root, "dir/loop")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(root, "dir/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := open(t, root)
	got, errs := listAll(t, b, "")
	if len(errs) != 0 {
		t.Errorf("list errors: %v", errs)
	}
	want := map[string]connectors.Type{
		"dir/target": connectors.Regular,
		"dir/link":   connectors.Symlink,
		"dir/loop":   connectors.Symlink,
		"dir/fifo":   connectors.Special,
	}
	if len(got) != len(want) {
		t.Errorf("listed %v, want %v", got, want)
	}
	for k, typ := range want {
		if o, ok := got[k]; !ok || o.Type != typ {
			t.Errorf("%s: listed %+v, want type %v", k, o, typ)
		}
	}
	if o, err := b.Stat(t.Context(), "dir/link"); err != nil || o.Type != connectors.Symlink {
		t.Errorf("stat of a link: %+v, %v", o, err)
	}
	// Opening a FIFO would block: it is refused.
	if _, err := b.Open(t.Context(), "dir/fifo", 0, -1); connectors.KindOf(err) != connectors.KindUnsupported {
		t.Errorf("open of a FIFO: %v, want unsupported", err)
	}
	if _, err := b.Open(t.Context(), "dir/link", 0, -1); connectors.KindOf(err) != connectors.KindUnsupported {
		t.Errorf("open of a link: %v, want unsupported", err)
	}
}

func TestListUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads folders of mode 0")
	}
	root := t.TempDir()
	writeFile(t, root, "open/a", "a")
	writeFile(t, root, "shut/b", "b")
	writeFile(t, root, "z", "z")
	shut := filepath.Join(root, "shut")
	if err := os.Chmod(shut, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(shut, 0o755) })
	b := open(t, root)

	got, errs := listAll(t, b, "")
	if len(got) != 2 || got["open/a"].Size != 1 || got["z"].Size != 1 {
		t.Errorf("listed %v, want open/a and z", got)
	}
	if len(errs) != 1 || errs[0].Dir != "shut/" || connectors.KindOf(errs[0].Err) != connectors.KindAccessDenied {
		t.Errorf("list errors %v, want shut/ access-denied", errs)
	}

	err := b.List(t.Context(), "", func(connectors.Object) error { return nil }, nil)
	if connectors.KindOf(err) != connectors.KindAccessDenied {
		t.Errorf("list with onErr nil: %v, want access-denied", err)
	}
	if err := open(t, shut).Check(t.Context()); connectors.KindOf(err) != connectors.KindAccessDenied {
		t.Errorf("check of an unreadable root: %v, want access-denied", err)
	}
}

// TestPlantedLinkNotFollowed plants links in the folder that lead out of
// it: a folder link (sub -> elsewhere) and a file link. Nothing may be
// written, read, stat'd, listed or deleted outside through them.
func TestPlantedLinkNotFollowed(t *testing.T) {
	root, elsewhere := t.TempDir(), t.TempDir()
	writeFile(t, elsewhere, "victim", "outside")
	if err := os.Symlink(elsewhere, filepath.Join(root, "sub")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(elsewhere, "victim"), filepath.Join(root, "victim")); err != nil {
		t.Fatal(err)
	}
	b := open(t, root)
	ctx := t.Context()

	_, err := b.Put(ctx, "sub/new", strings.NewReader("data"), 4, connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindNotDir || !strings.Contains(err.Error(), "does not follow") {
		t.Errorf("put through a link out: %v, want not-dir saying the link is not followed", err)
	}
	_, err = b.Put(ctx, "sub/deeper/new", strings.NewReader("data"), 4, connectors.PutOptions{})
	if connectors.KindOf(err) != connectors.KindNotDir {
		t.Errorf("put below a link out: %v, want not-dir", err)
	}
	if _, err := b.Stat(ctx, "sub/victim"); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("stat through a link out: %v, want not-found", err)
	}
	if _, err := b.Open(ctx, "sub/victim", 0, -1); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("open through a link out: %v, want not-found", err)
	}
	if err := b.Delete(ctx, "sub/victim"); err != nil {
		t.Errorf("delete through a link out: %v, want nothing deleted and no error", err)
	}
	if err := b.ListDir(ctx, "sub/", func(o connectors.Object) error {
		t.Errorf("listed %q through a link out", o.Key)
		return nil
	}); err != nil {
		t.Errorf("listdir through a link out: %v, want nothing listed", err)
	}
	if got, errs := listAll(t, b, "sub/"); len(got) != 0 || len(errs) != 0 {
		t.Errorf("list through a link out: %v %v, want nothing", got, errs)
	}
	// The file link itself is replaced or deleted, never its target.
	if _, err := b.Put(ctx, "victim", strings.NewReader("new"), 3, connectors.PutOptions{}); err != nil {
		t.Errorf("put over a file link: %v", err)
	}
	if err := b.Delete(ctx, "victim"); err != nil {
		t.Errorf("delete of the replaced link: %v", err)
	}

	got, err := os.ReadDir(elsewhere)
	if err != nil || len(got) != 1 || got[0].Name() != "victim" {
		t.Fatalf("outside folder holds %v (%v), want only victim", got, err)
	}
	if data, _ := os.ReadFile(filepath.Join(elsewhere, "victim")); string(data) != "outside" {
		t.Errorf("victim holds %q, want it untouched", data)
	}
}

// TestPutMakesRoot: the first file written makes the folder itself.
func TestPutMakesRoot(t *testing.T) {
	root := filepath.Join(t.TempDir(), "new", "dest")
	b := open(t, root)
	if _, err := b.Put(t.Context(), "a/f", strings.NewReader("x"), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(root, "a/f")); err != nil || string(data) != "x" {
		t.Errorf("read back %q, %v", data, err)
	}
}
