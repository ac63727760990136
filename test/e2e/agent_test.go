package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/test/testenv"
)

// running is mgw started in the background on a setup's config: `mgw
// agent`, or a continuous `mgw run`.
type running struct {
	c      *exec.Cmd
	out    bytes.Buffer // stdout and stderr
	exited chan error
}

// start runs mgw with args in the background; at the test's end it is
// killed if it still runs.
func (s *setup) start(t *testing.T, args ...string) *running {
	t.Helper()
	a := &running{c: s.cmd(args...), exited: make(chan error, 1)}
	a.c.Stdout, a.c.Stderr = &a.out, &a.out
	if err := a.c.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { a.exited <- a.c.Wait() }()
	t.Cleanup(func() {
		if a.c.ProcessState == nil {
			a.c.Process.Kill()
			<-a.exited
		}
	})
	return a
}

func startAgent(t *testing.T, s *setup) *running {
	t.Helper()
	a := s.start(t, "agent")
	sock := filepath.Join(s.state, "mgw.sock")
	eventually(t, "the control socket", func() bool { _, err := os.Stat(sock); return err == nil })
	return a
}

// stop sends SIGTERM and waits for a clean exit.
func (a *running) stop(t *testing.T) {
	t.Helper()
	a.c.Process.Signal(syscall.SIGTERM)
	if err := <-a.exited; err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, a.out.String())
	}
}

// eventually polls cond until it holds; the deadline bounds a failure only.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyElse(t, what, cond, func() string { return "" })
}

// eventuallyElse is eventually, whose failure also says what explain
// tells of the state it timed out in.
func eventuallyElse(t *testing.T, what string, cond func() bool, explain func() string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\n%s", what, explain())
		}
		time.Sleep(10 * time.Millisecond) // polling observable state
	}
}

// jobState is the STATE column of `mgw job list` for a job.
func (s *setup) jobState(t *testing.T, name string) string {
	t.Helper()
	r := s.mgw(t, "job", "list")
	wantExit(t, r, 0)
	for _, l := range lines(r.stdout)[1:] {
		f := strings.Fields(l)
		if f[0] == name {
			return strings.Join(f[4:], " ")
		}
	}
	t.Fatalf("job %s not in mgw job list:\n%s", name, r.stdout)
	return ""
}

func TestAgentControlAPI(t *testing.T) {
	srv := newOSS(t)
	s := newSetup(t)
	writeFile(t, filepath.Join(s.src, "a.txt"), []byte("a"))
	writeFile(t, filepath.Join(s.src, "d", "b.txt"), []byte("b"))
	none := ""
	once := newJob("copy-once", "src", "dst")
	live := newJob("copy-live", "src", "dst2")
	live.Mode, live.Settle = "continuous", "50ms"
	s.writeConfig(t, config{Mount: &none, Addresses: []address{localAddr("src", s.src), ossAddr("dst", srv), localAddr("dst2", filepath.Join(s.dir, "dst2"))},
		Jobs: []job{once, live}})
	os.MkdirAll(filepath.Join(s.dir, "dst2"), 0o755)

	// No agent yet: commands that need one say so with the code.
	r := s.mgw(t, "job", "stop", "copy-live")
	wantExit(t, r, 1)
	wantStderr(t, r, "AgentNotRunning")

	a := startAgent(t, s)
	fi, err := os.Stat(filepath.Join(s.state, "mgw.sock"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	eventually(t, "the one-shot job completed", func() bool { return s.jobState(t, "copy-once") == "completed" })
	eventually(t, "the continuous job synced", func() bool { return s.jobState(t, "copy-live") == "running: synced" })

	// The state is the agent's: read-only commands go through it.
	r = s.mgw(t, "report", "copy-once")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "copied and verified  2") {
		t.Errorf("report through the agent:\n%s", r.stdout)
	}
	r = s.mgw(t, "status")
	wantExit(t, r, 0)
	for _, want := range []string{"copy-once", "completed", "copy-live", "running: synced"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("mgw status lacks %q:\n%s", want, r.stdout)
		}
	}
	wantExit(t, s.mgw(t, "status", "--check"), 0)

	// Wrong transitions and unknown names answer with their codes.
	for _, c := range []struct {
		args []string
		code string
	}{
		{[]string{"job", "start", "copy-live"}, "InvalidJobStatusForCurrentOperation"},
		{[]string{"job", "retry", "nope"}, "JobDoesNotExist"},
		{[]string{"failed", "nope"}, "JobDoesNotExist"},
		{[]string{"address", "verify", "nope"}, "DataAddressNotExists"},
	} {
		r := s.mgw(t, c.args...)
		wantExit(t, r, 2)
		wantStderr(t, r, c.code)
	}
	wantExit(t, s.mgw(t, "job", "stop", "copy-live"), 0)
	if st := s.jobState(t, "copy-live"); st != "stopped" {
		t.Errorf("after stop: %s", st)
	}
	r = s.mgw(t, "job", "stop", "copy-live")
	wantExit(t, r, 2)
	wantStderr(t, r, "InvalidJobStatusForCurrentOperation")
	wantExit(t, s.mgw(t, "job", "start", "copy-live"), 0)
	eventually(t, "restarted", func() bool { return s.jobState(t, "copy-live") == "running: synced" })
	// Retry of a finished one-shot job runs it again.
	writeFile(t, filepath.Join(s.src, "c.txt"), []byte("c"))
	wantExit(t, s.mgw(t, "job", "retry", "copy-once"), 0)
	eventually(t, "the retried run", func() bool {
		_, _, ok := srv.Object(bucket, "c.txt")
		return ok && s.jobState(t, "copy-once") == "completed"
	})

	// Addresses: the secret never shows; verify goes through the agent and
	// its result is listed.
	r = s.mgw(t, "address", "verify", "dst")
	wantExit(t, r, 0)
	r = s.mgw(t, "address", "list")
	wantExit(t, r, 0)
	if !strings.Contains(r.stdout, "dst") || !strings.Contains(r.stdout, "OK at ") || strings.Contains(r.stdout, ossSecret) {
		t.Errorf("address list:\n%s", r.stdout)
	}
	// Another user cannot use the socket.
	c := s.cmd("status")
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	os.Chmod(filepath.Dir(s.dir), 0o755) // t.TempDir's folders are 0700: let nobody in
	os.Chmod(s.dir, 0o755)
	os.Chmod(s.config, 0o644)
	os.Chmod(s.state, 0o755)
	r = runCmd(t, c)
	if r.code == 0 || !strings.Contains(r.stderr, "NoPermission") {
		t.Errorf("nobody ran mgw status against a root agent: %s", r)
	}

	// SIGHUP: a new job starts, a removed one stops.
	third := newJob("copy-third", "src", "dst")
	third.Mode, third.Settle = "continuous", "50ms"
	s.writeConfig(t, config{Mount: &none, Addresses: []address{localAddr("src", s.src), ossAddr("dst", srv), localAddr("dst2", filepath.Join(s.dir, "dst2"))},
		Jobs: []job{once, third}})
	a.c.Process.Signal(syscall.SIGHUP)
	eventually(t, "the new job after SIGHUP", func() bool {
		r := s.mgw(t, "job", "list")
		return strings.Contains(r.stdout, "copy-third") && !strings.Contains(r.stdout, "copy-live")
	})
	a.stop(t)
	if strings.Contains(a.out.String(), ossSecret) {
		t.Error("the agent's log shows the secret")
	}
	// With the agent gone, the state is readable directly again.
	wantExit(t, s.mgw(t, "report", "copy-once"), 0)
	r = s.mgw(t, "status", "--check")
	wantExit(t, r, 1)
}

