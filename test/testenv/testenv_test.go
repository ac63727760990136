package testenv

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// recorder stands in for a test, recording how Missing ended it; the real
// Skipf and Fatalf would end this test instead.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = fmt.Sprintf(format, args...) }

func TestMissing(t *testing.T) {
	cases := []struct {
		ci, require string
		fail        bool
		why         string
	}{
		{"", "", false, ""},
		{"false", "", false, ""},
		{"no", "", false, ""}, // not a boolean: not a CI that asks for servers
		{"true", "", true, "CI=true"},
		{"1", "", true, "CI=1"},
		{"", "1", true, "MGW_REQUIRE_SERVERS=1"},
		{"false", "yes", true, "MGW_REQUIRE_SERVERS=yes"},
	}
	for _, c := range cases {
		t.Run("CI="+c.ci+",MGW_REQUIRE_SERVERS="+c.require, func(t *testing.T) {
			t.Setenv("CI", c.ci)
			t.Setenv("MGW_REQUIRE_SERVERS", c.require)
			r := &recorder{TB: t}
			Missing(r, "versitygw at 127.0.0.1:7070", errors.New("connection refused"))
			if c.fail {
				if r.failed == "" || r.skipped != "" {
					t.Fatalf("failed %q, skipped %q: want a failure", r.failed, r.skipped)
				}
				for _, s := range []string{"versitygw at 127.0.0.1:7070", "connection refused", "fails rather than skips because " + c.why} {
					if !strings.Contains(r.failed, s) {
						t.Errorf("failure %q lacks %q", r.failed, s)
					}
				}
				return
			}
			if r.skipped == "" || r.failed != "" {
				t.Fatalf("failed %q, skipped %q: want a skip", r.failed, r.skipped)
			}
			for _, s := range []string{"versitygw at 127.0.0.1:7070", "connection refused"} {
				if !strings.Contains(r.skipped, s) {
					t.Errorf("skip %q lacks %q", r.skipped, s)
				}
			}
		})
	}
}
