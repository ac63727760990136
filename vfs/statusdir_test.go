package vfs

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// tree lists every file under dir (slash paths) with its content.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		m[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return sortedCopy(ks)
}

// The status directory holds the same tree, the same bytes, as the mount.
func TestStatusDirWrite(t *testing.T) {
	src := newFakeSource()
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 10, codes.NoPermission, codes.InternalError)
	if err := st.Skip("job-b", "s\tkip", state.Skip{Reason: "destination is newer", At: when}); err != nil {
		t.Fatal(err)
	}
	if err := st.Fail("job-a", "leak", state.Failure{Code: codes.InternalError, Message: "key=" + secret, Attempts: 1, Last: when}); err != nil {
		t.Fatal(err)
	}
	checkFile := filepath.Join(t.TempDir(), "check.txt")
	if err := os.WriteFile(checkFile, []byte("# result  no differences\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	src.checks = map[string]string{"job-a": checkFile}
	dir := filepath.Join(t.TempDir(), "status")
	d := NewStatusDir(dir, src, st)
	if err := d.Write(); err != nil {
		t.Fatal(err)
	}
	got := tree(t, dir)
	if got["jobs/job-a/check.txt"] != "# result  no differences\n" {
		t.Errorf("check.txt = %q, want the agent's file", got["jobs/job-a/check.txt"])
	}
	want := []string{
		"README",
		"addresses/dst/config", "addresses/src/check", "addresses/src/config",
		"agent/metrics", "agent/status",
	}
	for _, j := range []string{"job-a", "job-b"} {
		for _, f := range []string{"check.txt", "config", "failed.txt", "pending.txt", "report.txt", "skipped.txt", "status", "status.json"} {
			want = append(want, "jobs/"+j+"/"+f)
		}
	}
	want = append(want, "jobs/job-a/errors/InternalError", "jobs/job-a/errors/NoPermission")
	if ks := keys(got); !slices.Equal(ks, sortedCopy(want)) {
		t.Fatalf("files %v\nwant %v", ks, sortedCopy(want))
	}
	v := newView(src, st)
	for _, p := range want {
		f, _, ok := v.lookup(p)
		if !ok {
			t.Fatalf("%s not in the view", p)
		}
		var w string
		if f.kind.streamed() {
			r := v.openListSource(f)
			var b bytes.Buffer
			if _, err := b.ReadFrom(&seqReader{r: r}); err != nil {
				t.Fatal(err)
			}
			r.Close()
			w = b.String()
		} else {
			b, err := v.small(f)
			if err != nil {
				t.Fatal(err)
			}
			w = string(b)
		}
		if got[p] != w {
			t.Errorf("%s = %q, want the view's %q", p, got[p], w)
		}
		if strings.Contains(got[p], secret) {
			t.Errorf("%s shows the secret", p)
		}
	}
	if got["jobs/job-b/skipped.txt"] != "s\\tkip\tdestination is newer\n" {
		t.Errorf("skipped.txt = %q", got["jobs/job-b/skipped.txt"])
	}
	fi, err := os.Stat(filepath.Join(dir, "jobs/job-a/status"))
	if err != nil || !fi.ModTime().Equal(src.mtime) {
		t.Errorf("mtime %v (%v), want the Source's %v", fi.ModTime(), err, src.mtime)
	}
}

// Run rewrites the tree at each tick of the caller's ticker: new content,
// a job that left is removed, one that came is written, no temporary file
// stays behind.
func TestStatusDirRun(t *testing.T) {
	src := newFakeSource()
	st := openStore(t)
	dir := t.TempDir()
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	wrote := make(chan error)
	d := NewStatusDir(dir, src, st)
	d.wrote = func(err error) { wrote <- err }
	go func() { done <- d.Run(ctx, tick) }()
	defer func() {
		cancel()
		select { // Run may be reporting a write as it sees the cancel
		case <-wrote:
		default:
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()

	// next waits for Run's next write to end and returns the tree.
	next := func() map[string]string {
		t.Helper()
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		return tree(t, dir)
	}
	if m := next(); m["jobs/job-a/status"] != "state migrating\n" {
		t.Fatalf("first write: status %q", m["jobs/job-a/status"])
	}

	src.set(func(s *fakeSource) {
		s.jobs = []string{"job-a", "job-c"}
		s.text["jobs/job-a/status"] = "state synced\n"
		s.text["jobs/job-c/status"] = "state created\n"
		s.mtime = s.mtime.Add(time.Minute) // the lists changed
	})
	addFailures(t, st, "job-a", "x", 4, codes.NoPermission)
	tick <- time.Now()
	m := next()
	if m["jobs/job-a/status"] != "state synced\n" || m["jobs/job-c/status"] != "state created\n" {
		t.Errorf("second write: job-a %q, job-c %q", m["jobs/job-a/status"], m["jobs/job-c/status"])
	}
	if _, ok := m["jobs/job-b/status"]; ok {
		t.Errorf("job-b left the configuration but its files stay")
	}
	if n := strings.Count(m["jobs/job-a/failed.txt"], "\n"); n != 4 {
		t.Errorf("failed.txt has %d lines, want 4", n)
	}
	if !strings.HasPrefix(m["jobs/job-a/errors/NoPermission"], "# NoPermission: ") {
		t.Errorf("errors/NoPermission = %q", m["jobs/job-a/errors/NoPermission"])
	}

	// The failures are gone: so is errors/NoPermission.
	if err := st.MarkDone("job-a", "x/0000000.dat", state.FileEntry{}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 4; i++ {
		if err := st.Forget("job-a", "x/000000"+string(rune('0'+i))+".dat"); err != nil {
			t.Fatal(err)
		}
	}
	src.set(func(s *fakeSource) { s.mtime = s.mtime.Add(time.Minute) })
	tick <- time.Now()
	m = next()
	if m["jobs/job-a/failed.txt"] != "" {
		t.Errorf("failed.txt still %q", m["jobs/job-a/failed.txt"])
	}
	for k := range m {
		if strings.Contains(k, "errors/") || strings.Contains(filepath.Base(k), ".tmp") {
			t.Errorf("%s stays", k)
		}
	}
}

// Links planted in the status directory (jobs/JOB -> elsewhere, a file
// link) are replaced, never followed, and a directory others could read
// is made its owner's only, as the view is.
func TestStatusDirPlantedLinks(t *testing.T) {
	src := newFakeSource()
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 3, codes.NoPermission)
	dir, elsewhere := filepath.Join(t.TempDir(), "status"), t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "jobs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, "jobs/job-a")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(elsewhere, "README"), filepath.Join(dir, "README")); err != nil {
		t.Fatal(err)
	}
	if err := NewStatusDir(dir, src, st).Write(); err != nil {
		t.Fatal(err)
	}
	if ents, err := os.ReadDir(elsewhere); err != nil || len(ents) != 0 {
		t.Errorf("written outside the status directory: %v (%v)", ents, err)
	}
	got := tree(t, dir)
	if !strings.Contains(got["jobs/job-a/failed.txt"], "NoPermission") || got["README"] == "" {
		t.Errorf("tree after replacing the links: %v", keys(got))
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("status directory mode %v (%v), want 0700", fi.Mode().Perm(), err)
	}
}
