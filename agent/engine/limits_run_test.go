package engine

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
)

// TestRunnerBandwidthWholeJob copies small files (one request each), a
// large one streamed to a folder and a large one in parallel parts to OSS,
// all under one limit: what the job reads from the source, over the
// simulated time it took, stays within 5% of the limit.
func TestRunnerBandwidthWholeJob(t *testing.T) {
	srv := ossServer(t, "limited")
	for _, tc := range []struct {
		name string
		dst  func(t *testing.T) connectors.Address
	}{
		{"to a folder (small files, stream)", func(t *testing.T) connectors.Address {
			return connectors.Address{Name: "dst", Type: "local", Path: t.TempDir()}
		}},
		{"to OSS (small files, multipart)", func(t *testing.T) connectors.Address {
			a := ossAddr(srv, "dst", "limited")
			a.Prefix = t.Name() + "/"
			return a
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
			job := &config.Settings{Name: "limited", Mode: config.ModeOnce, Overwrite: config.OverwriteAlways, Concurrency: 4, Retries: retries,
				RetryBackoff: time.Millisecond, Limits: config.Limits{MaxBandwidth: bw}}
			srcAddr, dstAddr := connectors.Address{Name: "src", Type: "local", Path: src}, tc.dst(t)
			ctx := context.Background()
			r, _ := newTestRunner(t, job, srcAddr, dstAddr)
			start := time.Date(2026, 11, 23, 3, 0, 0, 0, time.Local) // a Monday night
			clk := pace.NewManualClock(start)
			r.limits = pace.NewLimiter(job.Limits, clk)
			run, err := r.Run(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if run.FilesCopied != 21 || run.BytesCopied != total {
				t.Fatalf("copied %d files, %d bytes; want 21, %d (failed: %v)", run.FilesCopied, run.BytesCopied, total, run.FailedBy)
			}
			if rate := float64(total) / clk.Now().Sub(start).Seconds(); rate < bw*0.95 || rate > bw*1.05 {
				t.Errorf("bytes/s of the job %.0f, want %d within 5%%", rate, bw)
			}
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
