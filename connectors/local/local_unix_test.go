//go:build linux || darwin || freebsd || netbsd

package local

import (
	"os"
	"path/filepath"
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
