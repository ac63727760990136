package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state/codes"
)

// loadConfig is readConfig for the commands that open addresses: every
// secret must be had (config.ResolveSecrets).
func loadConfig(g *globals) (*config.Config, error) {
	cfg, err := readConfig(g)
	if err != nil {
		return nil, err
	}
	if err := cfg.ResolveSecrets(); err != nil {
		return nil, err
	}
	return cfg, nil
}

// readConfig reads the config and makes the agent the shard that --shard
// or the environment names, if any (config.SetShard): every command that
// opens the state or talks to the agent must, since a shard's state dir
// is its own. It does not need the addresses' secrets: the commands that
// only read the state, the config or the agent call it directly.
func readConfig(g *globals) (*config.Config, error) {
	cfg, err := config.LoadConfig(g.config)
	if err != nil {
		return nil, err
	}
	index, count, from, err := shardGiven(g.shard)
	if err != nil {
		return nil, withCode(exitConfig, err)
	}
	if err := cfg.SetShard(index, count, from); err != nil {
		return nil, err
	}
	return cfg, nil
}

// shardGiven reads the shard given outside the config: --shard I/N, else
// the index from MGW_SHARD_INDEX (a StatefulSet's pod index, through the
// downward API) or JOB_COMPLETION_INDEX (set by Kubernetes in an Indexed
// Job's pods) and the count from MGW_SHARDS. from names where the index
// came from; nil is not given.
func shardGiven(flag string) (index, count *int, from string, err error) {
	num := func(s, what string) (*int, error) {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 0 {
			return nil, codeError(codes.BadParameters, fmt.Sprintf("%s: %q is not a number", what, s))
		}
		return &n, nil
	}
	if flag != "" {
		i, n, ok := strings.Cut(flag, "/")
		if !ok {
			return nil, nil, "", codeError(codes.BadParameters, fmt.Sprintf("--shard %q: want INDEX/COUNT, e.g. 2/4", flag))
		}
		if index, err = num(i, "--shard index"); err == nil {
			count, err = num(n, "--shard count")
		}
		return index, count, "--shard", err
	}
	for _, env := range []string{"MGW_SHARD_INDEX", "JOB_COMPLETION_INDEX"} {
		if v, ok := os.LookupEnv(env); ok && v != "" {
			if index, err = num(v, env); err != nil {
				return nil, nil, "", err
			}
			from = env
			break
		}
	}
	if v, ok := os.LookupEnv("MGW_SHARDS"); ok && v != "" {
		if count, err = num(v, "MGW_SHARDS"); err != nil {
			return nil, nil, "", err
		}
		if from == "" {
			from = "MGW_SHARDS"
		} else {
			from += " and MGW_SHARDS"
		}
	}
	return index, count, from, nil
}
