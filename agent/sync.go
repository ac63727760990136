package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// syncState is what a continuous job keeps between passes.
type syncState struct {
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

	// injectWatchErr, when set before Sync, is where tests send errors as if
	// from the watcher (an overflow).
	injectWatchErr chan error
}

func newSyncState() *syncState {
	return &syncState{changes: newChangeQueue(), passReq: make(chan struct{}, 1)}
}

func (s *syncState) set(f func(s *syncState)) {
	s.mu.Lock()
	f(s)
	s.mu.Unlock()
}

func (s *syncState) isPaused() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.paused != ""
}

// Sync runs a continuous job until ctx ends: a first full pass, then every
// change the watch reports (or every poll's listing diff, where the source
// cannot be watched), plus a full reconcile pass every rescan. It returns
// the first pass's JobError when the job cannot start at all, and nil
// when ctx ends.
func (r *Runner) Sync(ctx context.Context) error {
	if r.sync == nil {
		r.sync = newSyncState()
	}
	if err := r.init(); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.fatal = cancel
	stop := r.startCopiers(ctx)
	defer stop()
	s := r.sync
	settle := time.Duration(r.Job.Settle)

	root := ""
	if r.SrcAddr.Type == "local" {
		root = r.SrcAddr.Path
	}
	var w *watcher
	var watchErrs <-chan error
	var watchFailed <-chan string
	startWatch := func() {
		if root == "" {
			s.set(func(s *syncState) {
				s.watch = "polling every " + r.Job.Poll.String() + " (the source cannot be watched)"
			})
			return
		}
		if ok, why := watchable(root); !ok {
			s.set(func(s *syncState) { s.watch = "polling every " + r.Job.Poll.String() + " (" + why + ")" })
			return
		}
		nw, err := newWatcher(root, s.changes, r.log)
		if err != nil {
			s.set(func(s *syncState) { s.watch = "degraded (" + rootCause(err) + "): polling" })
			return
		}
		w, watchFailed = nw, nw.failed
		if s.injectWatchErr != nil {
			watchErrs = s.injectWatchErr
		}
		s.set(func(s *syncState) { s.watch = "watching"; s.unwatched = nw.unwatchedDirs() })
	}
	startWatch()
	defer func() {
		if w != nil {
			w.close()
		}
	}()

	// Full passes run one at a time, beside the handling of changes.
	passes := make(chan error, 1)
	go func() { passes <- r.passLoop(ctx) }()
	s.passReq <- struct{}{}

	tick := time.NewTicker(min(max(settle/4, 20*time.Millisecond), 500*time.Millisecond))
	defer tick.Stop()
	rescan := time.NewTicker(time.Duration(r.Job.Rescan))
	defer rescan.Stop()
	poll := time.NewTicker(time.Duration(r.Job.Poll))
	defer poll.Stop()
	var rewatch <-chan time.Time
	backoff := time.Second

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
			r.requestPass()
		case <-poll.C:
			if w == nil {
				r.requestPass() // a listing diff against the index
			} else {
				r.pollUnwatched(ctx, w)
			}
		case err := <-watchErrs:
			w.errs <- err
		case why := <-watchFailed:
			// A watch that died must never look like a quiet source: poll
			// at once, and try to watch again with backoff.
			r.log.Warn("watch failed: polling until it is back", "reason", why)
			w.close()
			w, watchFailed, watchErrs = nil, nil, nil
			s.set(func(s *syncState) { s.watch = "degraded (" + why + "): polling" })
			r.requestPass()
			rewatch = time.After(backoff)
		case <-rewatch:
			rewatch = nil
			startWatch()
			if w == nil {
				backoff = min(backoff*2, 5*time.Minute)
				rewatch = time.After(backoff)
			} else {
				backoff = time.Second
				r.requestPass() // catch what changed while unwatched
			}
		case <-tick.C:
			if s.isPaused() {
				continue // changes wait in the queue
			}
			keys, full := s.changes.ready(time.Now(), settle)
			if full {
				r.requestPass()
			}
			if len(keys) > 0 {
				r.examine(ctx, root, keys)
			}
		}
	}
}

