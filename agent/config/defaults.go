package config

import (
	"path/filepath"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// Defaults a job gets for fields left out.
const (
	DefaultConcurrency  = 64
	DefaultRetries      = 5
	DefaultRetryBackoff = time.Second

	DefaultMount         = "/mnt/mgw"
	DefaultSettle        = 2 * time.Second
	DefaultRescan        = time.Hour
	DefaultPoll          = time.Minute
	DefaultArchivePrefix = ".mgw-deleted/"
	DefaultRestoreDays   = 1
	DefaultRestorePoll   = time.Minute
	DefaultMaxDeletePct  = 10
)

// applyDefaults fills every field the file left out, in one step before
// validation, so that validation only checks and the rest of mgw never
// asks "was this set?". Address fields are the backends' to fill (their
// Validate), since their defaults depend on the type.
func applyDefaults(c *Config) {
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir
	}
	c.StateDir = connectors.AbsPath(filepath.Dir(c.Path), c.StateDir)
	platformDefaults(c)
	if c.StatusDir != "" {
		c.StatusDir = connectors.AbsPath(filepath.Dir(c.Path), c.StatusDir)
	}
	for i := range c.Jobs {
		jobDefaults(&c.Jobs[i])
	}
}

func jobDefaults(j *JobConfig) {
	orDefault(&j.Mode, ModeOnce)
	orDefault(&j.Overwrite, OverwriteIfNewer)
	orDefault(&j.Deletes, DeletesKeep)
	orDefault(&j.Concurrency, DefaultConcurrency)
	if j.Retries == nil {
		r := DefaultRetries
		j.Retries = &r
	}
	orDefault(&j.RetryBackoff, Duration(DefaultRetryBackoff))
	orDefault(&j.Settle, Duration(DefaultSettle))
	orDefault(&j.Rescan, Duration(DefaultRescan))
	orDefault(&j.Poll, Duration(DefaultPoll))
	if j.Deletes == DeletesArchive {
		orDefault(&j.ArchivePrefix, DefaultArchivePrefix)
	}
	orDefault(&j.RestoreDays, DefaultRestoreDays)
	orDefault(&j.RestorePoll, Duration(DefaultRestorePoll))
}

// orDefault sets *v to def when the file left it out (its zero value).
func orDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
