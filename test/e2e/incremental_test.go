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
