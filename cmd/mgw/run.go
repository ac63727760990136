package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/continuous"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state"
)

// failedShown is how many failed files `mgw run` prints before pointing at
// `mgw failed` for the rest.
const failedShown = 20

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run JOB",
		Short: "Run a migration job in the foreground (once, or continuously)",
		Long: `Run copies the job's source to its destination once: it scans the source,
skips files the index shows as already copied and unchanged, applies the
job's filters and overwrite policy, copies the rest, verifies each copy and
records it. It prints progress (a status line on a terminal, a log line every
10 seconds otherwise), then the migration report and the failed files.

Ctrl-C (SIGINT) or SIGTERM stops it: uploads in progress are checkpointed and
the next run resumes them. Running it again copies only what changed.

A job with mode: continuous runs the first pass, then keeps the destination
in step with the source until stopped: local folders are watched, other
sources are listed every poll interval, and a full reconcile pass runs every
rescan interval. Its status line shows the state (scanning, migrating,
synced, paused), the queue, transfers in flight, the lag (age of the oldest
change not yet at the destination) and the last full scan.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withState(g, args[0], func(cfg *config.Config, st *state.Store, job *config.JobConfig) error {
				return runJob(cmd.OutOrStdout(), g, cfg, st, job)
			})
		},
	}
}

func runJob(out io.Writer, g *globals, cfg *config.Config, st *state.Store, job *config.JobConfig) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	r, closeAddrs, err := engine.OpenJob(ctx, cfg, job, st, slog.Default())
	if err != nil {
		return withCode(exitConfig, err)
	}
	defer closeAddrs()
	srcAddr, dstAddr := r.SrcAddr, r.DstAddr
	if job.Mode == config.ModeContinuous {
		return syncJob(ctx, r)
	}
	done, shown := make(chan struct{}), make(chan struct{})
	go func() { showProgress(r.Progress, done); close(shown) }()
	run, err := r.Run(ctx)
	close(done)
	<-shown // the last status line comes before the report
	if run == nil {
		return err
	}
	fmt.Fprintln(out)
	if werr := engine.WriteReport(out, run, &srcAddr, &dstAddr); werr != nil {
		return werr
	}
	if run.FilesFailed > 0 {
		fmt.Fprintf(out, "\nFailed files (path, code, message, attempts, last attempt):\n")
		n := 0
		_ = st.Failures(job.Name, func(path string, f state.Failure) error {
			if n++; n > failedShown {
				return errStop
			}
			_, err := io.WriteString(out, engine.FailedLine(path, f))
			return err
		})
		if n > failedShown {
			fmt.Fprintf(out, "... and %d more: mgw failed --config %s %s\n", run.FilesFailed-failedShown, g.config, job.Name)
		}
		fmt.Fprintf(out, "\nEach code is explained by: mgw explain CODE\n")
	}
	var je *engine.JobError
	switch {
	case errors.As(err, &je):
		return withCode(exitConfig, je)
	case ctx.Err() != nil:
		return withCode(exitStopped, fmt.Errorf("interrupted: run it again to resume"))
	case err != nil:
		return err
	case run.FilesFailed > 0:
		return withCode(exitFailures, fmt.Errorf("failed files: %d (mgw failed --config %s %s)", run.FilesFailed, g.config, job.Name))
	}
	return nil
}

var errStop = errors.New("stop")

// syncJob runs a continuous job until Ctrl-C or SIGTERM, which end it
// cleanly (exit 0): that is how a continuous job is meant to stop.
func syncJob(ctx context.Context, r *engine.Runner) error {
	j := continuous.New(r)
	done, shown := make(chan struct{}), make(chan struct{})
	go func() { showStatus(j.Status, done); close(shown) }()
	err := j.Run(ctx)
	close(done)
	<-shown
	var je *engine.JobError
	if errors.As(err, &je) {
		return withCode(exitConfig, je)
	}
	return err
}

// showStatus shows a continuous job's status line.
func showStatus(status func() engine.Status, done <-chan struct{}) {
	show(done, func() string { return syncLine(status()) }, func() {
		s := status()
		slog.Info("status", "state", s.State, "code", s.Code, "queued", s.Progress.FilesQueued,
			"queued_bytes", s.Progress.BytesQueued, "in_flight", s.Progress.InFlight,
			"lag", s.Lag.Round(time.Millisecond).String(), "last_scan", s.LastScan.Format(time.RFC3339),
			"copied", s.Progress.FilesCopied, "deleted", s.Progress.Deleted, "failed", s.Progress.FilesFailed,
			"watch", s.Watch)
	})
}

// showProgress shows a one-shot run's progress.
func showProgress(p *engine.Progress, done <-chan struct{}) {
	show(done, func() string { return statusLine(p.Snapshot()) }, func() {
		s := p.Snapshot()
		slog.Info("progress", "scanned", s.FilesScanned, "copied", s.FilesCopied, "to_copy", s.FilesToCopy,
			"bytes", s.BytesCopied, "bytes_to_copy", s.BytesToCopy, "rate_bps", int64(s.Rate),
			"unchanged", s.FilesUnchanged, "skipped", s.FilesSkipped, "failed", s.FilesFailed)
	})
}

// show prints line as a status line on a terminal (4 times a second, and
// once more at the end), or calls logLine every 10 seconds when stdout is
// a file or pipe, until done closes.
func show(done <-chan struct{}, line func() string, logLine func()) {
	tty := isTerminal(os.Stdout)
	every := 10 * time.Second
	if tty {
		every = 250 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			if tty {
				fmt.Fprintf(os.Stdout, "\r%s\n", line())
			}
			return
		case <-t.C:
			if tty {
				fmt.Fprintf(os.Stdout, "\r%s\x1b[K", line())
			} else {
				logLine()
			}
		}
	}
}
