package engine

import (
	"fmt"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// Selector decides which listed objects a job copies: what it never
// copies (symlinks unless followed, special files) and its filters
// (include/exclude globs, size and time bounds). The planner asks it about
// every listed file, and `mgw check` does too, so a check expects exactly
// the files a run copies.
type Selector struct {
	include, exclude []string
	minSize, maxSize int64
	after            time.Time
	followSymlinks   bool
}

func NewSelector(j *config.Settings) *Selector {
	return &Selector{include: j.Include, exclude: j.Exclude, minSize: j.MinSize, maxSize: j.MaxSize,
		after: j.ModifiedAfter, followSymlinks: j.FollowSymlinks}
}

// Skip tells why the job does not copy o, or "" when it does. filtered is
// true when one of the job's filters left it out: a run counts those and
// does not list them as skipped.
func (s *Selector) Skip(o connectors.Object) (reason string, filtered bool) {
	switch o.Type {
	case connectors.Symlink:
		if !s.followSymlinks {
			return "symlink (not followed)", false
		}
	case connectors.Special:
		return "special file (device, socket or FIFO)", false
	}
	if reason := s.filter(o); reason != "" {
		return reason, true
	}
	return "", false
}

// filter tells which filter leaves o out, or "".
func (s *Selector) filter(o connectors.Object) string {
	switch {
	case o.Size < s.minSize:
		return fmt.Sprintf("smaller than min_size (%d bytes)", s.minSize)
	case s.maxSize > 0 && o.Size > s.maxSize:
		return fmt.Sprintf("larger than max_size (%d bytes)", s.maxSize)
	case !s.after.IsZero() && o.ModTime.Before(s.after):
		return "modified before modified_after (" + s.after.UTC().Format(time.RFC3339) + ")"
	}
	for _, g := range s.exclude {
		if doublestar.MatchUnvalidated(g, o.Key) {
			return fmt.Sprintf("excluded (%s)", g)
		}
	}
	if len(s.include) == 0 {
		return ""
	}
	for _, g := range s.include {
		if doublestar.MatchUnvalidated(g, o.Key) {
			return ""
		}
	}
	return "not included (include: patterns)"
}
