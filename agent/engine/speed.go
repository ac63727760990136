package engine

import (
	"time"

	"github.com/mgw-dev/mgw/agent/config"
)

// SetLimits applies new limits to the running job without restarting it:
// transfers in flight go on, at the new pace from their next read.
func (r *Runner) SetLimits(l config.Limits) { r.limits.Set(l) }

// CurrentLimits returns the bytes/s and requests/s in force now (0: none).
func (r *Runner) CurrentLimits() (config.ByteSize, float64) { return r.limits.Current() }

// LimitWaited is how long the job's reads and requests have waited for
// its limits, in all.
func (r *Runner) LimitWaited() time.Duration { return r.limits.Waited() }
