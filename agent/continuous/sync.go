package continuous

import (
	"context"
	"errors"
	"log/slog"
	"path"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// Job runs a continuous job: its runner's full passes, and between them
// the changes the source's watch reports (or a poll's listing diff, where
// the source cannot be watched), with the delete policy and its guards.
type Job struct {
	r         *engine.Runner
	log       *slog.Logger
	watchable bool // the source implements connectors.Watcher

	changes        *changeQueue
	passReq        chan struct{} // a full pass is wanted (buffered: requests coalesce)
	confirm        atomic.Bool   // `mgw job retry`: apply the deletes a pause held back
	deleted        atomic.Int64  // deletes the watch applied since the last full pass
	indexed        atomic.Int64  // files in the index at the last full pass
	pendingDeletes atomic.Int64  // deletes being applied

	mu        sync.Mutex
	scanning  bool
	paused    string // code; "" when running
	pauseText string
	watch     string // how changes are found: "watching", "polling (why)", "degraded (why)"
	lastScan  time.Time
	unwatched []string // folders polled because they could not be watched
}

// New makes r's job a continuous one; Run runs it.
func New(r *engine.Runner) *Job {
	_, watchable := r.Src.(connectors.Watcher)
	j := &Job{r: r, log: r.Logger(), watchable: watchable, changes: newChangeQueue(), passReq: make(chan struct{}, 1)}
	r.Continuous = j
	return j
}

func (j *Job) set(f func(j *Job)) {
	j.mu.Lock()
	f(j)
	j.mu.Unlock()
}

func (j *Job) isPaused() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.paused != ""
}

// Changed, Closed and Lost receive what the source's watch sees.
func (j *Job) Changed(key string) { j.changes.add(key, time.Now()) }
func (j *Job) Closed(key string)  { j.changes.closed(key, time.Now()) }
func (j *Job) Lost()              { j.changes.rescan(time.Now()) }

// Again is told by the runner of a file that changed while it was copied.
func (j *Job) Again(key string) { j.changes.add(key, time.Now()) }

// startWatch watches the source if it can be watched, and says how
// changes are found either way.
func (j *Job) startWatch() connectors.Watch {
	poll := "polling every " + j.r.Job.Poll.String()
	wr, ok := j.r.Src.(connectors.Watcher)
	if !ok {
		j.set(func(j *Job) { j.watch = poll + " (the source cannot be watched)" })
		return nil
	}
	w, err := wr.Watch(j, j.log)
	switch {
	case errors.Is(err, connectors.ErrUnwatchable):
		j.set(func(j *Job) { j.watch = poll + " (" + err.Error() + ")" })
		return nil
	case err != nil:
		j.set(func(j *Job) { j.watch = "degraded (" + engine.RootCause(err) + "): polling" })
		return nil
	}
	j.set(func(j *Job) { j.watch = "watching"; j.unwatched = w.Unwatched() })
	return w
}

// Run runs the job until ctx ends: a first full pass, then every change
// the watch reports (or every poll's listing diff, where the source
// cannot be watched), plus a full reconcile pass every rescan. It returns
// the first pass's *engine.JobError when the job cannot start at all,
// and nil when ctx ends.
func (j *Job) Run(ctx context.Context) error {
	ctx, stop, err := j.r.Start(ctx)
	if err != nil {
		return err
	}
	defer stop()
	ws := &watchState{backoff: time.Second}
	ws.start(j)
	defer ws.close()

	// Full passes run one at a time, beside the handling of changes.
	passes := make(chan error, 1)
	go func() { passes <- j.passLoop(ctx) }()
	j.passReq <- struct{}{}

	// The settle timer is armed only while a change is pending: an idle
	// job has no timer of its own but the rescan and the poll.
	settled := newSettleTimer()
	defer settled.t.Stop()
	rescan := time.NewTicker(j.r.Job.Rescan)
	defer rescan.Stop()
	poll := time.NewTicker(j.r.Job.Poll)
	defer poll.Stop()

	for {
		select {
		case <-ctx.Done():
			err := <-passes
			if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
				return cause
			}
			return err
		case err := <-passes:
			return err // the first pass could not start: the job's setup is wrong
		case <-rescan.C:
			j.requestPass()
		case <-poll.C:
			if ws.w == nil {
				j.requestPass() // a listing diff against the index
			} else {
				j.pollUnwatched(ctx, ws.w)
			}
		case why := <-ws.failed:
			ws.lost(j, why)
		case <-ws.rewatch:
			ws.retry(j)
		case <-j.changes.wake:
			// A change that settles waits for a timer already armed
			// earlier; a closed file, a full pass asked for, or an idle
			// timer is handled at once.
			if !settled.armed || j.changes.takeUrgent() {
				j.examineSettled(ctx)
				settled.arm(j)
			}
		case <-settled.t.C:
			settled.armed = false
			j.examineSettled(ctx)
			settled.arm(j)
		}
	}
}

