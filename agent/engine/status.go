package engine

import (
	"sort"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// Status is what a job shows of itself: the status line, the agent's
// status files and the control API all read it.
type Status struct {
	Name      string        `json:"name"`
	Mode      config.Mode   `json:"mode"`
	State     string        `json:"state"` // scanning, migrating, synced (continuous), paused; scanning, migrating, restoring (once), paused
	Code      string        `json:"code,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Watch     string        `json:"watch,omitempty"`
	Unwatched []string      `json:"unwatched,omitempty"`
	Lag       time.Duration `json:"lag_ns"`
	LastScan  time.Time     `json:"last_scan,omitzero"`
	Progress  Snapshot      `json:"progress"`
}

// Status reads a one-shot job's state now (agent/continuous reads a continuous
// one's).
func (r *Runner) Status() Status {
	p := r.Progress.Snapshot()
	st := Status{Name: r.Job.Name, Mode: r.Job.Mode, Progress: p, State: "migrating"}
	held, heldText := r.access.status()
	restoring := r.restoreStatus()
	switch {
	case held != "":
		st.State, st.Code, st.Reason = "paused", held, heldText
	case !p.ScanDone:
		st.State = "scanning"
	case p.FilesQueued == 0 && restoring != "":
		st.State, st.Reason = "restoring", restoring
	}
	return st
}

// Pending calls fn for every file queued or being copied, in key order.
func (r *Runner) Pending(fn func(key string, since time.Time) error) error {
	return EachSorted(r.Busy(), fn)
}

// EachSorted calls fn for each entry of m in key order.
func EachSorted(m map[string]time.Time, fn func(key string, since time.Time) error) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn(k, m[k]); err != nil {
			return err
		}
	}
	return nil
}

// Retry ends a hold on access at once.
func (r *Runner) Retry() {
	// Told that access is back: a refusal still in flight from before
	// must count as one, not hold the job again at once.
	r.deniedRun[connectors.Source].Store(0)
	r.deniedRun[connectors.Destination].Store(0)
	if r.access.resume() {
		r.log.Info("job resumed")
	}
}

// Held reports whether the job's copiers wait for access to return.
func (r *Runner) Held() bool {
	code, _ := r.access.status()
	return code != ""
}
