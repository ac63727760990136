package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// openState opens the state directory, creating it on first use. It is
// its owner's only (0700: it holds the index of every file and the
// agent's socket); a wider one made by hand is tightened, with a warning.
// A state that cannot be opened is reported with its code and what to do.
func openState(cfg *config.Config) (*state.Store, error) {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, stateOpenError(cfg, fmt.Errorf("%w: %v", state.ErrNotWritable, err))
	}
	if fi, err := os.Stat(cfg.StateDir); err == nil && fi.Mode().Perm()&0o077 != 0 {
		slog.Warn("the state directory was readable by others: made its owner's only", "dir", cfg.StateDir, "mode", fi.Mode().Perm().String())
		if err := os.Chmod(cfg.StateDir, 0o700); err != nil {
			return nil, stateOpenError(cfg, fmt.Errorf("%w: %v", state.ErrNotWritable, err))
		}
	}
	st, err := state.Open(cfg.StateDir)
	if err != nil {
		return nil, stateOpenError(cfg, err)
	}
	return st, nil
}

// stateOpenError gives a state that cannot be opened its code and remedy.
func stateOpenError(cfg *config.Config, err error) error {
	var code, remedy string
	switch {
	case errors.Is(err, state.ErrDamaged):
		code, remedy = codes.StateDamaged, fmt.Sprintf("run `mgw state rebuild --config %s`: it sets this directory aside and the next run adopts what the destination already holds", cfg.Path)
	case errors.Is(err, state.ErrLocked):
		code, remedy = codes.StateInUse, "stop the other mgw (`mgw service stop`), or use `mgw status` and `mgw job` to drive the agent"
	case errors.Is(err, state.ErrNotWritable):
		code, remedy = codes.StateNotWritable, "make the directory writable by the user mgw runs as, or set state_dir"
	case errors.Is(err, state.ErrDiskFull):
		code, remedy = codes.StateDiskFull, "free space on that disk, or set state_dir to a larger one"
	default:
		return err
	}
	return withCode(exitError, fmt.Errorf("%s\n%s", codes.Text(code, err.Error()), remedy))
}

func newStateCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "state", Short: "The state directory: rebuild"}
	var force bool
	rebuild := &cobra.Command{
		Use:   "rebuild",
		Short: "Set a damaged state directory aside and start a new one that adopts what the destination holds",
		Long: `rebuild renames the state directory to STATE_DIR.damaged-TIME and makes a new
one. On the next run of each job, files whose object at the destination
matches them (size, then the comparison of the overwrite policy) are adopted
into the new index without being copied again; the rest are copied.

The agent must be stopped first. A state that opens cleanly is left alone
unless --force is given.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			st, err := state.Open(cfg.StateDir)
			switch {
			case err == nil:
				st.Close()
				if !force {
					return withCode(exitError, fmt.Errorf("the state directory %s opens cleanly: nothing to rebuild (--force rebuilds it anyway)", cfg.StateDir))
				}
			case errors.Is(err, state.ErrDamaged), errors.Is(err, state.ErrDiskFull):
			default:
				return stateOpenError(cfg, err)
			}
			var jobs []string
			for _, j := range cfg.Jobs {
				jobs = append(jobs, j.Name)
			}
			aside, err := state.Rebuild(cfg.StateDir, jobs, time.Now())
			if err != nil {
				return stateOpenError(cfg, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "the old state is in %s (delete it once the jobs have run)\n", aside)
			fmt.Fprintf(cmd.OutOrStdout(), "a new state is in %s: the next run of each job adopts the objects the destination already holds\n", cfg.StateDir)
			return nil
		},
	}
	rebuild.Flags().BoolVar(&force, "force", false, "rebuild a state that is not damaged")
	cmd.AddCommand(rebuild)
	return cmd
}
