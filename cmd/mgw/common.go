package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// loadJob reads the config and finds job name in it.
func loadJob(g *globals, name string) (*config.Config, *config.JobConfig, error) {
	cfg, err := loadConfig(g)
	if err != nil {
		return nil, nil, err
	}
	j := cfg.Job(name)
	if j == nil {
		return nil, nil, withCode(exitConfig, codeError(codes.JobDoesNotExist, fmt.Sprintf("no job %q in %s", name, g.config)))
	}
	return cfg, j, nil
}

// openState opens the state directory, creating it (0700: it holds the
// index of every file) on first use.
func openState(cfg *config.Config) (*state.Store, error) {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	return state.Open(cfg.StateDir)
}

// codeError is a catalogue code, its message and a detail, as an error.
func codeError(code, detail string) error { return errors.New(codes.Text(code, detail)) }
