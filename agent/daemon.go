package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/continuous"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// Agent runs every job of a config in the background and answers the
// control API: one-shot jobs once, continuous jobs until stopped. It owns
// the state store for as long as it runs (Badger allows one process).
type Agent struct {
	Store   *state.Store
	Log     *slog.Logger
	Version string
	Started time.Time

	ctx context.Context

	mu      sync.Mutex
	cfg     *config.Config
	jobs    map[string]*jobRun
	checks  map[string]AddressCheck
	wg      sync.WaitGroup
	metrics *metrics
}

// Job states as the control API and the view show them.
const (
	JobCreated   = "created"   // not run since the agent started
	JobRunning   = "running"   // see Status.State for scanning, migrating, synced, paused
	JobCompleted = "completed" // a one-shot job's run finished (failed files, if any, are listed)
	JobFailed    = "failed"    // the job could not run: Code says why
	JobStopped   = "stopped"   // stopped by `mgw job stop` or a reload
)

// jobRun is one job of the agent and its current or last run.
type jobRun struct {
	cfg      *config.JobConfig
	state    string
	code     string
	message  string
	runner   *engine.Runner
	job      running // runner, or the continuous job driving it
	cancel   context.CancelFunc
	done     chan struct{}
	stopping bool
	started  time.Time
	finished time.Time
}

// AddressCheck is the result of the last verification of an address.
type AddressCheck struct {
	At      time.Time `json:"at"`
	Side    string    `json:"side"`
	Code    string    `json:"code,omitempty"` // "" = OK
	Message string    `json:"message,omitempty"`
}

// apiError is a refused request, with the catalogue code.
func apiError(code, format string, a ...any) error { return client.Errorf(code, format, a...) }

// NewAgent prepares an agent for cfg; Run starts its jobs.
func NewAgent(cfg *config.Config, st *state.Store, log *slog.Logger, version string) *Agent {
	a := &Agent{cfg: cfg, Store: st, Log: log, Version: version, Started: time.Now(),
		jobs: map[string]*jobRun{}, checks: map[string]AddressCheck{}}
	a.metrics = newMetrics(a)
	return a
}

// Run starts every job and returns when ctx ends, after stopping them all:
// transfers in flight are cancelled, which checkpoints multipart uploads.
func (a *Agent) Run(ctx context.Context) {
	a.mu.Lock()
	a.ctx = ctx
	for i := range a.cfg.Jobs {
		j := &a.cfg.Jobs[i]
		a.jobs[j.Name] = &jobRun{cfg: j, state: JobCreated}
		a.launchLocked(a.jobs[j.Name])
	}
	a.mu.Unlock()
	<-ctx.Done()
	a.wg.Wait()
}

// config.Config returns the config the agent runs.
func (a *Agent) Config() *config.Config {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.cfg
}

// launchLocked starts a job's run in its own goroutine. A panic in a job
// fails that job, not the agent (which must still unmount its view).
func (a *Agent) launchLocked(j *jobRun) {
	ctx, cancel := context.WithCancel(a.ctx)
	cfg := a.cfg
	j.state, j.code, j.message, j.cancel, j.done, j.stopping = JobRunning, "", "", cancel, make(chan struct{}), false
	j.started, j.finished = time.Now(), time.Time{}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(j.done)
		defer cancel()
		var err error
		func() {
			defer func() {
				if p := recover(); p != nil {
					a.Log.Error("job panicked", "job", j.cfg.Name, "panic", p, "stack", string(debug.Stack()))
					err = &engine.JobError{Code: codes.InternalError, Err: fmt.Errorf("panic: %v", p)}
				}
			}()
			err = a.runJob(ctx, cfg, j)
		}()
		a.mu.Lock()
		defer a.mu.Unlock()
		j.finished = time.Now()
		var je *engine.JobError
		switch {
		case j.stopping || (ctx.Err() != nil && a.ctx.Err() != nil):
			j.state = JobStopped
		case errors.As(err, &je):
			j.state, j.code, j.message = JobFailed, je.Code, engine.RootCause(je.Err)
		case err != nil:
			j.state, j.code, j.message = JobFailed, codes.InternalError, err.Error()
		default:
			j.state = JobCompleted
		}
	}()
}

