package agent

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/test/testenv"
)

// reloadConfig is a continuous job with limits (the schedule is
// config's to test: here the limit in force is always max_bandwidth).
const reloadConfig = `state_dir: state
addresses: [{name: src, type: local, path: src}, {name: dst, type: local, path: dst}]
jobs: [{name: follow, source: src, destination: dst, mode: continuous, concurrency: %d, limits: {max_bandwidth: %s, max_qps: 500}}]
`

// TestReloadAppliesLimitsWithoutRestart runs a continuous job in an agent
// and reloads: a change of limits only reaches the running job (same
// runner, same start), any other change restarts it.
func TestReloadAppliesLimitsWithoutRestart(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"src", "dst"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "mgw.yaml")
	parse := func(concurrency int, bw string) *config.Config {
		cfg, err := config.ParseConfig(path, fmt.Appendf(nil, reloadConfig, concurrency, bw))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	st, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := NewAgent(parse(4, "200MiB"), st, slog.New(slog.NewTextHandler(io.Discard, nil)), "test")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	testenv.WaitUntil(t, "the job's runner", func() bool { return a.runner("follow") != nil })
	r := a.runner("follow")
	before, _ := a.JobInfo("follow")

	a.Reload(parse(4, "50MiB"))
	after, _ := a.JobInfo("follow")
	if a.runner("follow") != r || !after.Started.Equal(before.Started) || after.State != JobRunning {
		t.Fatalf("a limits-only reload restarted the job (state %s)", after.State)
	}
	want := config.ByteSize(50 << 20)
	if bw, qps := r.CurrentLimits(); bw != want || qps != 500 {
		t.Errorf("limits in force %d, %g; want %d, 500", bw, qps, want)
	}
	var metrics strings.Builder
	if err := a.WriteMetrics(&metrics); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		fmt.Sprintf(`mgw_limit_bytes_per_second{job="follow"} %s`, strconv.FormatFloat(float64(want), 'g', -1, 64)),
		`mgw_limit_requests_per_second{job="follow"} 500`,
	} {
		if !strings.Contains(metrics.String(), line+"\n") {
			t.Errorf("metrics lack %q", line)
		}
	}

	a.Reload(parse(8, "50MiB"))
	testenv.WaitUntil(t, "the restarted job's runner", func() bool { nr := a.runner("follow"); return nr != nil && nr != r })
}
