package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A second run copies exactly the files that changed, even when a change
// keeps the size and mtime (the index keeps ctime and inode too) or moves
// the mtime back before the copy.
func TestSecondRunCopiesOnlyChanges(t *testing.T) {
	s, srv := ossSetup(t)
	for i := range 10 {
		writeFile(t, filepath.Join(s.src, fmt.Sprintf("f%d.txt", i)), randomBytes(uint64(i), 500+i))
	}
	wantExit(t, s.mgw(t, "run", "job"), 0)

	// f1: rewritten in place, same size, mtime put back.
	p := filepath.Join(s.src, "f1.txt")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, randomBytes(101, int(fi.Size())))
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	// f2: replaced by another file (a new inode) of the same size and mtime.
	p = filepath.Join(s.src, "f2.txt")
	if fi, err = os.Stat(p); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.dir, "f2.new")
	writeFile(t, tmp, randomBytes(102, int(fi.Size())))
	if err := os.Chtimes(tmp, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
	// f3: new content dated a year back, older than the object mgw wrote.
	p = filepath.Join(s.src, "f3.txt")
	writeFile(t, p, randomBytes(103, 700))
	old := time.Now().AddDate(-1, 0, 0)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}

	wantExit(t, s.mgw(t, "run", "job"), 0)
	changed := map[string]bool{"f1.txt": true, "f2.txt": true, "f3.txt": true}
	for i := range 10 {
		key := fmt.Sprintf("f%d.txt", i)
		want := 1
		if changed[key] {
			want = 2
		}
		if n := srv.Count("PutObject", key); n != want {
			t.Errorf("%s: %d PutObject requests over two runs, want %d", key, n, want)
		}
	}
	wantObjects(t, srv, sourceFiles(t, s.src)) // earlier versions rightly differ
}

// A rescan over many unchanged files in several folders (the index read a
// folder at a time) finds each kind of change among them: a new size, a
// new mtime, a new file; a deleted file is neither copied nor counted.
func TestRescanFindsChangesAmongUnchanged(t *testing.T) {
	s, srv := ossSetup(t)
	const dirs, per = 4, 150
	key := func(d, f int) string { return fmt.Sprintf("d%d/f%03d", d, f) }
	for d := range dirs {
		for f := range per {
			writeFile(t, filepath.Join(s.src, key(d, f)), []byte(key(d, f)))
		}
	}
	wantExit(t, s.mgw(t, "run", "job"), 0)

	sized, timed, added, deleted := key(0, 7), key(1, 70), "d2/new", key(3, 149)
	writeFile(t, filepath.Join(s.src, sized), []byte(sized+" grown"))
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(filepath.Join(s.src, timed), later, later); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(s.src, added), []byte("new"))
	if err := os.Remove(filepath.Join(s.src, deleted)); err != nil {
		t.Fatal(err)
	}
	r := s.mgw(t, "run", "job")
	wantExit(t, r, 0)
	wantCount(t, r, "copied and verified", 3)
	wantCount(t, r, "unchanged", dirs*per-3)
	for d := range dirs {
		for f := range per {
			want := 1
			if k := key(d, f); k == sized || k == timed {
				want = 2
			}
			if n := srv.Count("PutObject", key(d, f)); n != want {
				t.Errorf("%s: %d PutObject requests over two runs, want %d", key(d, f), n, want)
			}
		}
	}
	if n := srv.Count("PutObject", added); n != 1 {
		t.Errorf("%s: %d PutObject requests, want 1", added, n)
	}
}
