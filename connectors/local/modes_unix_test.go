//go:build linux || darwin || freebsd || netbsd

package local

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func mode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestModesCarried: a 0600 file in a 0700 folder (under a 0750 one) is
// listed with its bits, and a Put given them makes the same modes at the
// destination whatever the umask; the setuid bit is never kept.
func TestModesCarried(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)

	src := t.TempDir()
	writeFile(t, src, "pub/priv/secret", "s")
	for p, m := range map[string]fs.FileMode{"pub": 0o750, "pub/priv": 0o700, "pub/priv/secret": 0o600} {
		if err := os.Chmod(filepath.Join(src, p), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(src, 0o711); err != nil {
		t.Fatal(err)
	}
	sb := open(t, src)
	got, _ := listAll(t, sb, "")
	o := got["pub/priv/secret"]
	if !o.HasMode || o.Mode != 0o600 {
		t.Fatalf("listed mode %v (known %v), want 0600", o.Mode, o.HasMode)
	}
	modes := sb.Features().Modes
	if modes == nil {
		t.Fatal("local has no Modes")
	}
	if m, err := modes.FolderMode(t.Context(), "pub/priv/"); err != nil || m != 0o700 {
		t.Fatalf("FolderMode(pub/priv/) = %v, %v; want 0700", m, err)
	}
	if _, err := modes.FolderMode(t.Context(), "pub/priv/secret/"); connectors.KindOf(err) != connectors.KindNotDir {
		t.Errorf("FolderMode of a file: %v, want KindNotDir", err)
	}

	dst := filepath.Join(t.TempDir(), "dest")
	db := open(t, dst)
	opts := connectors.PutOptions{Mode: o.Mode | fs.ModeSetuid, HasMode: true,
		FolderMode: func(dir string) (fs.FileMode, bool) {
			m, err := modes.FolderMode(t.Context(), dir)
			return m, err == nil
		}}
	if _, err := db.Put(t.Context(), o.Key, strings.NewReader("s"), 1, opts); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{"": 0o711, "pub": 0o750, "pub/priv": 0o700, "pub/priv/secret": 0o600} {
		if m := mode(t, filepath.Join(dst, p)); m != want {
			t.Errorf("%q arrived as %v, want %v", p, m, want)
		}
	}
	if fi, _ := os.Lstat(filepath.Join(dst, "pub/priv/secret")); fi.Mode()&fs.ModeSetuid != 0 {
		t.Error("setuid bit kept")
	}

	// A 0664 file keeps its group write bit though the umask is 022.
	opts.Mode = 0o664
	if _, err := db.Put(t.Context(), "pub/shared", strings.NewReader("s"), 1, opts); err != nil {
		t.Fatal(err)
	}
	if m := mode(t, filepath.Join(dst, "pub/shared")); m != 0o664 {
		t.Errorf("pub/shared arrived as %v, want 0664", m)
	}
}

// TestModesNeverWiden: a folder that exists is left as it is; a source
// folder without write bits for its owner is made writable by the owner
// only; without modes, Put makes what it always made.
func TestModesNeverWiden(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)

	dst := t.TempDir()
	db := open(t, dst)
	if err := os.Mkdir(filepath.Join(dst, "kept"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dst, "kept"), 0o755); err != nil {
		t.Fatal(err)
	}
	opts := connectors.PutOptions{Mode: 0o400, HasMode: true,
		FolderMode: func(string) (fs.FileMode, bool) { return 0o500, true }}
	for _, key := range []string{"kept/f", "ro/f"} {
		if _, err := db.Put(t.Context(), key, strings.NewReader("x"), 1, opts); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]fs.FileMode{"kept": 0o755, "ro": 0o700, "ro/f": 0o400} {
		if m := mode(t, filepath.Join(dst, p)); m != want {
			t.Errorf("%q is %v, want %v", p, m, want)
		}
	}
	// No modes given: the umask decides, as before.
	if _, err := db.Put(t.Context(), "plain/f", strings.NewReader("x"), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]fs.FileMode{"plain": 0o700, "plain/f": 0o600} {
		if m := mode(t, filepath.Join(dst, p)); m != want {
			t.Errorf("%q is %v, want %v (umask 077)", p, m, want)
		}
	}
}