// runJob opens the job's addresses and runs it once or continuously.
func (a *Agent) runJob(ctx context.Context, cfg *config.Config, j *jobRun) error {
	r, closeAddrs, err := engine.OpenJob(ctx, cfg, j.cfg, a.Store, a.Log)
	if err != nil {
		return err
	}
	defer closeAddrs()
	r.PauseOnDenied = true // `mgw job retry` can resume it here
	if j.cfg.Mode == config.ModeContinuous {
		c := continuous.New(r)
		a.setRunner(j, r, c)
		if j.cfg.Check > 0 {
			cctx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); a.scheduleChecks(cctx, cfg, j.cfg, c) }()
			defer func() { stop(); <-done }()
		}
		return c.Run(ctx)
	}
	a.setRunner(j, r, r)
	_, err = r.Run(ctx)
	if ctx.Err() != nil {
		return nil // stopped: the run is recorded as interrupted
	}
	return err
}

func (a *Agent) job(name string) (*jobRun, error) {
	j := a.jobs[name]
	if j == nil {
		return nil, apiError(codes.JobDoesNotExist, "no job %q", name)
	}
	return j, nil
}

// StartJob starts a job that is not running.
func (a *Agent) StartJob(name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	j, err := a.job(name)
	if err != nil {
		return err
	}
	if j.state == JobRunning {
		return apiError(codes.InvalidJobStatusForCurrentOperation, "job %s is already running", name)
	}
	a.launchLocked(j)
	return nil
}

// StopJob stops a running job and waits for it: transfers in flight are
// cancelled and multipart uploads checkpointed.
func (a *Agent) StopJob(name string) error {
	a.mu.Lock()
	j, err := a.job(name)
	if err != nil {
		a.mu.Unlock()
		return err
	}
	if j.state != JobRunning {
		a.mu.Unlock()
		return apiError(codes.InvalidJobStatusForCurrentOperation, "job %s is %s, not running", name, j.state)
	}
	j.stopping = true
	j.cancel()
	done := j.done
	a.mu.Unlock()
	<-done
	return nil
}

// RetryJob re-queues the job's failed files, as the hosted service's retry
// does: a one-shot job that finished runs again (only what is not done is
// copied), a continuous job starts a full pass at once and applies the
// deletes a pause held back.
func (a *Agent) RetryJob(name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	j, err := a.job(name)
	if err != nil {
		return err
	}
	switch {
	case j.state == JobRunning && j.runner != nil && (j.cfg.Mode == config.ModeContinuous || j.job.Held()):
		j.job.Retry()
		return nil
	case j.state == JobRunning:
		return apiError(codes.InvalidJobStatusForCurrentOperation, "job %s is still running its pass", name)
	case j.state == JobCreated:
		return apiError(codes.InvalidJobStatusForCurrentOperation, "job %s has not run yet", name)
	}
	a.launchLocked(j)
	return nil
}

