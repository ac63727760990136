package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReloadLimitsInPlace edits a running continuous job's limits and runs
// mgw reload: the job goes on without a restart, its config shows the new
// limits; a broken config is refused and the agent keeps the one it runs.
func TestReloadLimitsInPlace(t *testing.T) {
	s := newSetup(t)
	dst := filepath.Join(s.dir, "dst")
	status := filepath.Join(s.dir, "status")
	writeFile(t, filepath.Join(s.src, "a.txt"), []byte("a"))
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(bw string) {
		writeFile(t, s.config, fmt.Appendf(nil, `state_dir: %s
mount: ""
status_dir: %s
addresses:
  - {name: src, type: local, path: %s}
  - {name: dst, type: local, path: %s}
jobs:
  - name: follow
    source: src
    destination: dst
    mode: continuous
    settle: 50ms
    limits:
      max_bandwidth: %s
      schedule:
        - {days: sat-sun, max_qps: 100}
`, s.state, status, s.src, dst, bw))
	}
	write("10MiB")
	a := startAgent(t, s)
	cfgFile := filepath.Join(status, "jobs", "follow", "config")
	eventually(t, "the job's config in status_dir", func() bool {
		b, _ := os.ReadFile(cfgFile)
		return strings.Contains(string(b), "max_bandwidth 10 MiB/s")
	})
	eventually(t, "a.txt copied", func() bool { _, err := os.Stat(filepath.Join(dst, "a.txt")); return err == nil })

	write("50MiB")
	r := s.mgw(t, "reload")
	wantExit(t, r, 0)
	eventually(t, "the new limits in the job's config", func() bool {
		b, _ := os.ReadFile(cfgFile)
		return strings.Contains(string(b), "max_bandwidth 50 MiB/s")
	})
	// Still the same run of the job: it copies new files without a new pass.
	writeFile(t, filepath.Join(s.src, "b.txt"), []byte("b"))
	eventually(t, "b.txt copied after the reload", func() bool { _, err := os.Stat(filepath.Join(dst, "b.txt")); return err == nil })

	writeFile(t, s.config, []byte("jobs: [\n"))
	r = s.mgw(t, "reload")
	wantExit(t, r, 2)
	write("50MiB")
	if st := s.jobState(t, "follow"); !strings.HasPrefix(st, "running") {
		t.Errorf("job %s after a refused reload", st)
	}
	a.stop(t)
	log := a.out.String()
	if !strings.Contains(log, `"restarted or started"=0`) {
		t.Errorf("a limits-only reload restarted the job:\n%s", log)
	}
	if strings.Contains(log, `"restarted or started"=1`) {
		t.Errorf("the job was restarted:\n%s", log)
	}
}
