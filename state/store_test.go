package state

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

func TestStoreRecords(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const job = "job-1"

	// A failure keeps its first time and adds up attempts.
	if err := s.Fail(job, "a\tb", Failure{Code: "X", Attempts: 2, First: t0, Last: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail(job, "a\tb", Failure{Code: "Y", Attempts: 3, First: t0.Add(time.Hour), Last: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var got []Failure
	_ = s.Failures(job, func(p string, f Failure) error {
		if p != "a\tb" {
			t.Errorf("path %q", p)
		}
		got = append(got, f)
		return nil
	})
	if len(got) != 1 || got[0].Code != "Y" || got[0].Attempts != 5 || !got[0].First.Equal(t0) {
		t.Fatalf("failures %+v", got)
	}

	// MarkDone clears the failure, skip and checkpoint of the path.
	_ = s.SaveUpload(job, "a\tb", Upload{UploadID: "u1"})
	e := FileEntry{Size: 3, ModTime: t0, Inode: 7}
	if err := s.MarkDone(job, "a\tb", e); err != nil {
		t.Fatal(err)
	}
	if f, ok, _ := s.File(job, "a\tb"); !ok || !f.Same(e) {
		t.Errorf("entry %+v %v", f, ok)
	}
	if _, ok, _ := s.Upload(job, "a\tb"); ok {
		t.Error("checkpoint survived MarkDone")
	}
	n := 0
	_ = s.Failures(job, func(string, Failure) error { n++; return nil })
	if n != 0 {
		t.Error("failure survived MarkDone")
	}

	// Another job's records are not listed; stale records are dropped.
	_ = s.Skip("job-2", "x", Skip{Reason: "r", At: t0})
	_ = s.Skip(job, "old", Skip{Reason: "r", At: t0})
	_ = s.Skip(job, "new", Skip{Reason: "r", At: t0.Add(2 * time.Hour)})
	if err := s.DropStale(job, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	var skips []string
	_ = s.Skips(job, func(p string, _ Skip) error { skips = append(skips, p); return nil })
	if len(skips) != 1 || skips[0] != "new" {
		t.Errorf("skips %v", skips)
	}

	// Runs are numbered per job and the last one is found.
	for i := 0; i < 3; i++ {
		r := &Run{Job: job, Started: t0}
		if err := s.NewRun(r); err != nil || r.Number != uint64(i+1) {
			t.Fatalf("run %d: %v", r.Number, err)
		}
	}
	if r, ok, _ := s.LastRun(job); !ok || r.Number != 3 {
		t.Errorf("last run %+v", r)
	}
}

func TestStoreLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := Open(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open of a held state: %v, want ErrLocked", err)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	for _, path := range []string{"a/b", "", "bad\xff\x00byte"} {
		kind, job, rest, ok := ParseKey(PathKey(KindFile, "job-1", path))
		if !ok || kind != KindFile || job != "job-1" || rest != path {
			t.Errorf("%q: %c %q %q %v", path, kind, job, rest, ok)
		}
	}
	if _, _, rest, _ := ParseKey(RunKey("j-1", 258)); rest != "\x00\x00\x00\x00\x00\x00\x01\x02" {
		t.Errorf("run key %q", rest)
	}
	if string(RunKey("j-1", 2)) >= string(RunKey("j-1", 10)) {
		t.Error("run keys do not sort numerically")
	}
}

func TestFileEntryBinary(t *testing.T) {
	for _, e := range []FileEntry{
		{},
		{Size: 1 << 40, ModTime: time.Unix(1700000000, 123456789), Ctime: time.Unix(0, 0), Inode: 42,
			ETag: "abc", DestETag: "\"x-2\"", DestCRC64: 1<<64 - 1, CopiedAt: time.Now()},
		{Size: -1, ModTime: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		var got FileEntry
		if err := decode(encode(e), &got); err != nil {
			t.Fatal(err)
		}
		if !got.Same(e) || got.DestETag != e.DestETag || got.DestCRC64 != e.DestCRC64 || !got.CopiedAt.Equal(e.CopiedAt) {
			t.Errorf("round trip %+v -> %+v", e, got)
		}
	}
	var e FileEntry
	full := encode(FileEntry{ETag: "abcdef"})
	if err := decode(full[:len(full)-3], &e); err == nil {
		t.Error("truncated entry decoded without error")
	}
}

func TestFolder(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, p := range []string{"a", "b/x", "b/y", "b/y0", "b/sub/deep/z", "b/sub/w", "b/z", "b0", "c/q"} {
		if err := s.MarkDone("job-1", p, FileEntry{Size: int64(len(p))}); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.MarkDone("job-2", "b/other", FileEntry{})
	list := func(dir string, limit int) []string {
		var names []string
		err := s.Folder("job-1", dir, func(name string, e FileEntry) bool {
			if e.Size != int64(len(dir+name)) {
				t.Errorf("%s%s: size %d", dir, name, e.Size)
			}
			names = append(names, name)
			return len(names) < limit
		})
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	if got := strings.Join(list("b/", 100), ","); got != "x,y,y0,z" {
		t.Errorf("b/: %s", got)
	}
	if got := strings.Join(list("", 100), ","); got != "a,b0" {
		t.Errorf("root: %s", got)
	}
	if got := strings.Join(list("b/", 2), ","); got != "x,y" {
		t.Errorf("b/ limited: %s", got)
	}
	if got := list("nope/", 100); len(got) != 0 {
		t.Errorf("missing folder: %v", got)
	}
}

func TestFilePaths(t *testing.T) {
	s := openTemp(t)
	for _, p := range []string{"a/1", "a/2", "ab", "b/a/1"} {
		if err := s.MarkDone("j", p, FileEntry{Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkDone("other", "a/3", FileEntry{Size: 1}); err != nil {
		t.Fatal(err)
	}
	for prefix, want := range map[string]string{"": "a/1 a/2 ab b/a/1", "a/": "a/1 a/2", "ab": "ab", "c/": ""} {
		var got []string
		if err := s.FilePaths("j", prefix, func(p string) error { got = append(got, p); return nil }); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != want {
			t.Errorf("FilePaths(%q) = %q, want %q", prefix, got, want)
		}
	}
}

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Failures and skips written as JSON by an earlier mgw still read back,
// next to binary ones.
func TestListRecordsJSONAndBinary(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	old, _ := json.Marshal(Failure{Code: "Old", Message: "m1", Attempts: 2, First: t0, Last: t0})
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(PathKey(KindFailure, "job-1", "a"), append([]byte{valueVersion}, old...))
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Fail("job-1", "b", Failure{Code: "New", Message: "m\t2", Attempts: 1, First: t0, Last: t0.Add(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := s.Skip("job-1", "c", Skip{Reason: "destination is newer", At: t0}); err != nil {
		t.Fatal(err)
	}
	var lines []string
	_ = s.Failures("job-1", func(p string, f Failure) error { lines = append(lines, FailedLine(p, f)); return nil })
	_ = s.Skips("job-1", func(p string, k Skip) error { lines = append(lines, SkippedLine(p, k)); return nil })
	want := []string{
		"a\tOld\tm1\t2\t2026-11-26T08:00:00Z\n",
		"b\tNew\tm\\t2\t1\t2026-11-26T08:00:01Z\n",
		"c\tdestination is newer\n",
	}
	if strings.Join(lines, "") != strings.Join(want, "") {
		t.Errorf("lines\n%q\nwant\n%q", lines, want)
	}
}

// Temporary file records: added one by one, dropped by name (names added
// since stay), cleared with the file's done record, kept by Forget.
func TestTemps(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const job = "job-1"
	for _, n := range []string{".f.mgw-tmp-1", ".f.mgw-tmp-2", ".f.mgw-tmp-1"} {
		if err := s.AddTemp(job, "a/f", n); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.TempsOf(job, "a/f"); err != nil || strings.Join(got, ",") != ".f.mgw-tmp-1,.f.mgw-tmp-2" {
		t.Fatalf("TempsOf = %q, %v", got, err)
	}
	if err := s.DropTemps(job, "a/f", []string{".f.mgw-tmp-1"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TempsOf(job, "a/f"); strings.Join(got, ",") != ".f.mgw-tmp-2" {
		t.Errorf("after a drop: %q", got)
	}
	if err := s.Forget(job, "a/f"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.TempsOf(job, "a/f"); len(got) != 1 {
		t.Errorf("Forget dropped the temporary files' record: %q", got)
	}
	if err := s.MarkDone(job, "a/f", FileEntry{Size: 1}); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := s.Temps(job, func(string, Temps) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("after MarkDone: %d records (%v)", n, err)
	}
	_ = s.AddTemp(job, "b", ".b.mgw-tmp-3")
	if err := s.DropTemps(job, "b", []string{".b.mgw-tmp-3"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TempsOf(job, "b"); err != nil {
		t.Fatal(err)
	}
	if err := s.Temps(job, func(string, Temps) error { n++; return nil }); err != nil || n != 0 {
		t.Errorf("the last name dropped left the record (%v)", err)
	}
}
