package config

import (
	"fmt"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/state/codes"
)

// MaxShards is the most agents one job may be spread over.
const MaxShards = 10000

// ShardConfig is a job's shard as written in the config: shard: {index: 2,
// count: 4}. Either may be left out and given by the agent's command line
// or environment instead (SetShard), which is how a fleet shares one
// config: the count in the file, the index from the platform.
type ShardConfig struct {
	Index *int `yaml:"index"`
	Count int  `yaml:"count"`

	pos positions
}

// Shard is one agent's part of a job spread over Count agents: the source
// files whose path hashes to Index (engine.ShardOf). Count 0 is a job not
// spread at all.
type Shard struct {
	Index, Count int
}

// Sharded reports whether the job is spread over agents (even one).
func (s Shard) Sharded() bool { return s.Count > 0 }

// String is "2/4": index, then count.
func (s Shard) String() string {
	if !s.Sharded() {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// Name is "shard-2-of-4": the folder of the shard's reports at the
// destination.
func (s Shard) Name() string { return fmt.Sprintf("shard-%d-of-%d", s.Index, s.Count) }

func (s ShardConfig) String() string {
	idx := "from the agent"
	if s.Index != nil {
		idx = fmt.Sprint(*s.Index)
	}
	count := "from the agent"
	if s.Count > 0 {
		count = fmt.Sprint(s.Count)
	}
	return fmt.Sprintf("index %s, count %s", idx, count)
}

func (s ShardConfig) set() bool { return s.Index != nil || s.Count != 0 }

func (p *parser) decodeShard(n *yaml.Node, path string, s *ShardConfig) {
	s.pos = p.decode(n, s, path)
}

// validateShards checks each job's shard, and that the jobs of one config
// agree: one agent is one shard (its state dir holds one shard's index).
func (p *parser) validateShards(c *Config) {
	var first *JobConfig
	for i := range c.Jobs {
		j := &c.Jobs[i]
		s := j.Shard
		if !s.set() {
			continue
		}
		if s.Count < 0 || s.Count > MaxShards {
			line, field := s.pos.at("count")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("must be between 1 and %d", MaxShards))
		}
		if s.Index != nil && (*s.Index < 0 || (s.Count > 0 && *s.Index >= s.Count)) {
			line, field := s.pos.at("index")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("must be at least 0 and less than count (%d)", s.Count))
		}
		if first == nil {
			first = j
			continue
		}
		if s.Count != first.Shard.Count || (s.Index == nil) != (first.Shard.Index == nil) || (s.Index != nil && *s.Index != *first.Shard.Index) {
			line, field := j.pos.at("shard")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("differs from job %s's (%s): one agent is one shard of every sharded job of its config", first.Name, first.Shard))
		}
	}
}

// SetShard makes the agent one shard of every job of the config, those
// without a shard field too (else each agent would copy them whole): index
// and count, when not nil, override what the jobs' shard fields say
// (from names where they came from, for errors). With a shard known, the
// state dir, the mount point and the status dir each get a folder
// shard-<index> below them, so agents of one fleet on one host keep apart,
// and an agent keeps its index when the count changes. A count with no
// index, or an index with no count, is an error: an agent that guessed
// would copy what other agents copy.
func (c *Config) SetShard(index, count *int, from string) error {
	for _, j := range c.Jobs {
		if j.Shard.set() {
			if index == nil {
				index = j.Shard.Index
			}
			if count == nil && j.Shard.Count > 0 {
				count = &j.Shard.Count
			}
			break
		}
	}
	fail := func(detail string) error {
		return ConfigErrors{{Code: codes.BadParameters, File: c.Path, Field: "shard", Detail: detail}}
	}
	switch {
	case index == nil && count == nil:
		return nil
	case count == nil:
		return fail(fmt.Sprintf("index %d given (%s) but no count: set shard.count in the job, MGW_SHARDS, or --shard I/N", *index, from))
	case index == nil:
		return fail(fmt.Sprintf("count %d given but no index: --shard I/N, MGW_SHARD_INDEX or JOB_COMPLETION_INDEX", *count))
	case *count < 1 || *count > MaxShards:
		return fail(fmt.Sprintf("count %d (%s) must be between 1 and %d", *count, from, MaxShards))
	case *index < 0 || *index >= *count:
		return fail(fmt.Sprintf("index %d (%s) must be at least 0 and less than the count %d", *index, from, *count))
	}
	c.Shard = Shard{Index: *index, Count: *count}
	for i := range c.Jobs {
		c.Jobs[i].shard = c.Shard
	}
	sub := fmt.Sprintf("shard-%d", *index)
	c.StateDir = filepath.Join(c.StateDir, sub)
	if mp := c.MountPoint(); mp != "" {
		mp = filepath.Join(mp, sub)
		c.Mount = &mp
	}
	if c.StatusDir != "" {
		c.StatusDir = filepath.Join(c.StatusDir, sub)
	}
	return nil
}
