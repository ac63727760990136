package config

import "time"

// Settings is a job as it runs: its config entry with every default
// applied and every value in the type it is used as. The engine and
// continuous sync read these, never the YAML entry (its line positions
// and text forms stay here).
type Settings struct {
	Name        string
	Source      string // address names
	Destination string
	Mode        Mode
	Overwrite   Overwrite

	Include, Exclude []string
	MinSize, MaxSize int64 // bytes; MaxSize 0 = no limit
	ModifiedAfter    time.Time

	Concurrency    int
	PartSize       int64 // bytes; 0 = automatic
	Retries        int
	RetryBackoff   time.Duration
	FollowSymlinks bool
	ServerSideCopy bool // where the addresses allow it (engine/servercopy.go)
	ReportPrefix   string
	Limits         Limits

	Restore     bool
	RestoreDays int
	RestorePoll time.Duration

	Settle, Rescan, Poll time.Duration
	Deletes              Deletes
	ArchivePrefix        string
	MaxDelete            MaxDelete
	Check                time.Duration // 0: never

	Shard Shard // this agent's part of the job; Count 0: the whole job
}

// Settings resolves the job's settings; the entry must come from a
// config that ParseConfig accepted (defaults applied).
func (j *JobConfig) Settings() *Settings {
	s := &Settings{
		Name: j.Name, Source: j.Source, Destination: j.Destination, Mode: j.Mode, Overwrite: j.Overwrite,
		Include: j.Include, Exclude: j.Exclude, MinSize: int64(j.MinSize), MaxSize: int64(j.MaxSize),
		ModifiedAfter: j.ModifiedAfter, Concurrency: j.Concurrency, PartSize: int64(j.PartSize),
		RetryBackoff: time.Duration(j.RetryBackoff), FollowSymlinks: j.FollowSymlinks,
		ReportPrefix: j.ReportPrefix, Limits: j.Limits,
		Restore: j.Restore, RestoreDays: j.RestoreDays, RestorePoll: time.Duration(j.RestorePoll),
		Settle: time.Duration(j.Settle), Rescan: time.Duration(j.Rescan), Poll: time.Duration(j.Poll),
		Deletes: j.Deletes, ArchivePrefix: j.ArchivePrefix, MaxDelete: j.MaxDelete, Shard: j.shard,
		Check: time.Duration(j.Check),
	}
	s.ServerSideCopy = j.ServerSideCopy == nil || *j.ServerSideCopy
	if j.Retries != nil {
		s.Retries = *j.Retries
	}
	s.Limits.pos = positions{}
	return s
}