// unsettled reports, for a continuous job, whether a listed file is still
// changing: modified less than settle ago, or with a change waiting to
// settle. Such a file is left to the change path, which copies it once it
// has been quiet, instead of being copied half-written by a scan.
func (r *Runner) unsettled(o connectors.Object) bool {
	if r.sync == nil || r.SrcAddr.Type != "local" {
		return false
	}
	now := time.Now()
	if now.Sub(o.ModTime) < time.Duration(r.Job.Settle) {
		r.sync.changes.add(o.Key, now)
		return true
	}
	return r.sync.changes.pending(o.Key)
}

// requestPass asks the pass loop for a full pass; requests made while one
// is waiting merge into it.
func (r *Runner) requestPass() {
	select {
	case r.sync.passReq <- struct{}{}:
	default:
	}
}

// Retry ends a hold on access at once; in a continuous job it also
// re-queues the failed files and confirms deletes held back by a pause:
// the next full pass starts at once.
func (r *Runner) Retry() {
	// Told that access is back: a refusal still in flight from before
	// must count as one, not hold the job again at once.
	r.deniedRun[Source].Store(0)
	r.deniedRun[Destination].Store(0)
	if r.access.resume() {
		r.log.Info("job resumed", "was", codes.ProviderAccessDenied)
	}
	if r.sync == nil {
		return
	}
	r.sync.confirm.Store(true)
	r.requestPass()
}

// Held reports whether the job's copiers wait for access to return.
func (r *Runner) Held() bool {
	code, _ := r.access.status()
	return code != ""
}

// passLoop runs the full passes. Only the first pass's error ends the job
// (the setup is wrong); later ones pause it with their code until a pass
// succeeds again.
func (r *Runner) passLoop(ctx context.Context) error {
	s := r.sync
	first := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.passReq:
		}
		s.set(func(s *syncState) { s.scanning = true })
		_, err := r.fullPass(ctx) // a pass that succeeds resumes a paused job (reconcile)
		s.set(func(s *syncState) { s.scanning = false; s.lastScan = time.Now() })
		var je *JobError
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
			r.pause(code, je.Error())
		default:
			r.log.Error("full pass failed", "err", err)
		}
		first = false
	}
}

// pause stops applying changes until a pass finds things well again.
func (r *Runner) pause(code, text string) {
	r.sync.set(func(s *syncState) {
		if s.paused != code {
			r.log.Error("job paused", "code", code, "reason", text)
		}
		s.paused, s.pauseText = code, text
	})
}

func (r *Runner) resume() {
	r.sync.set(func(s *syncState) {
		if s.paused != "" {
			r.log.Info("job resumed", "was", s.paused)
		}
		s.paused, s.pauseText = "", ""
	})
}

// examine handles settled changes, several at a time (each may wait on
// a request to the destination): a folder is scanned (created or moved in
// whole), a file is planned and queued, a path that is gone goes to the
// delete policy. It returns once all are queued, not copied.
func (r *Runner) examine(ctx context.Context, root string, keys []string) {
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
				if r.examineOne(ctx, root, key, &pass) {
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
		r.goneEvents(ctx, gone)
	}
}

// examiners is how many settled changes are looked at at once.
const examiners = 8

// examineOne handles one settled change; it reports whether the path is
// gone from the source.
func (r *Runner) examineOne(ctx context.Context, root, key string, pass *sync.WaitGroup) (gone bool) {
	if root != "" {
		if fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(key))); err == nil && fi.IsDir() {
			if _, err := r.pass(ctx, r.log, key+"/", nil); err != nil && ctx.Err() == nil {
				r.log.Warn("cannot scan folder", "dir", key, "err", rootCause(err))
			}
			return false
		}
	}
	o, err := r.Src.Stat(ctx, key)
	switch {
	case err == nil:
		if t, ok := r.plan(ctx, o, nil); ok {
			r.enqueue(ctx, t, pass)
		}
	case connectors.KindOf(err) == connectors.KindNotFound:
		return true
	default:
		r.log.Warn("cannot stat changed file: the next full pass retries it", "path", key, "err", rootCause(err))
	}
	return false
}

// pollUnwatched scans the folders the kernel would not let us watch.
func (r *Runner) pollUnwatched(ctx context.Context, w *watcher) {
	for _, d := range w.unwatchedDirs() {
		if _, err := r.pass(ctx, r.log, d+"/", nil); err != nil && ctx.Err() == nil {
			r.log.Warn("cannot poll folder", "dir", d, "err", rootCause(err))
		}
	}
}

