//go:build linux

package vfs

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// mountView mounts the view in a fresh directory, unmounted at cleanup.
func mountView(t *testing.T, src Source, lists Lists) string {
	t.Helper()
	testenv.FUSE(t)
	dir := filepath.Join(t.TempDir(), "mnt")
	unmount, err := Mount(dir, src, lists)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unmount(); err != nil {
			t.Error(err)
		}
	})
	return dir
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return string(out)
}

// The tree holds what the README promises, with the Source's content, its
// mtimes, honest sizes for small files and read-only modes.
func TestMountTree(t *testing.T) {
	src := newFakeSource()
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 3, codes.NoPermission, codes.InternalError)
	checkFile := filepath.Join(t.TempDir(), "check.txt")
	checkText := "# result  1 differences\nmissing\ta\\tb\t\n"
	if err := os.WriteFile(checkFile, []byte(checkText), 0o600); err != nil {
		t.Fatal(err)
	}
	src.checks = map[string]string{"job-a": checkFile}
	mnt := mountView(t, src, st)

	names := func(dir string) []string {
		es, err := os.ReadDir(filepath.Join(mnt, dir))
		if err != nil {
			t.Fatal(err)
		}
		var ns []string
		for _, e := range es {
			ns = append(ns, e.Name())
		}
		return ns
	}
	for dir, want := range map[string][]string{
		"":                  {"README", "addresses", "agent", "jobs"},
		"agent":             {"metrics", "status"},
		"addresses":         {"dst", "src"},
		"addresses/src":     {"check", "config"},
		"addresses/dst":     {"config"}, // never verified: no check
		"jobs":              {"job-a", "job-b"},
		"jobs/job-a":        {"check.txt", "config", "errors", "failed.txt", "pending.txt", "report.txt", "skipped.txt", "status", "status.json"},
		"jobs/job-a/errors": {"InternalError", "NoPermission"},
		"jobs/job-b/errors": nil,
	} {
		if got := names(dir); !slices.Equal(got, want) {
			t.Errorf("ls %s = %v, want %v", dir, got, want)
		}
	}
	for p, want := range src.text {
		got := readFile(t, filepath.Join(mnt, p))
		if strings.Contains(want, secret) {
			want = strings.ReplaceAll(want, secret, "****")
		}
		if got != want {
			t.Errorf("%s = %q, want %q", p, got, want)
		}
		fi, err := os.Stat(filepath.Join(mnt, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Size() != int64(len(want)) || fi.Mode() != 0o444 || !fi.ModTime().Equal(src.mtime) {
			t.Errorf("%s: size %d mode %v mtime %v, want %d, -r--r--r--, %v", p, fi.Size(), fi.Mode(), fi.ModTime(), len(want), src.mtime)
		}
	}
	if got := readFile(t, mnt+"/jobs/job-a/pending.txt"); got != "queued/one\nqueued/tab\\there\n" {
		t.Errorf("pending.txt = %q", got)
	}
	if got := readFile(t, mnt+"/jobs/job-a/check.txt"); got != checkText {
		t.Errorf("check.txt = %q, want the agent's file", got)
	}
	if got := readFile(t, mnt+"/jobs/job-b/check.txt"); !strings.HasPrefix(got, "not checked yet") {
		t.Errorf("check.txt of a job never checked = %q", got)
	}
	if got := readFile(t, mnt+"/README"); !strings.Contains(got, "check.txt") || !strings.Contains(got, "failed.txt") || !strings.Contains(got, `\xHH`) {
		t.Errorf("README does not explain the lists and the escaping rule:\n%s", got)
	}
	if fi, err := os.Stat(mnt + "/jobs"); err != nil || fi.Mode() != fs.ModeDir|0o555 {
		t.Errorf("jobs: %v %v", fi.Mode(), err)
	}
	if got := readFile(t, mnt+"/jobs/job-a/errors/"+codes.OtherReasonError); !strings.HasPrefix(got, "# OtherReasonError: ") {
		t.Errorf("a catalogue code with no failures is not explained: %q", got)
	}
	for _, p := range []string{"jobs/nope", "jobs/job-a/nope", "jobs/job-a/errors/NotACode", "addresses/dst/check", "agent/x"} {
		if _, err := os.Stat(filepath.Join(mnt, p)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("stat %s: %v, want not exist", p, err)
		}
	}

	// Jobs come and go with the Source.
	src.set(func(s *fakeSource) {
		s.jobs = []string{"job-b", "job-c"}
		s.text["jobs/job-c/status"] = "state created\n"
	})
	if got := readFile(t, mnt+"/jobs/job-c/status"); got != "state created\n" {
		t.Errorf("new job's status %q", got)
	}
	if got := names("jobs"); !slices.Equal(got, []string{"job-b", "job-c"}) {
		t.Errorf("ls jobs after the change = %v", got)
	}
}

// failed.txt reads the same with os calls and with cat, less, grep, wc -l,
// tail and cp; and tail -f prints its end and waits.
func TestMountListsWithTools(t *testing.T) {
	st := openStore(t)
	addFailures(t, st, "job-a", "bulk", 6000, codes.NoPermission, codes.InternalError)
	for p := range weirdPaths {
		if err := st.Fail("job-a", p, state.Failure{Code: codes.InternalError, Message: "m", Attempts: 1, Last: when}); err != nil {
			t.Fatal(err)
		}
	}
	n := 6000 + len(weirdPaths)
	want := expectFailed(t, st, "job-a", "")
	wantLines := strings.SplitAfter(want, "\n")
	wantLines = wantLines[:len(wantLines)-1]
	mnt := mountView(t, newFakeSource(), st)
	f := mnt + "/jobs/job-a/failed.txt"

	if got := readFile(t, f); got != want {
		t.Fatalf("os.ReadFile: %d bytes, want %d", len(got), len(want))
	}
	if got := run(t, "cat", f); got != want {
		t.Errorf("cat: %d bytes, want %d", len(got), len(want))
	}
	// less copies its input when its output is not a terminal.
	if got := run(t, "less", f); got != want {
		t.Errorf("less: %d bytes, want %d", len(got), len(want))
	}
	if got := strings.TrimSpace(run(t, "wc", "-l", f)); got != itoa(n)+" "+f {
		t.Errorf("wc -l: %q, want %d lines", got, n)
	}
	if got := strings.TrimSpace(run(t, "grep", "-c", "\tNoPermission\t", f)); got != "3000" {
		t.Errorf("grep -c NoPermission: %s, want 3000", got)
	}
	if got := run(t, "grep", "-F", `back\\slash`, f); got != "dir/back\\\\slash.txt\tInternalError\tm\t1\t2026-11-26T07:30:00Z\n" {
		t.Errorf("grep back\\\\slash: %q", got)
	}
	if got := run(t, "tail", "-n", "3", f); got != strings.Join(wantLines[n-3:], "") {
		t.Errorf("tail -n 3: %q, want %q", got, wantLines[n-3:])
	}
	cp := filepath.Join(t.TempDir(), "copy.txt")
	run(t, "cp", f, cp)
	if got := readFile(t, cp); got != want {
		t.Errorf("cp: %d bytes, want %d", len(got), len(want))
	}
	if got := run(t, "cat", mnt+"/jobs/job-a/errors/NoPermission"); !strings.HasSuffix(got, expectFailed(t, st, "job-a", codes.NoPermission)) {
		t.Errorf("errors/NoPermission does not end with the NoPermission lines")
	}

	// A new failure shows at the next open (no stale spool).
	if err := st.Fail("job-a", "zzz/last", state.Failure{Code: codes.InternalError, Message: "new", Attempts: 1, Last: when}); err != nil {
		t.Fatal(err)
	}
	if got := run(t, "tail", "-n", "1", f); got != "zzz/last\tInternalError\tnew\t1\t2026-11-26T07:30:00Z\n" {
		t.Errorf("after a new failure, tail -n 1: %q", got)
	}
	wantLines = append(wantLines, "zzz/last\tInternalError\tnew\t1\t2026-11-26T07:30:00Z\n")
	n++

	// tail -f prints the last lines, then keeps following without
	// repeating them.
	cmd := exec.Command("tail", "-n", "2", "-f", f)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	br := bufio.NewReader(out)
	for i, wl := range wantLines[n-2:] {
		l, err := br.ReadString('\n')
		if err != nil || l != wl {
			t.Fatalf("tail -f line %d: %q %v, want %q", i, l, err, wl)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Every change fails with EROFS, on files, directories and the root.
func TestMountReadOnly(t *testing.T) {
	st := openStore(t)
	addFailures(t, st, "job-a", "x", 2, codes.NoPermission)
	mnt := mountView(t, newFakeSource(), st)
	file := mnt + "/jobs/job-a/failed.txt"
	small := mnt + "/jobs/job-a/status"
	dir := mnt + "/jobs/job-a"
	ops := map[string]func() error{
		"write existing": func() error { return os.WriteFile(small, []byte("x"), 0o644) },
		"open O_RDWR":    func() error { f, err := os.OpenFile(file, os.O_RDWR, 0); closeIf(f); return err },
		"open O_WRONLY":  func() error { f, err := os.OpenFile(small, os.O_WRONLY, 0); closeIf(f); return err },
		"append":         func() error { f, err := os.OpenFile(small, os.O_WRONLY|os.O_APPEND, 0); closeIf(f); return err },
		"create":         func() error { f, err := os.Create(dir + "/new.txt"); closeIf(f); return err },
		"create at root": func() error { f, err := os.Create(mnt + "/new.txt"); closeIf(f); return err },
		"mkdir":          func() error { return os.Mkdir(dir+"/d", 0o755) },
		"mkdir jobs":     func() error { return os.Mkdir(mnt+"/jobs/job-z", 0o755) },
		"remove file":    func() error { return os.Remove(file) },
		"remove dir":     func() error { return syscall.Rmdir(mnt + "/jobs/job-a/errors") },
		"rename":         func() error { return os.Rename(file, dir+"/moved.txt") },
		"chmod":          func() error { return os.Chmod(small, 0o666) },
		"chmod dir":      func() error { return os.Chmod(dir, 0o777) },
		"chown":          func() error { return os.Chown(small, 1, 1) },
		"chtimes":        func() error { return os.Chtimes(small, time.Now(), time.Now()) },
		"truncate":       func() error { return os.Truncate(file, 0) },
		"symlink":        func() error { return os.Symlink("status", dir+"/link") },
		"hard link":      func() error { return os.Link(small, dir+"/hard") },
		"mknod":          func() error { return syscall.Mknod(dir+"/fifo", syscall.S_IFIFO|0o644, 0) },
		"setxattr":       func() error { return syscall.Setxattr(small, "user.x", []byte("y"), 0) },
		"removexattr":    func() error { return syscall.Removexattr(small, "user.x") },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, syscall.EROFS) {
			t.Errorf("%s: %v, want EROFS", name, err)
		}
	}
	if got := readFile(t, small); got != "state migrating\n" {
		t.Errorf("status changed: %q", got)
	}
}

func closeIf(f *os.File) {
	if f != nil {
		f.Close()
	}
}

// No secret appears anywhere under the mount, though the fake's address
// config and a failure message hold one.
func TestMountNoSecret(t *testing.T) {
	st := openStore(t)
	if err := st.Fail("job-a", "leak.txt", state.Failure{Code: codes.InternalError, Message: "GET https://b.example/?Signature=" + secret, Attempts: 1, Last: when}); err != nil {
		t.Fatal(err)
	}
	if err := st.Skip("job-a", "skip.txt", state.Skip{Reason: "token " + secret, At: when}); err != nil {
		t.Fatal(err)
	}
	mnt := mountView(t, newFakeSource(), st)
	files := 0
	err := filepath.WalkDir(mnt, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s shows the secret", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 20 {
		t.Errorf("walked %d files, want the whole tree", files)
	}
	if got := readFile(t, mnt+"/addresses/dst/config"); !strings.Contains(got, "access_key_secret: ****\n") {
		t.Errorf("config not scrubbed: %q", got)
	}
	if got := readFile(t, mnt+"/jobs/job-a/failed.txt"); !strings.Contains(got, "Signature=****\t") {
		t.Errorf("failed.txt not scrubbed: %q", got)
	}
}
