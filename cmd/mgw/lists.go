package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
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
			return withState(g, args[0], func(_ *agent.Config, st *state.Store, job *agent.JobConfig) error {
				return st.Failures(job.Name, func(path string, f state.Failure) error {
					if code != "" && f.Code != code {
						return nil
					}
					_, err := io.WriteString(cmd.OutOrStdout(), agent.FailedLine(path, f))
					return err
				})
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
			return withState(g, args[0], func(_ *agent.Config, st *state.Store, job *agent.JobConfig) error {
				return st.Skips(job.Name, func(path string, k state.Skip) error {
					_, err := io.WriteString(cmd.OutOrStdout(), agent.SkippedLine(path, k))
					return err
				})
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
			return withState(g, args[0], func(cfg *agent.Config, st *state.Store, job *agent.JobConfig) error {
				run, ok, err := st.LastRun(job.Name)
				if err != nil {
					return err
				}
				if !ok {
					return fmt.Errorf("job %s has not run yet: mgw run --config %s %s", job.Name, g.config, job.Name)
				}
				return agent.WriteReport(cmd.OutOrStdout(), &run, cfg.Address(job.Source), cfg.Address(job.Destination))
			})
		},
	}
}

// withState loads the config, checks the job exists and opens the state
// for fn, closing it after.
func withState(g *globals, name string, fn func(*agent.Config, *state.Store, *agent.JobConfig) error) error {
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
