package main

import (
	"errors"
	"fmt"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state/codes"
)

// loadJob reads the config, with every secret had, and finds job name in
// it.
func loadJob(g *globals, name string) (*config.Config, *config.JobConfig, error) {
	cfg, j, err := readJob(g, name)
	if err == nil {
		err = cfg.ResolveSecrets()
	}
	if err != nil {
		return nil, nil, err
	}
	return cfg, j, nil
}

// readJob is loadJob for commands that open no address: secrets may be
// missing.
func readJob(g *globals, name string) (*config.Config, *config.JobConfig, error) {
	cfg, err := readConfig(g)
	if err != nil {
		return nil, nil, err
	}
	j := cfg.Job(name)
	if j == nil {
		return nil, nil, withCode(exitConfig, codeError(codes.JobDoesNotExist, fmt.Sprintf("no job %q in %s", name, g.config)))
	}
	return cfg, j, nil
}

// codeError is a catalogue code, its message and a detail, as an error.
func codeError(code, detail string) error { return errors.New(codes.Text(code, detail)) }