// reconcile is the end of a continuous job's full pass: it finds the
// indexed files the pass did not list and applies the delete policy,
// guarded against a source that vanished or went empty.
func (r *Runner) reconcile(ctx context.Context, log *slog.Logger, seen *keySet, clean bool) error {
	s := r.sync
	var indexed int64
	if err := r.Store.FilePaths(r.Job.Name, "", func(string) error { indexed++; return nil }); err != nil {
		return err
	}
	confirmed := s.confirm.Swap(false)
	limit := r.Job.MaxDelete.Limit(indexed)
	s.deleted.Store(0)
	s.indexed.Store(indexed)
	if seen.len() == 0 && indexed > 0 && !confirmed {
		r.pause(codes.SourceVanished, fmt.Sprintf("the source lists no files, the index holds %d", indexed))
		return nil
	}
	if r.Job.Deletes == DeletesKeep {
		r.resume()
		return nil
	}
	if !clean {
		log.Warn("some source folders could not be read: no deletes applied in this pass")
		r.resume()
		return nil
	}
	var gone []string
	err := r.Store.FilePaths(r.Job.Name, "", func(p string) error {
		if !seen.has(p) {
			gone = append(gone, p)
			if int64(len(gone)) > limit && !confirmed {
				return errStop
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return err
	}
	if int64(len(gone)) > limit && !confirmed {
		r.pause(codes.DeleteLimitExceeded, fmt.Sprintf("more than %d of %d indexed files are gone from the source (max_delete)", limit, indexed))
		return nil
	}
	// Deletes first, then resume: changes queued while paused (the same
	// files, seen gone by the watch) then find nothing left to delete
	// instead of pausing the job again. A pause the deletes themselves
	// call for stays.
	if !r.applyDeletes(ctx, log, gone, time.Now(), confirmed) {
		r.resume()
	}
	return nil
}

var errStop = errors.New("stop")

// goneEvents applies the delete policy to paths the watch saw disappear
// (files or whole folders), within the budget left for this pass.
func (r *Runner) goneEvents(ctx context.Context, keys []string) {
	if r.Job.Deletes == DeletesKeep {
		return
	}
	var paths []string
	seen := map[string]bool{} // a file and its folder may both be gone
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	for _, key := range keys {
		if _, ok, err := r.Store.File(r.Job.Name, key); err == nil && ok {
			add(key)
		}
		_ = r.Store.FilePaths(r.Job.Name, key+"/", func(p string) error { add(p); return nil })
	}
	if len(paths) == 0 {
		return
	}
	// The count of the last pass decides, unless it says no: the index
	// may have grown since, so only then is it counted again.
	indexed := r.sync.indexed.Load()
	over := func() bool {
		return r.sync.deleted.Load()+int64(len(paths)) > r.Job.MaxDelete.Limit(indexed) && !r.sync.confirm.Load()
	}
	if over() {
		indexed = 0
		_ = r.Store.FilePaths(r.Job.Name, "", func(string) error { indexed++; return nil })
		r.sync.indexed.Store(indexed)
	}
	limit := r.Job.MaxDelete.Limit(indexed)
	if over() {
		r.pause(codes.DeleteLimitExceeded, fmt.Sprintf("%d files gone from the source at once, more than max_delete allows (%d of %d indexed)", len(paths), limit, indexed))
		// The next full pass decides again, with the whole picture.
		return
	}
	r.sync.deleted.Add(int64(len(paths)))
	// They have been gone for settle already: the watch debounced them.
	r.applyDeletes(ctx, r.log, paths, time.Now().Add(-time.Duration(r.Job.Settle)), r.sync.confirm.Load())
}

// applyDeletes deletes (or archives) at the destination each path that
// has been gone from the source for settle since goneAt, and forgets it.
// A path that is back, or whose absence cannot be confirmed, is left.
// It returns true when it paused the job instead.
func (r *Runner) applyDeletes(ctx context.Context, log *slog.Logger, paths []string, goneAt time.Time, confirmed bool) (paused bool) {
	if len(paths) == 0 {
		return false
	}
	r.sync.pendingDeletes.Add(int64(len(paths)))
	defer r.sync.pendingDeletes.Add(-int64(len(paths)))
	if wait := time.Until(goneAt.Add(time.Duration(r.Job.Settle))); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false
		}
	}
	// Never delete on the word of a source that is not there, or that
	// lists nothing at all (an unmounted share leaves an empty folder).
	if err := r.Src.Check(ctx); err != nil {
		r.pause(codes.SourceVanished, rootCause(err))
		return true
	}
	if !confirmed {
		if empty, err := r.sourceEmpty(ctx); err != nil || empty {
			r.pause(codes.SourceVanished, "the source lists no files")
			return true
		}
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			return false
		}
		if _, err := r.Src.Stat(ctx, p); connectors.KindOf(err) != connectors.KindNotFound {
			continue // back again, or cannot tell: keep
		}
		if err := r.removeDest(ctx, p); err != nil {
			log.Warn("cannot apply delete at the destination", "path", p, "policy", r.Job.Deletes, "err", rootCause(err))
			continue
		}
		if err := r.Store.Forget(r.Job.Name, p); err != nil {
			log.Error("cannot update the index", "path", p, "err", err)
		}
		r.Progress.Deleted.Add(1)
		log.Info("deleted at the destination", "path", p, "policy", r.Job.Deletes)
	}
	return false
}

