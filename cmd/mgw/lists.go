package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

func newFailedCmd(g *globals) *cobra.Command {
	var code string
	cmd := &cobra.Command{
		Use:   "failed JOB",
		Short: "List the job's failed files: path, code, message, attempts, last attempt",
		Long: `Failed prints one line per failed file, tab-separated:

  path  code  message  attempts  last attempt (RFC 3339, UTC)

A path holding a tab, newline, carriage return or backslash, a control
character or bytes that are not UTF-8 is escaped: \t \n \r \\ and \xHH, so
every line is one file. mgw explain CODE says what a code means and what to do.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			return listFrom(g, args[0], client.JobPath(args[0], "failed")+queryCode(code), out,
				func(_ *config.Config, st *state.Store, job *config.JobConfig) error {
					return agent.WriteFailed(out, st, job.Name, code)
				})
		},
	}
	cmd.Flags().StringVar(&code, "code", "", "only files failing with this code")
	return cmd
}

func newSkippedCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "skipped JOB",
		Short: "List the files the job deliberately did not copy, and why",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			return listFrom(g, args[0], client.JobPath(args[0], "skipped"), out,
				func(_ *config.Config, st *state.Store, job *config.JobConfig) error {
					return agent.WriteSkipped(out, st, job.Name)
				})
		},
	}
}

func newReportCmd(g *globals) *cobra.Command {
	var fleet bool
	var old time.Duration
	cmd := &cobra.Command{
		Use:   "report JOB",
		Short: "Print the migration report of the job's last run; --fleet: of every shard of the job, from the destination",
		Long: `Report prints the migration report of the job's last run, from the running
agent or the state.

--fleet reads what every shard of a job spread over agents wrote to the
destination under the job's report_prefix (shard-I-of-N/status.json), from
any machine with the config, and merges it: each shard's state, files and
bytes done (copied, adopted from another shard, or unchanged), failed, the
lag of continuous shards, the totals, the failures by code, and the shards
that have not reported or whose last report is older than --old (a one-shot
shard that finished is never old). The shard count is the job's shard.count,
else MGW_SHARDS or --shard's, else the one the newest report names. It exits
3 when a shard is missing or old, a one-shot shard failed or was
interrupted, or a file failed; else 0.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if fleet {
				return fleetReport(cmd.Context(), out, g, args[0], old)
			}
			return listFrom(g, args[0], client.JobPath(args[0], "report"), out,
				func(cfg *config.Config, st *state.Store, job *config.JobConfig) error {
					return apiErr(agent.WriteLastReport(out, st, cfg, job.Name))
				})
		},
	}
	cmd.Flags().BoolVar(&fleet, "fleet", false, "merge the reports every shard of the job wrote to the destination")
	cmd.Flags().DurationVar(&old, "old", 10*time.Minute, "with --fleet: a running shard whose last report is older than this is reported as old")
	return cmd
}

// fleetReport prints the fleet report of job. It needs only the config
// and the destination: no shard index, no state.
func fleetReport(ctx context.Context, out io.Writer, g *globals, name string, old time.Duration) error {
	cfg, err := config.LoadConfig(g.config)
	if err == nil {
		err = cfg.ResolveSecrets() // it reads the destination
	}
	if err != nil {
		return err
	}
	job := cfg.Job(name)
	if job == nil {
		return withCode(exitConfig, codeError(codes.JobDoesNotExist, fmt.Sprintf("no job %q in %s", name, g.config)))
	}
	if job.ReportPrefix == "" {
		return withCode(exitConfig, codeError(codes.BadParameters, fmt.Sprintf("job %s has no report_prefix: its shards write no reports to the destination", name)))
	}
	_, count, _, err := shardGiven(g.shard)
	if err != nil {
		return withCode(exitConfig, err)
	}
	n := 0
	if count != nil {
		n = *count
	}
	f, err := engine.ReadJobFleet(ctx, cfg, job, n)
	if err != nil {
		return withCode(exitConfig, err)
	}
	if len(f.Shards) == 0 {
		return withCode(exitFailures, fmt.Errorf("no shard of job %s has reported under %s", name, f.Dir))
	}
	sum, err := engine.WriteFleet(out, f, time.Now(), old)
	if err != nil {
		return err
	}
	if !sum.OK() {
		return withCode(exitFailures, fmt.Errorf("fleet: %s", sum))
	}
	return nil
}

// withState loads the config, checks the job exists and opens the state
// for fn, closing it after.
func withState(g *globals, name string, fn func(*config.Config, *state.Store, *config.JobConfig) error) error {
	cfg, job, err := loadJob(g, name)
	if err != nil {
		return err
	}
	st, err := openState(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(cfg, st, job)
}