// settleTimer fires when the earliest pending change is ready.
type settleTimer struct {
	t     *time.Timer
	armed bool
}

func newSettleTimer() *settleTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &settleTimer{t: t}
}

// arm sets the timer for the next pending change, or stops it when none
// is pending or the job is paused (resume wakes the loop).
func (s *settleTimer) arm(j *Job) {
	at, ok := j.changes.next(j.r.Job.Settle)
	if !ok || j.isPaused() {
		s.t.Stop()
		s.armed = false
		return
	}
	s.t.Reset(max(time.Until(at), 0) + batchSlack(j.r.Job.Settle))
	s.armed = true
}

// batchSlack is how long past the earliest settled change the timer
// waits, so that changes made together (a tree removed, files dropped)
// are examined in one batch rather than one by one: a quarter of settle,
// within 20 ms and 500 ms, as the examination ticks used to come.
func batchSlack(settle time.Duration) time.Duration {
	return min(max(settle/4, 20*time.Millisecond), 500*time.Millisecond)
}

// watchState is the source's watch as Run keeps it: the watch, or, while
// there is none, when to try again.
type watchState struct {
	w       connectors.Watch
	failed  <-chan string
	rewatch <-chan time.Time
	backoff time.Duration
}

func (ws *watchState) start(j *Job) {
	if ws.w = j.startWatch(); ws.w != nil {
		ws.failed = ws.w.Failed()
	}
}

func (ws *watchState) close() {
	if ws.w != nil {
		ws.w.Close()
	}
}

// lost handles a watch that died: it must never look like a quiet
// source, so the job polls at once and tries to watch again with backoff.
func (ws *watchState) lost(j *Job, why string) {
	j.log.Warn("watch failed: polling until it is back", "reason", why)
	ws.close()
	ws.w, ws.failed = nil, nil
	j.set(func(j *Job) { j.watch = "degraded (" + why + "): polling" })
	j.requestPass()
	ws.rewatch = time.After(ws.backoff)
}

// retry tries to watch again after a loss.
func (ws *watchState) retry(j *Job) {
	ws.rewatch = nil
	ws.start(j)
	if ws.w == nil {
		ws.backoff = min(ws.backoff*2, 5*time.Minute)
		ws.rewatch = time.After(ws.backoff)
		return
	}
	ws.backoff = time.Second
	j.requestPass() // catch what changed while unwatched
}

// examineSettled hands the changes that have settled to the runner, unless
// the job is paused (then they wait in the queue).
func (j *Job) examineSettled(ctx context.Context) {
	if j.isPaused() {
		return
	}
	keys, full := j.changes.ready(time.Now(), j.r.Job.Settle)
	if full {
		j.requestPass()
	}
	if len(keys) > 0 {
		j.examine(ctx, keys)
	}
}

// Unsettled reports whether a listed file of a watched source is still
// changing: modified less than settle ago, or with a change waiting to
// settle. Such a file is left to the change path, which copies it once it
// has been quiet, instead of being copied half-written by a scan.
func (j *Job) Unsettled(o connectors.Object) bool {
	if !j.watchable {
		return false
	}
	now := time.Now()
	if now.Sub(o.ModTime) < j.r.Job.Settle {
		j.changes.note(o.Key, now)
		return true
	}
	return j.changes.pending(o.Key)
}

// requestPass asks the pass loop for a full pass; requests made while one
// is waiting merge into it.
func (j *Job) requestPass() {
	select {
	case j.passReq <- struct{}{}:
	default:
	}
}

// Retry ends a hold on access at once, re-queues the failed files and
// confirms deletes held back by a pause: the next full pass starts at once.
func (j *Job) Retry() {
	j.r.Retry()
	j.confirm.Store(true)
	j.requestPass()
}

