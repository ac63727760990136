package state

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// filledState writes n index entries to a state in a new directory and
// closes it, so that its tables are on disk.
func filledState(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := s.MarkDone("job", fmt.Sprintf("dir/file-%06d", i), FileEntry{Size: int64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

func withSuffix(t *testing.T, dir, suffix string) string {
	t.Helper()
	m, _ := filepath.Glob(filepath.Join(dir, "*"+suffix))
	if len(m) == 0 {
		t.Fatalf("no %s file in %s", suffix, dir)
	}
	return m[0]
}

// TestOpenDamaged: each kind of damage is refused as ErrDamaged, never
// opened as an empty index.
func TestOpenDamaged(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"MANIFEST truncated", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "MANIFEST"), 3); err != nil {
				t.Fatal(err)
			}
		}},
		{"MANIFEST missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "MANIFEST")); err != nil {
				t.Fatal(err)
			}
		}},
		{"table missing", func(t *testing.T, dir string) {
			if err := os.Remove(withSuffix(t, dir, ".sst")); err != nil {
				t.Fatal(err)
			}
		}},
		{"table garbled", func(t *testing.T, dir string) {
			p := withSuffix(t, dir, ".sst")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			for i := len(b) - 200; i < len(b)-8; i++ {
				b[i] ^= 0x5a
			}
			if err := os.WriteFile(p, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := filledState(t, 20000)
			c.damage(t, dir)
			s, err := Open(dir)
			if err == nil {
				n := 0
				s.Files("job", func(string, FileEntry) error { n++; return nil })
				s.Close()
				t.Fatalf("opened, with %d of 20000 entries", n)
			}
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("open: %v, want ErrDamaged", err)
			}
		})
	}
}

// TestWritesStopOnFullDisk: below Reserve, writes are refused with
// ErrDiskFull before Badger is asked, reads go on, and once space is back
// writes resume.
func TestWritesStopOnFullDisk(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	free := uint64(1 << 30)
	s.space.free = func(string) (uint64, error) { return free, nil }
	if err := s.MarkDone("job", "a", FileEntry{Size: 1}); err != nil {
		t.Fatal(err)
	}
	free = Reserve - 1
	err = s.MarkDone("job", "b", FileEntry{Size: 2})
	if !errors.Is(err, ErrDiskFull) || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("write on a full disk: %v, want ErrDiskFull saying what is free", err)
	}
	if _, ok, err := s.File("job", "a"); !ok || err != nil {
		t.Fatalf("read on a full disk: %v %v", ok, err)
	}
	free = Reserve
	if err := s.MarkDone("job", "b", FileEntry{Size: 2}); err != nil {
		t.Fatalf("write once space is back: %v", err)
	}
}
