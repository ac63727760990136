package main

import (
	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state"
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
	return &cobra.Command{
		Use:   "report JOB",
		Short: "Print the migration report of the job's last run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			return listFrom(g, args[0], client.JobPath(args[0], "report"), out,
				func(cfg *config.Config, st *state.Store, job *config.JobConfig) error {
					return apiErr(agent.WriteLastReport(out, st, cfg, job.Name))
				})
		},
	}
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
