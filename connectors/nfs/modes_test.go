package nfs

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
)

// diskMode is the permission bits of p on the export's folder.
func diskMode(t *testing.T, p string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func chmod(t *testing.T, p string, m fs.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}

// TestPutKeepsModes: Put makes files with the source's bits and the
// folders it creates with their source folder's (owner's write and
// search added), as they land on the server's disk; a 0400 file is
// written all the same; folders already there keep their bits, never
// widened, never narrowed.
func TestPutKeepsModes(t *testing.T) {
	conformance.RequireServer(t, testServer)
	dir := freshDir(t, testServer)
	disk := filepath.Join(testDir, dir)
	// Made through the server, so that it (running as nobody) owns them.
	target := mount(t, testServer)
	for p, m := range map[string]fs.FileMode{"tight": 0o700, "open": 0o777} {
		if _, err := target.Mkdir(dir+"/"+p, m); err != nil {
			t.Fatal(err)
		}
		chmod(t, filepath.Join(disk, p), m)
	}
	b := open(t, testAddr(dir))
	if b.Features().Modes == nil {
		t.Fatal("Features().Modes is nil")
	}
	folders := map[string]fs.FileMode{"a/": 0o700, "a/b/": 0o550, "tight/": 0o777, "open/": 0o700}
	folderMode := func(d string) (fs.FileMode, bool) { m, ok := folders[d]; return m, ok }
	files := map[string]fs.FileMode{"a/b/f": 0o600, "g": 0o640, "a/ro": 0o400, "tight/f": 0o644, "open/f": 0o600}
	for key, m := range files {
		opts := connectors.PutOptions{Mode: m, HasMode: true, FolderMode: folderMode}
		if _, err := b.Put(t.Context(), key, bytes.NewReader([]byte("data")), 4, opts); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	want := map[string]fs.FileMode{"a": 0o700, "a/b": 0o750, "tight": 0o700, "open": 0o777}
	for key, m := range files {
		want[key] = m
	}
	for p, m := range want {
		if got := diskMode(t, filepath.Join(disk, p)); got != m {
			t.Errorf("%s: mode %v on the server's disk, want %v", p, got, m)
		}
	}
	if data, err := os.ReadFile(filepath.Join(disk, "a/ro")); err != nil || string(data) != "data" {
		t.Errorf("a/ro: %q, %v", data, err)
	}
	// Without the source's bits (an object store): as before.
	if _, err := b.Put(t.Context(), "n/f", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := diskMode(t, filepath.Join(disk, "n/f")); m != 0o644 {
		t.Errorf("n/f without source bits: mode %v, want 0644", m)
	}
}

// TestTellsModes: listings, Stat and FolderMode tell the bits the files
// and folders have on the server.
func TestTellsModes(t *testing.T) {
	conformance.RequireServer(t, testServer)
	dir := freshDir(t, testServer)
	disk := filepath.Join(testDir, dir)
	// Made through the server, so that it (running as nobody) may still
	// read them once narrowed.
	target := mount(t, testServer)
	if _, err := target.Mkdir(dir+"/sub", 0o777); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"sub/secret", "shared"} {
		f, err := target.OpenFile(dir+"/"+p, 0o666)
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for p, m := range map[string]fs.FileMode{"sub/secret": 0o600, "shared": 0o640, "sub": 0o700} {
		chmod(t, filepath.Join(disk, p), m)
	}
	b := open(t, testAddr(dir))
	objs := listed(t, b)
	for key, m := range map[string]fs.FileMode{"sub/secret": 0o600, "shared": 0o640} {
		if o := objs[key]; !o.HasMode || o.Mode != m {
			t.Errorf("listed %s: mode %v (known %v), want %v", key, o.Mode, o.HasMode, m)
		}
		if o, err := b.Stat(t.Context(), key); err != nil || !o.HasMode || o.Mode != m {
			t.Errorf("stat %s: mode %v (known %v), %v; want %v", key, o.Mode, o.HasMode, err, m)
		}
	}
	modes := b.Features().Modes
	if m, err := modes.FolderMode(t.Context(), "sub/"); err != nil || m != 0o700 {
		t.Errorf("FolderMode(sub/) = %v, %v; want 0700", m, err)
	}
	if _, err := modes.FolderMode(t.Context(), "gone/"); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("FolderMode of a missing folder: %v, want KindNotFound", err)
	}
}