// TestAgentView mounts the agent's read-only view and reads it as a user
// would: cat, grep, ls; and the same tree in status_dir.
func TestAgentView(t *testing.T) {
	testenv.FUSE(t)
	srv := newOSS(t)
	srv.Deny(bucket, "denied/")
	s := newSetup(t)
	writeFile(t, filepath.Join(s.src, "ok.txt"), []byte("ok"))
	writeFile(t, filepath.Join(s.src, "denied", "tab\there.txt"), []byte("no"))
	mnt := filepath.Join(s.dir, "mnt")
	statusDir := filepath.Join(s.dir, "status")
	j := newJob("photos", "src", "dst")
	r := 0
	j.Retries = &r
	s.writeConfig(t, config{Mount: &mnt, StatusDir: statusDir, Addresses: []address{localAddr("src", s.src), ossAddr("dst", srv)}, Jobs: []job{j}})
	a := startAgent(t, s)
	eventually(t, "the job completed", func() bool { return s.jobState(t, "photos") == "completed" })
	wantExit(t, s.mgw(t, "address", "verify", "dst"), 0)

	failed := filepath.Join(mnt, "jobs", "photos", "failed.txt")
	b, err := exec.Command("cat", failed).Output()
	if err != nil {
		t.Fatalf("cat %s: %v", failed, err)
	}
	cli := s.mgw(t, "failed", "photos")
	wantExit(t, cli, 0)
	if string(b) != cli.stdout || !strings.HasPrefix(string(b), "denied/tab\\there.txt\tDestAccessDenied\t") {
		t.Errorf("failed.txt:\n%q\nmgw failed:\n%q", b, cli.stdout)
	}
	for _, f := range []string{"README", "agent/status", "agent/metrics", "addresses/dst/config", "addresses/dst/check",
		"jobs/photos/status", "jobs/photos/status.json", "jobs/photos/report.txt", "jobs/photos/config", "jobs/photos/errors/DestAccessDenied"} {
		b, err := os.ReadFile(filepath.Join(mnt, f))
		if err != nil || len(b) == 0 {
			t.Errorf("%s: %v (%d bytes)", f, err, len(b))
		}
	}
	metrics, _ := os.ReadFile(filepath.Join(mnt, "agent", "metrics"))
	for _, want := range []string{`mgw_requests_total{job="photos",side="destination",type="oss"}`,
		`mgw_scan_duration_seconds{job="photos"}`, `mgw_files_total{job="photos",outcome="copied"} 1`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("agent/metrics lacks %s:\n%s", want, metrics)
		}
	}
	// The refused file: once, or twice when another file was copied while
	// it waited (the refusal might have predated access coming back).
	if !regexp.MustCompile(`(?m)^mgw_request_errors_total\{job="photos",kind="access-denied",side="destination",type="oss"\} [12]$`).Match(metrics) {
		t.Errorf("agent/metrics lacks the refused file's one or two access-denied requests:\n%s", metrics)
	}
	if out, _ := exec.Command("grep", "-r", "-l", ossSecret, mnt).Output(); len(out) > 0 {
		t.Errorf("the secret is in the view: %s", out)
	}
	if err := os.WriteFile(filepath.Join(mnt, "jobs", "photos", "new"), []byte("x"), 0o644); !errors.Is(err, syscall.EROFS) {
		t.Errorf("write into the view: %v, want EROFS", err)
	}
	// The status dir holds the same failed list.
	eventually(t, "the status dir", func() bool {
		b2, err := os.ReadFile(filepath.Join(statusDir, "jobs", "photos", "failed.txt"))
		return err == nil && string(b2) == string(b)
	})
	a.stop(t)
	if out, _ := exec.Command("findmnt", "-n", mnt).Output(); len(out) > 0 {
		t.Errorf("still mounted after SIGTERM: %s", out)
	}
}