// sourceEmpty reports whether the source lists no file at all.
func (r *Runner) sourceEmpty(ctx context.Context) (bool, error) {
	var found atomic.Bool // fn may run on several goroutines
	err := r.Src.List(ctx, "", func(connectors.Object) error { found.Store(true); return errStop }, func(connectors.ListError) {})
	if errors.Is(err, errStop) {
		err = nil
	}
	return !found.Load(), err
}

// removeDest deletes key at the destination, after copying it under the
// archive prefix with deletes: archive.
func (r *Runner) removeDest(ctx context.Context, key string) error {
	if r.Job.Deletes == DeletesArchive {
		if err := r.archive(ctx, key); err != nil {
			if connectors.KindOf(err) == connectors.KindNotFound {
				return nil // nothing to archive: nothing to delete
			}
			return err
		}
	}
	return r.Dst.Delete(ctx, key)
}

// Status is what a job shows of itself: the status line, the agent's
// status files and the control API all read it.
type Status struct {
	Name      string        `json:"name"`
	Mode      string        `json:"mode"`
	State     string        `json:"state"` // scanning, migrating, synced (continuous), paused; scanning, migrating, restoring (once), paused
	Code      string        `json:"code,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	Watch     string        `json:"watch,omitempty"`
	Unwatched []string      `json:"unwatched,omitempty"`
	Lag       time.Duration `json:"lag_ns"`
	LastScan  time.Time     `json:"last_scan,omitzero"`
	Progress  Snapshot      `json:"progress"`
}

// Pending calls fn for every file queued or being copied, and, in a
// continuous job, every change waiting to settle, in key order.
func (r *Runner) Pending(fn func(key string, since time.Time) error) error {
	r.mu.Lock()
	m := make(map[string]time.Time, len(r.busy))
	for k, t := range r.busy {
		m[k] = t
	}
	r.mu.Unlock()
	if r.sync != nil {
		r.sync.changes.each(func(k string, first time.Time) {
			if _, ok := m[k]; !ok {
				m[k] = first
			}
		})
	}
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

// Status reads the job's state now.
func (r *Runner) Status() Status {
	p := r.Progress.Snapshot()
	st := Status{Name: r.Job.Name, Mode: r.Job.Mode, Progress: p}
	held, heldText := r.access.status()
	if r.sync == nil {
		st.State = "migrating"
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
	s := r.sync
	oldest := s.changes.oldest()
	r.mu.Lock()
	for _, since := range r.busy {
		if oldest.IsZero() || since.Before(oldest) {
			oldest = since
		}
	}
	r.mu.Unlock()
	if !oldest.IsZero() {
		st.Lag = time.Since(oldest)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Watch, st.LastScan, st.Unwatched = s.watch, s.lastScan, s.unwatched
	switch {
	case held != "":
		st.State, st.Code, st.Reason = "paused", held, heldText
	case s.paused != "":
		st.State, st.Code, st.Reason = "paused", s.paused, s.pauseText
	case s.scanning && !p.ScanDone:
		st.State = "scanning"
	case p.FilesQueued > 0 || !oldest.IsZero() || s.pendingDeletes.Load() > 0:
		st.State = "migrating"
	default:
		st.State = "synced"
	}
	return st
}
