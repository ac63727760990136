// Package testenv holds the one rule for a test whose server or device is
// missing on this machine: skip it, except where the test scripts promised
// to provide it (CI=true, or MGW_REQUIRE_SERVERS set by test/run-tests.sh),
// where a skip would hide a broken setup and so the test fails instead.
// Tests of every package ask here rather than reading the variables
// themselves, so the rule and its message are the same everywhere.
package testenv

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// Required reports whether a missing server fails the test rather than
// skips it, and names the setting that says so ("" when it does not).
func Required() (bool, string) {
	if v := os.Getenv("MGW_REQUIRE_SERVERS"); v != "" {
		return true, "MGW_REQUIRE_SERVERS=" + v
	}
	// CI services set CI=true; ParseBool also takes 1 and TRUE, which some use.
	if v := os.Getenv("CI"); v != "" {
		if ci, err := strconv.ParseBool(v); err == nil && ci {
			return true, "CI=" + v
		}
	}
	return false, ""
}

// Missing ends the test because what it needs is missing: what names the
// server or device (and where it should come from), err says what failed.
// It skips the test, or fails it when Required, saying why it fails
// instead of skipping. It does not return.
func Missing(t testing.TB, what string, err error) {
	t.Helper()
	if req, why := Required(); req {
		t.Fatalf("%s: unavailable: %v\n"+
			"this fails rather than skips because %s: the test scripts (make test, test/servers/*.sh) install and start every server the tests need, so a missing one is a broken setup, not an optional test",
			what, err, why)
		return // Fatalf does not return; a stand-in for t in a test may
	}
	t.Skipf("%s: unavailable, skipped (set MGW_REQUIRE_SERVERS=1 to fail instead): %v", what, err)
}

// FUSE ends the test through Missing unless /dev/fuse opens for reading
// and writing, which mounting needs; test/servers/fuse.sh provides it.
func FUSE(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile("/dev/fuse", os.O_RDWR, 0)
	if err != nil {
		Missing(t, "FUSE (/dev/fuse; test/servers/fuse.sh installs it)", err)
		return
	}
	f.Close()
}

// WaitUntil polls cond until it holds. The deadline only bounds a
// failure (a test that hangs), never decides a success.
func WaitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Repeats is how many times a loop test repeats its job: short in make
// test, which must stay well inside CI's time limit, long when
// MGW_TEST_LONG is set (make test-long), where a rare failure has room
// to show.
func Repeats(short, long int) int {
	if Long() {
		return long
	}
	return short
}

// Long reports whether the long variants run (MGW_TEST_LONG, set by make
// test-long): loops repeat more, faults last longer.
func Long() bool { return os.Getenv("MGW_TEST_LONG") != "" }