// Reload applies a new config: removed jobs stop, new jobs start, jobs
// whose settings changed restart (their transfers checkpointed first), the
// others run on undisturbed, with their new limits if only those changed.
func (a *Agent) Reload(cfg *config.Config) {
	a.mu.Lock()
	old := a.cfg
	var stop []*jobRun
	next := map[string]*jobRun{}
	for i := range cfg.Jobs {
		nj := &cfg.Jobs[i]
		j := a.jobs[nj.Name]
		if j != nil && config.SameJob(old, cfg, j.cfg, nj) {
			j.cfg = nj
			if j.runner != nil {
				j.runner.SetLimits(nj.Limits) // limits change without a restart
			}
			next[nj.Name] = j
			continue
		}
		if j != nil && j.state == JobRunning {
			stop = append(stop, j)
		}
		next[nj.Name] = &jobRun{cfg: nj, state: JobCreated}
	}
	for name, j := range a.jobs {
		if next[name] == nil && j.state == JobRunning {
			stop = append(stop, j)
		}
	}
	for _, j := range stop {
		j.stopping = true
		j.cancel()
	}
	a.mu.Unlock()
	for _, j := range stop {
		<-j.done
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg, a.jobs = cfg, next
	for _, j := range next {
		if j.state == JobCreated {
			a.launchLocked(j)
		}
	}
	a.Log.Info("config reloaded", "jobs", len(next), "restarted or started", len(stop))
}

// JobInfo is one job as the control API and the view show it.
type JobInfo struct {
	Name        string         `json:"name"`
	Mode        config.Mode    `json:"mode"`
	Source      string         `json:"source"`
	Destination string         `json:"destination"`
	Shard       string         `json:"shard,omitempty"` // "2/4": this agent's shard of the job (index/count)
	State       string         `json:"state"`
	Code        string         `json:"code,omitempty"`
	Message     string         `json:"message,omitempty"`
	Started     time.Time      `json:"started,omitzero"`
	Finished    time.Time      `json:"finished,omitzero"`
	Status      *engine.Status `json:"status,omitempty"` // of the current or last run
	LastRun     *state.Run     `json:"last_run,omitempty"`
}

// Jobs returns every job, sorted by name.
func (a *Agent) Jobs() []JobInfo {
	a.mu.Lock()
	names := make([]string, 0, len(a.jobs))
	for n := range a.jobs {
		names = append(names, n)
	}
	a.mu.Unlock()
	sort.Strings(names)
	out := make([]JobInfo, 0, len(names))
	for _, n := range names {
		if ji, err := a.JobInfo(n); err == nil {
			out = append(out, ji)
		}
	}
	return out
}

// JobInfo returns one job's state.
func (a *Agent) JobInfo(name string) (JobInfo, error) {
	a.mu.Lock()
	j, err := a.job(name)
	if err != nil {
		a.mu.Unlock()
		return JobInfo{}, err
	}
	ji := JobInfo{Name: j.cfg.Name, Mode: j.cfg.Mode, Source: j.cfg.Source, Destination: j.cfg.Destination,
		Shard: j.cfg.Settings().Shard.String(), State: j.state, Code: j.code, Message: j.message, Started: j.started, Finished: j.finished}
	r := j.job
	a.mu.Unlock()
	if r != nil {
		st := r.Status()
		ji.Status = &st
		if ji.State == JobRunning && st.Code != "" {
			ji.Code, ji.Message = st.Code, st.Reason
		}
	}
	if run, ok, err := a.Store.LastRun(name); err == nil && ok {
		ji.LastRun = &run
	}
	return ji, nil
}

// running is a job's runner as the agent drives it: a one-shot
// *engine.Runner, or the *continuous.Job of a continuous one.
type running interface {
	Status() engine.Status
	Pending(fn func(key string, since time.Time) error) error
	Retry()
	Held() bool
}

func (a *Agent) setRunner(j *jobRun, r *engine.Runner, job running) {
	a.mu.Lock()
	j.runner, j.job = r, job
	a.mu.Unlock()
}

// job is a job's current or last run (nil before its first run).
func (a *Agent) running(name string) running {
	a.mu.Lock()
	defer a.mu.Unlock()
	if j := a.jobs[name]; j != nil && j.job != nil {
		return j.job
	}
	return nil
}

// runner is a job's current or last runner (nil before its first run).
func (a *Agent) runner(name string) *engine.Runner {
	a.mu.Lock()
	defer a.mu.Unlock()
	if j := a.jobs[name]; j != nil {
		return j.runner
	}
	return nil
}

// VerifyAddress checks an address as the config's jobs use it, and keeps
// the result for `mgw address list` and the view.
func (a *Agent) VerifyAddress(ctx context.Context, name string) (AddressCheck, error) {
	cfg := a.Config()
	ad := cfg.Address(name)
	if ad == nil {
		return AddressCheck{}, apiError(codes.DataAddressNotExists, "no address %q", name)
	}
	side := cfg.SideOf(name)
	c := AddressCheck{At: time.Now(), Side: side.String()}
	if code, err := engine.VerifyAddress(ctx, ad.Connector(), side); code != "" {
		c.Code, c.Message = code, engine.RootCause(err)
	}
	a.mu.Lock()
	a.checks[name] = c
	a.mu.Unlock()
	return c, nil
}

// Check returns the last verification of an address (zero if none).
func (a *Agent) Check(name string) (AddressCheck, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.checks[name]
	return c, ok
}
