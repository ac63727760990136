package continuous

import (
	"time"

	"github.com/mgw-dev/mgw/agent/engine"
)

// Pending calls fn for every file queued or being copied, and every
// change waiting to settle, in key order.
func (j *Job) Pending(fn func(key string, since time.Time) error) error {
	m := j.r.Busy()
	j.changes.each(func(k string, first time.Time) {
		if _, ok := m[k]; !ok {
			m[k] = first
		}
	})
	return engine.EachSorted(m, fn)
}

// Status reads the job's state now.
func (j *Job) Status() engine.Status {
	p := j.r.Progress.Snapshot()
	st := engine.Status{Name: j.r.Job.Name, Mode: j.r.Job.Mode, Progress: p}
	held, heldText := j.r.AccessHeld()
	oldest := j.changes.oldest()
	for _, since := range j.r.Busy() {
		if oldest.IsZero() || since.Before(oldest) {
			oldest = since
		}
	}
	if !oldest.IsZero() {
		st.Lag = time.Since(oldest)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	st.Watch, st.LastScan, st.Unwatched = j.watch, j.lastScan, j.unwatched
	switch {
	case held != "":
		st.State, st.Code, st.Reason = "paused", held, heldText
	case j.paused != "":
		st.State, st.Code, st.Reason = "paused", j.paused, j.pauseText
	case j.scanning && !p.ScanDone:
		st.State = "scanning"
	case p.FilesQueued > 0 || !oldest.IsZero() || j.pendingDeletes.Load() > 0:
		st.State = "migrating"
	default:
		st.State = "synced"
	}
	return st
}

// Held reports whether the job's copiers wait for access to return.
func (j *Job) Held() bool { return j.r.Held() }
