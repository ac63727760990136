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

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/state"
)

// failedShown is how many failed files `mgw run` prints before pointing at
// `mgw failed` for the rest.
const failedShown = 20

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run JOB",
		Short: "Run a migration job once, in the foreground",
		Long: `Run copies the job's source to its destination once: it scans the source,
skips files the index shows as already copied and unchanged, applies the
job's filters and overwrite policy, copies the rest, verifies each copy and
records it. It prints progress (a status line on a terminal, a log line every
10 seconds otherwise), then the migration report and the failed files.

Ctrl-C (SIGINT) or SIGTERM stops it: uploads in progress are checkpointed and
the next run resumes them. Running it again copies only what changed.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withState(g, args[0], func(cfg *agent.Config, st *state.Store, job *agent.JobConfig) error {
				return runJob(cmd.OutOrStdout(), g, cfg, st, job)
			})
		},
	}
}

func runJob(out io.Writer, g *globals, cfg *agent.Config, st *state.Store, job *agent.JobConfig) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	srcAddr, dstAddr := cfg.Address(job.Source), cfg.Address(job.Destination)
	src, err := agent.OpenAddress(ctx, srcAddr)
	if err != nil {
		return withCode(exitConfig, codeError(agent.AddressCode(agent.Source, srcAddr.CodeType(), err), err.Error()))
	}
	defer src.Close()
	dst, err := agent.OpenAddress(ctx, dstAddr)
	if err != nil {
		return withCode(exitConfig, codeError(agent.AddressCode(agent.Destination, dstAddr.CodeType(), err), err.Error()))
	}
	defer dst.Close()

	r := &agent.Runner{Job: job, SrcAddr: srcAddr, DstAddr: dstAddr, Src: src, Dst: dst, Store: st,
		Log: slog.Default(), Progress: &agent.Progress{}}
	done, shown := make(chan struct{}), make(chan struct{})
	go func() { showProgress(r.Progress, done); close(shown) }()
	run, err := r.Run(ctx)
	close(done)
	<-shown // the last status line comes before the report
	if run == nil {
		return err
	}
	fmt.Fprintln(out)
	if werr := agent.WriteReport(out, run, srcAddr, dstAddr); werr != nil {
		return werr
	}
	if run.FilesFailed > 0 {
		fmt.Fprintf(out, "\nFailed files (path, code, message, attempts, last attempt):\n")
		n := 0
		_ = st.Failures(job.Name, func(path string, f state.Failure) error {
			if n++; n > failedShown {
				return errStop
			}
			_, err := io.WriteString(out, agent.FailedLine(path, f))
			return err
		})
		if n > failedShown {
			fmt.Fprintf(out, "... and %d more: mgw failed --config %s %s\n", run.FilesFailed-failedShown, g.config, job.Name)
		}
		fmt.Fprintf(out, "\nEach code is explained by: mgw explain CODE\n")
	}
	var je *agent.JobError
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

// showProgress prints a status line on a terminal, or a log line every 10
// seconds when stdout is a file or pipe, until done closes.
func showProgress(p *agent.Progress, done <-chan struct{}) {
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
				fmt.Fprintf(os.Stdout, "\r%s\n", statusLine(p.Snapshot()))
			}
			return
		case <-t.C:
			s := p.Snapshot()
			if tty {
				fmt.Fprintf(os.Stdout, "\r%s\x1b[K", statusLine(s))
			} else {
				slog.Info("progress", "scanned", s.FilesScanned, "copied", s.FilesCopied, "to_copy", s.FilesToCopy,
					"bytes", s.BytesCopied, "bytes_to_copy", s.BytesToCopy, "rate_bps", int64(s.Rate),
					"unchanged", s.FilesUnchanged, "skipped", s.FilesSkipped, "failed", s.FilesFailed)
			}
		}
	}
}