// passLoop runs the full passes. Only the first pass's error ends the job
// (the setup is wrong); later ones pause it with their code until a pass
// succeeds again.
func (j *Job) passLoop(ctx context.Context) error {
	first := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-j.passReq:
		}
		j.set(func(j *Job) { j.scanning = true })
		_, err := j.r.FullPass(ctx) // a pass that succeeds resumes a paused job (Reconcile)
		j.set(func(j *Job) { j.scanning = false; j.lastScan = time.Now() })
		// The pass's garbage (listings, plans, caches) is given back to the
		// system now rather than by the runtime's slow scavenger: a job
		// that goes idle after it holds only its live heap. One GC cycle
		// per full pass (hourly by default).
		debug.FreeOSMemory()
		var je *engine.JobError
		switch {
		case ctx.Err() != nil:
			return nil
		case err == nil:
		case errors.As(err, &je) && first:
			return err
		case errors.As(err, &je):
			code := je.Code
			if connectors.KindOf(err) == connectors.KindNotFound {
				code = codes.SourceVanished
			}
			j.pause(code, je.Error())
		default:
			j.log.Error("full pass failed", "err", err)
		}
		first = false
	}
}

// pause stops applying changes until a pass finds things well again.
func (j *Job) pause(code, text string) {
	j.set(func(s *Job) {
		if s.paused != code {
			j.log.Error("job paused", "code", code, "reason", text)
		}
		s.paused, s.pauseText = code, text
	})
}

func (j *Job) resume() {
	j.set(func(s *Job) {
		if s.paused != "" {
			j.log.Info("job resumed", "was", s.paused)
		}
		s.paused, s.pauseText = "", ""
	})
	j.changes.rescanWake()
}

// examine handles settled changes, several at a time (each may wait on
// a request to the destination): a folder is scanned (created or moved in
// whole), a file is planned and queued, a path that is gone goes to the
// delete policy. A folder with listMin changed files or more in the batch
// has its destination listing read once instead of a HEAD per new file.
// That listing serves this batch only: what it proves absent is as fresh
// as a HEAD would have been, so a third party's object written at the
// destination since is never overwritten on an old word. It returns once
// all are queued, not copied.
func (j *Job) examine(ctx context.Context, keys []string) {
	names := j.r.NewDestNames()
	perDir := map[string]int{}
	for _, k := range keys {
		perDir[path.Dir(k)]++
	}
	useNames := func(k string) *engine.DestNames {
		d := path.Dir(k)
		if perDir[d] >= listMin {
			return names
		}
		return nil
	}
	var (
		pass sync.WaitGroup // counts the queued copies for finish(); nobody waits on it
		mu   sync.Mutex
		gone []string
		wg   sync.WaitGroup
	)
	work := make(chan string)
	for range min(examiners, len(keys)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for key := range work {
				if j.examineOne(ctx, key, useNames(key), &pass) {
					mu.Lock()
					gone = append(gone, key)
					mu.Unlock()
				}
			}
		}()
	}
	for _, k := range keys {
		work <- k
	}
	close(work)
	wg.Wait()
	if len(gone) > 0 {
		j.goneEvents(ctx, gone)
	}
}

// examiners is how many settled changes are looked at at once.
const examiners = 8

// listMin is how many changed files of one folder in a batch make reading
// its destination listing cheaper than a HEAD each.
const listMin = 8

// examineOne handles one settled change; it reports whether the path is
// gone from the source.
func (j *Job) examineOne(ctx context.Context, key string, names *engine.DestNames, pass *sync.WaitGroup) (gone bool) {
	o, err := j.r.Src.Stat(ctx, key)
	switch {
	case err == nil:
		j.r.Examine(ctx, o, names, pass)
	case errors.Is(err, connectors.ErrIsFolder):
		// A folder created or moved in whole: its files are listed.
		if err := j.r.Scan(ctx, key+"/"); err != nil && ctx.Err() == nil {
			j.log.Warn("cannot scan folder", "dir", key, "err", engine.RootCause(err))
		}
	case connectors.KindOf(err) == connectors.KindNotFound:
		// A copy still under way is recorded after the delete is
		// applied: it is examined again once it ends.
		j.r.RecheckWhenDone(key)
		return true
	default:
		j.log.Warn("cannot stat changed file: the next full pass retries it", "path", key, "err", engine.RootCause(err))
	}
	return false
}

// pollUnwatched scans the folders the kernel would not let us watch.
func (j *Job) pollUnwatched(ctx context.Context, w connectors.Watch) {
	for _, d := range w.Unwatched() {
		if err := j.r.Scan(ctx, d+"/"); err != nil && ctx.Err() == nil {
			j.log.Warn("cannot poll folder", "dir", d, "err", engine.RootCause(err))
		}
	}
}
