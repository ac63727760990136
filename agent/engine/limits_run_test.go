package engine

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// TestRunnerBandwidthWholeJob copies small files (one request each), a
// large one streamed to a folder and a large one in parallel parts to OSS,
// all under one limit: what the job reads from the source, over the
// simulated time it took, stays within 5% of the limit.
func TestRunnerBandwidthWholeJob(t *testing.T) {
	srv := osstest.NewServer(osstest.Config{AccessKeyID: "LTAI5tLimitKey", AccessKeySecret: "limit-secret", Region: "cn-hangzhou", Buckets: []string{"limited"}})
	t.Cleanup(srv.Close)
	for _, tc := range []struct {
		name string
		dst  func(t *testing.T) *AddressConfig
	}{
		{"to a folder (small files, stream)", func(t *testing.T) *AddressConfig {
			return &AddressConfig{Name: "dst", Type: "local", Path: t.TempDir()}
		}},
		{"to OSS (small files, multipart)", func(t *testing.T) *AddressConfig {
			return &AddressConfig{Name: "dst", Type: "oss", Endpoint: srv.URL(), Region: "cn-hangzhou", Bucket: "limited",
				Prefix: t.Name() + "/", PathStyle: true, AccessKeyID: "LTAI5tLimitKey", AccessKeySecret: "limit-secret"}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := t.TempDir()
			var total int64
			for i := range 20 {
				total += writeFile(t, filepath.Join(src, fmt.Sprintf("small-%02d", i)), 100<<10)
			}
			total += writeFile(t, filepath.Join(src, "large"), singlePutMax+3<<20)
			const bw = 1 << 20
			retries := 1
			job := &JobConfig{Name: "limited", Mode: ModeOnce, Overwrite: OverwriteAlways, Concurrency: 4, Retries: &retries,
				RetryBackoff: Duration(time.Millisecond), Limits: Limits{MaxBandwidth: bw}}
			srcAddr, dstAddr := &AddressConfig{Name: "src", Type: "local", Path: src}, tc.dst(t)
			ctx := context.Background()
			r, _ := newTestRunner(t, job, srcAddr, dstAddr)
			clk := &fakeClock{now: monday(3, 0)}
			r.limits = newLimiter(job.Limits, clk)
			run, err := r.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.FilesCopied != 21 || run.BytesCopied != total {
				t.Fatalf("copied %d files, %d bytes; want 21, %d (failed: %v)", run.FilesCopied, run.BytesCopied, total, run.FailedBy)
			}
			within(t, "bytes/s of the job", float64(total)/clk.Now().Sub(monday(3, 0)).Seconds(), bw, 0.05)
		})
	}
}

func writeFile(t *testing.T, path string, size int) int64 {
	t.Helper()
	if err := os.WriteFile(path, bytes.Repeat([]byte{'x'}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	return int64(size)
}

const limitsConfig = `
state_dir: state
addresses:
  - {name: src, type: local, path: src}
  - {name: dst, type: local, path: dst}
jobs:
  - name: follow
    source: src
    destination: dst
    mode: continuous
    concurrency: %d
    limits:
      max_bandwidth: %s
      max_qps: 500
      schedule:
        - days: mon-fri
          hours: 09-18
          max_bandwidth: 20MiB
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
	parse := func(concurrency int, bw string) *Config {
		cfg, err := ParseConfig(path, fmt.Appendf(nil, limitsConfig, concurrency, bw))
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
	waitUntil(t, "the job's runner", func() bool { return a.runner("follow") != nil })
	r := a.runner("follow")
	before, _ := a.JobInfo("follow")

	a.Reload(parse(4, "50MiB"))
	after, _ := a.JobInfo("follow")
	if a.runner("follow") != r || !after.Started.Equal(before.Started) || after.State != JobRunning {
		t.Fatalf("a limits-only reload restarted the job (state %s)", after.State)
	}
	want := ByteSize(50 << 20)
	if now := time.Now(); now.Weekday() >= time.Monday && now.Weekday() <= time.Friday && now.Hour() >= 9 && now.Hour() < 18 {
		want = 20 << 20
	}
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
	waitUntil(t, "the restarted job's runner", func() bool { nr := a.runner("follow"); return nr != nil && nr != r })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLimitsConfigErrors(t *testing.T) {
	cfg := `addresses:
  - {name: src, type: local, path: /a}
  - {name: dst, type: local, path: /b}
jobs:
  - name: job
    source: src
    destination: dst
    limits:
      max_bandwidth: 1KiB
      max_qps: -1
      burst: 3
      schedule:
        - days: mon-fry
          hours: 09-25
          max_bandwidth: 1MiB
        - days: sat
`
	_, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(cfg))
	if err == nil {
		t.Fatal("accepted")
	}
	got := err.Error()
	t.Log(got)
	for _, want := range []string{
		"/etc/mgw/mgw.yaml:11 jobs[0].limits.burst: unknown field",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q", want)
		}
	}
	// Unknown fields stop parsing before validation: the rest in a second go.
	cfg = strings.Replace(cfg, "      burst: 3\n", "", 1)
	_, err = ParseConfig("/etc/mgw/mgw.yaml", []byte(cfg))
	if err == nil {
		t.Fatal("accepted")
	}
	got = err.Error()
	t.Log(got)
	for _, want := range []string{
		"/etc/mgw/mgw.yaml:9 jobs[0].limits.max_bandwidth: 1.0 KiB is below the minimum",
		"/etc/mgw/mgw.yaml:10 jobs[0].limits.max_qps: must be between",
		"/etc/mgw/mgw.yaml:12 jobs[0].limits.schedule[0].days: \"mon-fry\"",
		"/etc/mgw/mgw.yaml:13 jobs[0].limits.schedule[0].hours: \"09-25\"",
		"/etc/mgw/mgw.yaml:15 jobs[0].limits.schedule[1].max_bandwidth: a schedule window needs",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q", want)
		}
	}
	if !strings.Contains(got, codes.BadParameters) {
		t.Errorf("no catalogue code in %q", got)
	}
}

func TestLimitsConfigGood(t *testing.T) {
	dir := t.TempDir()
	cfg, err := ParseConfig(filepath.Join(dir, "mgw.yaml"), fmt.Appendf(nil, limitsConfig, 4, "200MiB"))
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Job("follow").Limits
	if l.MaxBandwidth != 200<<20 || l.MaxQPS != 500 || len(l.Schedule) != 1 {
		t.Fatalf("limits %+v", l)
	}
	if bw, _ := l.At(int(time.Wednesday), 12); bw != 20<<20 {
		t.Errorf("Wednesday noon: %d", bw)
	}
	if bw, _ := l.At(int(time.Sunday), 12); bw != 200<<20 {
		t.Errorf("Sunday noon: %d", bw)
	}
	text := cfg.Job("follow").Text()
	if want := "limits: max_bandwidth 200 MiB/s, max_qps 500; mon-fri 09-18: max_bandwidth 20 MiB/s, max_qps 500\n"; !strings.Contains(text, want) {
		t.Errorf("job config text:\n%s\nwant a line %q", text, want)
	}
}

func TestNoLimitsNoLine(t *testing.T) {
	cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte("addresses:\n  - {name: src, type: local, path: /a}\n  - {name: dst, type: local, path: /b}\njobs:\n  - {name: job, source: src, destination: dst}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if text := cfg.Job("job").Text(); strings.Contains(text, "limits") {
		t.Errorf("a job without limits shows them:\n%s", text)
	}
}
