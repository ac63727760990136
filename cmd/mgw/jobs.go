package main

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// dialAgent connects to the agent of the config's state dir: nil (and no
// error) when none runs, so read-only commands open the state instead.
func dialAgent(cfg *config.Config) (*client.Client, error) {
	c, err := client.Dial(cfg.StateDir)
	if errors.Is(err, client.ErrNoAgent) {
		return nil, nil
	}
	return c, apiErr(err)
}

// needAgent is dialAgent for commands only a running agent can do.
func needAgent(g *globals) (*client.Client, error) {
	cfg, err := readConfig(g)
	if err != nil {
		return nil, err
	}
	c, err := dialAgent(cfg)
	if err == nil && c == nil {
		err = codeError(codes.AgentNotRunning, "start it with: mgw agent --config "+g.config)
	}
	return c, err
}

// apiErr gives a refusal of the agent an exit code: 2 for a wrong name or
// a wrong state, 1 otherwise.
func apiErr(err error) error {
	var ae *client.APIError
	if errors.As(err, &ae) {
		switch ae.Code {
		case codes.JobDoesNotExist, codes.DataAddressNotExists, codes.InvalidJobStatusForCurrentOperation:
			return withCode(exitConfig, err)
		}
	}
	return err
}

func newJobCmd(g *globals) *cobra.Command {
	job := &cobra.Command{Use: "job", Short: "Migration jobs of the running agent: list, start, stop, retry"}
	job.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the jobs with their state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			jobs, err := jobInfos(g)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "JOB\tMODE\tSOURCE\tDESTINATION\tSTATE\tCODE\n")
			for _, j := range jobs {
				state := j.State
				if j.Status != nil && j.State == agent.JobRunning {
					state += ": " + j.Status.State
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Mode, j.Source, j.Destination, state, j.Code)
			}
			return tw.Flush()
		},
	})
	for _, v := range []struct{ verb, short string }{
		{"start", "Start a job that is not running"},
		{"stop", "Stop a running job; transfers in flight are checkpointed"},
		{"retry", "Re-queue the job's failed files (a continuous job also applies deletes a pause held back)"},
	} {
		job.AddCommand(&cobra.Command{
			Use:   v.verb + " JOB",
			Short: v.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := needAgent(g)
				if err != nil {
					return err
				}
				var ji agent.JobInfo
				if err := c.Call("POST", client.JobPath(args[0], v.verb), &ji); err != nil {
					return apiErr(err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", ji.Name, ji.State)
				return nil
			},
		})
	}
	return job
}

// jobInfos asks the agent, or reads the config and the state when none
// runs.
func jobInfos(g *globals) ([]agent.JobInfo, error) {
	cfg, err := readConfig(g)
	if err != nil {
		return nil, err
	}
	c, err := dialAgent(cfg)
	if err != nil {
		return nil, err
	}
	if c != nil {
		var jobs []agent.JobInfo
		return jobs, c.Call("GET", "/v1/jobs", &jobs)
	}
	st, err := openState(cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var jobs []agent.JobInfo
	for _, j := range cfg.Jobs {
		ji := agent.JobInfo{Name: j.Name, Mode: j.Mode, Source: j.Source, Destination: j.Destination, State: "not running"}
		if run, ok, err := st.LastRun(j.Name); err == nil && ok {
			ji.LastRun = &run
			ji.State = "not running (last run " + run.State + ")"
		}
		jobs = append(jobs, ji)
	}
	return jobs, nil
}

func newStatusCmd(g *globals) *cobra.Command {
	var check, alive bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the agent and its jobs; --check exits 1 if a job failed or is paused",
		Long: `Status shows the running agent (version, uptime, config, state dir, view)
and each job's state, files copied, queued and failed, and lag. With no agent
running it shows the jobs' last runs from the state.

--check is for monitoring scripts and readiness probes: it exits 1 when the
agent is not running or a job is failed or paused, else 0. --alive is for
liveness probes: it exits 1 only when the agent does not answer, since a
restart would not end a pause (a source that vanished, too many deletes),
only hide it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := readConfig(g)
			if err != nil {
				return err
			}
			c, err := dialAgent(cfg)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if c == nil {
				fmt.Fprintln(out, codes.Text(codes.AgentNotRunning, ""))
				if check || alive {
					// The state is not opened: an agent starting up must
					// find it free.
					return withCode(exitError, errors.New("unhealthy: no agent runs"))
				}
				jobs, err := jobInfos(g)
				if err != nil {
					return err
				}
				for _, j := range jobs {
					fmt.Fprintf(out, "%s\t%s\n", j.Name, j.State)
				}
				return nil
			}
			var s agent.AgentStatus
			if err := c.Call("GET", "/v1/status", &s); err != nil {
				return err
			}
			if err := agent.WriteAgentStatus(out, s); err != nil {
				return err
			}
			if check {
				for _, j := range s.Jobs {
					if j.State == agent.JobFailed || (j.Status != nil && j.State == agent.JobRunning && j.Status.State == "paused") {
						return withCode(exitError, fmt.Errorf("unhealthy: job %s is %s (%s)", j.Name, j.State, j.Code))
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 if the agent is down or a job failed or is paused")
	cmd.Flags().BoolVar(&alive, "alive", false, "exit 1 only if the agent does not answer")
	return cmd
}

// listFrom streams a list from the agent, or writes it from the state
// when no agent runs.
func listFrom(g *globals, job string, apiPath string, out io.Writer, direct func(*config.Config, *state.Store, *config.JobConfig) error) error {
	cfg, j, err := readJob(g, job)
	if err != nil {
		return err
	}
	c, err := dialAgent(cfg)
	if err != nil {
		return err
	}
	if c != nil {
		return apiErr(c.Stream(apiPath, out))
	}
	st, err := openState(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return direct(cfg, st, j)
}

func queryCode(code string) string {
	if code == "" {
		return ""
	}
	return "?code=" + url.QueryEscape(code)
}
