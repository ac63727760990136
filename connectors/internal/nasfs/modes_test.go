package nasfs

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// modeShare opens a Share on s, with root "r", whose protocol has
// permission bits or not.
func (s *memServer) modeShare(t *testing.T, modes bool) *Share {
	t.Helper()
	sh := New(Config{Root: "r", Conns: 1, ListWorkers: 1, Kind: memKind, Broken: memBroken, Modes: modes,
		Dial:    func(context.Context) (FS, error) { return &memConn{s: s}, nil },
		Release: func(FS) {}})
	t.Cleanup(func() { sh.Close() })
	return sh
}

// sourceFolders is a FolderMode over a fixed set of source folders.
func sourceFolders(m map[string]os.FileMode) func(string) (os.FileMode, bool) {
	return func(dir string) (os.FileMode, bool) {
		v, ok := m[dir]
		return v, ok
	}
}

// TestPutKeepsModes: on a protocol with bits, a new file gets the
// source's exact bits (written with the owner's read and write, set
// exactly before the rename), new folders their source folder's with
// the owner's write and search, a folder already there is left as it is,
// and a folder whose source bits are unknown gets the default.
func TestPutKeepsModes(t *testing.T) {
	s := newMemServer()
	s.files["r"] = &memFile{dir: true, mode: 0o777}
	s.files["r/old"] = &memFile{dir: true, mode: 0o755}
	sh := s.modeShare(t, true)
	if sh.Features().Modes == nil {
		t.Fatal("Features().Modes is nil on a protocol with bits")
	}
	opts := connectors.PutOptions{ModTime: time.Unix(1e9, 0), Mode: 0o400 | os.ModeSetuid, HasMode: true,
		FolderMode: sourceFolders(map[string]os.FileMode{"": 0o700, "a/": 0o750, "a/b/": 0o500, "old/": 0o700})}
	for _, key := range []string{"a/b/f", "old/f", "a/u/f"} {
		if _, err := sh.Put(context.Background(), key, bytes.NewReader([]byte("x")), 1, opts); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	want := map[string]os.FileMode{
		"r":       0o777, // there before: not touched
		"r/a":     0o750,
		"r/a/b":   0o700, // 0500 and the owner's write and search
		"r/a/b/f": 0o400, // no setuid: permission bits only
		"r/old":   0o755, // there before: not narrowed, not widened
		"r/old/f": 0o400,
		"r/a/u":   defaultFolderMode, // no source bits known
	}
	for p, m := range want {
		f, ok := s.files[p]
		if !ok {
			t.Errorf("%s missing", p)
			continue
		}
		if f.mode != m {
			t.Errorf("%s: mode %v, want %v", p, f.mode, m)
		}
	}
	if m, err := sh.FolderMode(context.Background(), "a/"); err != nil || m != 0o750 {
		t.Errorf("FolderMode(a/) = %v, %v; want 0750", m, err)
	}
	if _, err := sh.FolderMode(context.Background(), "a/b/f/"); connectors.KindOf(err) != connectors.KindNotDir {
		t.Errorf("FolderMode of a file: %v, want KindNotDir", err)
	}
	if _, err := sh.FolderMode(context.Background(), "nope/"); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("FolderMode of a missing folder: %v, want KindNotFound", err)
	}
}

// TestPutWritesBeforeNarrowing: the temporary file is made with the
// owner's read and write, so that a server checking them on each WRITE
// takes the bytes of a 0400 file.
func TestPutWritesBeforeNarrowing(t *testing.T) {
	s := newMemServer()
	sh := s.modeShare(t, true)
	var atCreate os.FileMode
	s.fail = func(op, p string) error {
		if op == "write" {
			atCreate = s.files[p].mode
		}
		return nil
	}
	opts := connectors.PutOptions{Mode: 0o400, HasMode: true}
	if _, err := sh.Put(context.Background(), "f", bytes.NewReader([]byte("x")), 1, opts); err != nil {
		t.Fatal(err)
	}
	if atCreate != 0o600 {
		t.Errorf("written with mode %v, want 0600", atCreate)
	}
	if m := s.files["r/f"].mode; m != 0o400 {
		t.Errorf("file mode %v, want 0400", m)
	}
}

// TestPutWithoutModes: a protocol without bits (SMB), or a source
// without them, makes files and folders as before, whatever the options.
func TestPutWithoutModes(t *testing.T) {
	s := newMemServer()
	sh := s.modeShare(t, false)
	if sh.Features().Modes != nil {
		t.Fatal("Features().Modes set on a protocol without bits")
	}
	opts := connectors.PutOptions{Mode: 0o400, HasMode: true, FolderMode: sourceFolders(map[string]os.FileMode{"": 0o700, "a/": 0o700})}
	if _, err := sh.Put(context.Background(), "a/f", bytes.NewReader([]byte("x")), 1, opts); err != nil {
		t.Fatal(err)
	}
	sh = s.modeShare(t, true)
	if _, err := sh.Put(context.Background(), "b/f", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for p, m := range map[string]os.FileMode{"r": defaultFolderMode, "r/a": defaultFolderMode, "r/a/f": defaultFileMode,
		"r/b": defaultFolderMode, "r/b/f": defaultFileMode} {
		if f := s.files[p]; f == nil || f.mode != m {
			t.Errorf("%s: %+v, want mode %v", p, f, m)
		}
	}
}

// A server that refuses permission bits (a volume of ACLs only) still
// takes the files: each keeps the bits it was made with and its mtime,
// and the share asks for bits no more.
func TestPutModesRefused(t *testing.T) {
	s := newMemServer()
	s.files["r"] = &memFile{dir: true, mode: 0o777}
	s.refuseModes = true
	sh := s.modeShare(t, true)
	mtime := time.Unix(1e9, 0)
	opts := connectors.PutOptions{ModTime: mtime, Mode: 0o640, HasMode: true}
	for _, key := range []string{"f", "g"} {
		if _, err := sh.Put(context.Background(), key, bytes.NewReader([]byte("x")), 1, opts); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
		f := s.files["r/"+key]
		if f == nil || !f.mtime.Equal(mtime) || f.mode != 0o640|0o600 {
			t.Errorf("%s: %+v; want mtime %v, the bits it was made with (0660)", key, f, mtime)
		}
	}
	if n := s.calls["setattrs"]; n != 3 {
		t.Errorf("%d SetAttrs calls, want 3 (bits refused once, then the mtime alone)", n)
	}
}
