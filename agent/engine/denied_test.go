package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// deniedRig is a one-shot job from a folder to the OSS test server whose
// destination keys are revoked before it starts.
type deniedRig struct {
	srv   *osstest.Server
	r     *Runner
	st    *state.Store
	files int
}

func newDeniedRig(t *testing.T, pause bool, probe time.Duration) *deniedRig {
	t.Helper()
	srv := ossServer(t, "denied")
	src := t.TempDir()
	g := &deniedRig{srv: srv, files: 60}
	for i := range g.files {
		if err := os.WriteFile(filepath.Join(src, fmt.Sprintf("f%02d", i)), []byte(strings.Repeat("x", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	retries := 5
	job := &config.Settings{Name: "denied", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 8, Retries: retries,
		RetryBackoff: time.Millisecond}
	srcAddr := connectors.Address{Name: "src", Type: "local", Path: src}
	dstAddr := ossAddr(srv, "dst", "denied")
	g.r, g.st = newTestRunner(t, job, srcAddr, dstAddr)
	g.r.PauseOnDenied = pause
	g.r.access = newAccessHold(probe, probe)
	srv.Deny("denied", "f")
	return g
}

// run starts the job and returns where its result will arrive.
func (g *deniedRig) run() chan error {
	done := make(chan error, 1)
	go func() {
		_, err := g.r.Run(context.Background())
		done <- err
	}()
	return done
}

func (g *deniedRig) failures(t *testing.T) int {
	n := 0
	if err := g.st.Failures("denied", func(path string, f state.Failure) error {
		t.Logf("failed: %s", state.FailedLine(path, f))
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func (g *deniedRig) waitPaused(t *testing.T) {
	t.Helper()
	var st Status
	testenv.WaitUntil(t, "the job paused", func() bool { st = g.r.Status(); return st.State == "paused" })
	if st.Code != codes.ProviderAccessDenied || !strings.HasPrefix(st.Reason, "destination refused 20 requests in a row") {
		t.Fatalf("paused with %s %q, want ProviderAccessDenied on the destination", st.Code, st.Reason)
	}
	if n := g.failures(t); n != 0 {
		t.Fatalf("%d files failed while the job paused, want none", n)
	}
}

func (g *deniedRig) allCopied(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if n := g.failures(t); n != 0 {
		t.Fatalf("%d files failed", n)
	}
	for i := range g.files {
		if b, _, ok := g.srv.Object("denied", fmt.Sprintf("f%02d", i)); !ok || len(b) != i {
			t.Fatalf("f%02d: at the destination %v with %d bytes, want %d", i, ok, len(b), i)
		}
	}
}

// TestDeniedStormPausesUntilRetry: keys revoked mid-job pause it with
// ProviderAccessDenied instead of failing every file; `mgw job retry`
// (Runner.Retry) resumes it and every file is copied.
func TestDeniedStormPausesUntilRetry(t *testing.T) {
	g := newDeniedRig(t, true, time.Hour)
	done := g.run()
	g.waitPaused(t)
	g.srv.Allow("denied", "f")
	g.r.Retry()
	g.allCopied(t, <-done)
	if g.r.Held() {
		t.Fatal("still held after the run")
	}
}

// TestDeniedStormProbesAndResumesByItself: with access restored and no
// retry, a probe finds it and the job finishes; while still refused, each
// probe holds the job again and fails nothing.
func TestDeniedStormProbesAndResumesByItself(t *testing.T) {
	g := newDeniedRig(t, true, time.Millisecond)
	done := g.run()
	g.waitPaused(t)
	probed := g.srv.Count("PutObject", "")
	testenv.WaitUntil(t, "a probe refused again", func() bool { return g.srv.Count("PutObject", "") > probed && g.r.Held() })
	if n := g.failures(t); n != 0 {
		t.Fatalf("%d files failed across probes, want none", n)
	}
	g.srv.Allow("denied", "f")
	g.allCopied(t, <-done)
}

// TestDeniedStormStopsOneShotRun: `mgw run` has nobody to resume it, so
// the storm ends the run with ProviderAccessDenied.
func TestDeniedStormStopsOneShotRun(t *testing.T) {
	g := newDeniedRig(t, false, time.Hour)
	err := <-g.run()
	var je *JobError
	if !errors.As(err, &je) || je.Code != codes.ProviderAccessDenied || !strings.Contains(je.Error(), "destination refused") {
		t.Fatalf("run ended with %v, want ProviderAccessDenied on the destination", err)
	}
}

// TestDeniedOneFileFailsAlone: one private file among many is that file's
// failure (DestAccessDenied), not a pause of the job.
func TestDeniedOneFileFailsAlone(t *testing.T) {
	g := newDeniedRig(t, true, time.Hour)
	g.srv.Allow("denied", "f")
	g.srv.Deny("denied", "f05")
	if err := <-g.run(); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := g.st.Failures("denied", func(path string, f state.Failure) error {
		got = append(got, path+" "+f.Code)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "f05 "+codes.DestAccessDenied {
		t.Fatalf("failed: %v, want only f05 with DestAccessDenied", got)
	}
}

// TestHoldAfterRetryIgnored: an answer to a request sent before `mgw job
// retry` ended a hold does not hold the job again (it would undo the
// retry, and with an hour's probe leave the job stopped); one sent after
// it does.
func TestHoldAfterRetryIgnored(t *testing.T) {
	h := newAccessHold(time.Hour, time.Hour)
	before, err := h.wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !h.hold("StateDiskFull", "full", before, func() {}) {
		t.Fatal("the first refusal did not hold")
	}
	h.resume()
	if h.hold("StateDiskFull", "full", before, func() {}) {
		t.Fatal("a refusal met before the retry held the job again")
	}
	if code, _ := h.status(); code != "" {
		t.Fatalf("held with %s after the retry, want not held", code)
	}
	after, err := h.wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !h.hold("StateDiskFull", "full", after, func() {}) {
		t.Fatal("a refusal met after the retry did not hold")
	}
	h.resume()
}
