package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors/all"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// Runner runs one migration job: one pass for a one-shot job (Run), or
// passes and watched changes until stopped for a continuous one (Sync).
// Each pass scans the source, plans each file against the index and the
// destination, copies, verifies, records.
type Runner struct {
	Job              *config.Settings
	SrcAddr, DstAddr connectors.Address
	// srcFiles: the source holds files on a disk or share, where a
	// refusal is a permission on one file (FileCode).
	srcFiles bool
	Src, Dst connectors.Bucket
	Store    *state.Store
	Log      *slog.Logger
	Progress *Progress

	srcPace, dstPace pace.Pacer
	limits           *pace.Limiter // the job's bytes/s and requests/s; SetLimits swaps them
	selector         *Selector
	started          map[string]bool // files with a multipart checkpoint when the job began
	fatal            context.CancelCauseFunc
	deniedRun        [2]atomic.Int64         // consecutive access-denied answers, per side
	access           *accessHold             // holds the copiers while a side refuses access
	restores         restoring               // archived objects a one-shot run waits for
	serverCopy       connectors.ServerCopier // set by init where the destination can copy from the source (servercopy.go)
	noServerCopy     atomic.Bool             // the destination said it cannot copy on the server
	rebuilt          atomic.Bool             // the index was rebuilt: adopt matching objects (state.Job.Adopt)

	// PauseOnDenied holds a one-shot job while a side refuses access, as
	// continuous jobs always do, instead of stopping it: set by the agent,
	// where `mgw job retry` can resume it.
	PauseOnDenied bool
	log           *slog.Logger

	// The copiers' queue. busy holds the keys queued or being copied, with
	// when their change was seen (for lag); a key found again while busy is
	// marked in again and examined once more when its copy ends, so one
	// file is never copied by two workers at once.
	todo   chan task
	heavy  chan struct{} // slots of large files (copyHeavy)
	parted chan struct{} // slots of files sent in parts (copyHeavy)
	// planning counts the passes still planning files: until they are
	// done, more files may come to the copiers.
	planning atomic.Int32
	mu       sync.Mutex
	busy     map[string]time.Time
	again    map[string]bool

	// Continuous is set by agent/continuous before a continuous job starts;
	// nil for a one-shot job.
	Continuous Continuous

	current atomic.Pointer[passReport] // what a shard's status tells (reportupload.go)
}

// NewRunner returns the runner of job between two opened addresses.
// Status may be called on it at once, from any goroutine.
func NewRunner(job *config.Settings, srcAddr, dstAddr connectors.Address, src, dst connectors.Bucket, st *state.Store, log *slog.Logger) *Runner {
	r := &Runner{Job: job, SrcAddr: srcAddr, DstAddr: dstAddr, Src: src, Dst: dst, Store: st, Log: log,
		Progress: &Progress{Started: time.Now()}, limits: pace.NewLimiter(job.Limits, nil), access: newAccessHold(firstProbe, maxProbe)}
	r.log = log.With("job", job.Name)
	if b, ok := all.Lookup(srcAddr.Type); ok {
		r.srcFiles = b.FileSystem
	}
	return r
}

// JobError is why a run stopped before it was done, with the catalogue code.
type JobError struct {
	Code string
	Err  error
}

func (e *JobError) Error() string {
	return codes.Text(e.Code, RootCause(e.Err))
}

func (e *JobError) Unwrap() error { return e.Err }

// Run performs one pass and returns its report. The error is a *JobError
// when the run could not finish (an address refused, the source vanished),
// or the context's error when it was interrupted; per-file failures are
// not errors: they are in the report and the failed list.
func (r *Runner) Run(ctx context.Context) (*state.Run, error) {
	ctx, stop, err := r.Start(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	return r.FullPass(ctx)
}

// Start prepares the job's passes and starts its copiers. Passes run in
// the returned context, which ends early when no file can succeed (the
// cause is a *JobError); stop ends it, closes the queue and waits for the
// copiers.
func (r *Runner) Start(ctx context.Context) (_ context.Context, stop func(), _ error) {
	if err := r.init(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	r.fatal = cancel
	stopCopiers := r.startCopiers(ctx)
	reported := make(chan struct{})
	go func() { r.reportStatus(ctx); close(reported) }()
	return ctx, func() { cancel(nil); stopCopiers(); <-reported }, nil
}

// init prepares what every pass of the job shares.
func (r *Runner) init() error {
	if r.Progress == nil {
		r.Progress = &Progress{Started: time.Now()}
	}
	if err := r.pruneShard(r.log); err != nil {
		return err
	}
	// Checkpoints are few (at most the uploads in flight when an earlier
	// run stopped): read them once rather than once per new file.
	r.started = map[string]bool{}
	if err := r.Store.Uploads(r.Job.Name, func(path string, _ state.Upload) error {
		r.started[path] = true
		return nil
	}); err != nil {
		return err
	}
	r.selector = NewSelector(r.Job)
	r.serverCopy = r.serverCopier()
	j, err := r.Store.Job(r.Job.Name)
	if err != nil {
		return err
	}
	r.rebuilt.Store(j.Adopt)
	r.mu.Lock() // Status may already be reading
	r.busy = map[string]time.Time{}
	r.again = map[string]bool{}
	r.mu.Unlock()
	return nil
}

// FullPass scans the whole source as one recorded run, and for continuous
// jobs hands what the scan listed to Continuous.Reconcile.
func (r *Runner) FullPass(ctx context.Context) (*state.Run, error) {
	run := &state.Run{Job: r.Job.Name, Started: time.Now(), State: "running", ShardIndex: r.Job.Shard.Index, ShardCount: r.Job.Shard.Count}
	if err := r.Store.NewRun(run); err != nil {
		return nil, stateError(err)
	}
	log := r.log.With("run", run.Number)
	before := r.Progress.Snapshot()
	r.current.Store(&passReport{run: *run, before: before})
	r.uploadStatus(ctx)
	r.Progress.ScanDone.Store(false)
	r.Progress.Scans.Add(1)

	err := r.check(ctx)
	if err == nil {
		r.sweepTemps(ctx, log)
		r.sweepIntents(ctx, log)
		var seen *KeySet
		if r.Continuous != nil {
			seen = &KeySet{}
		}
		var clean bool
		clean, err = r.pass(ctx, log, "", seen)
		if err == nil {
			r.abortStaleUploads(ctx, log)
			// Records of files this pass did not meet again are stale;
			// with folders left unread, they may not be.
			if clean {
				if derr := r.Store.DropStale(r.Job.Name, run.Started); derr != nil {
					log.Warn("cannot drop stale records", "err", derr)
				}
				if r.rebuilt.Load() {
					if aerr := r.Store.Adopted(r.Job.Name); aerr != nil {
						log.Warn("cannot record the end of the adoption", "err", aerr)
					} else {
						r.rebuilt.Store(false)
						log.Info("index rebuilt: every file of the source was met, adopted or copied")
					}
				}
				r.Progress.ListsChanged.Store(time.Now().UnixNano())
			}
			if r.Continuous != nil {
				err = r.Continuous.Reconcile(ctx, log, seen, clean)
			} else {
				err = r.awaitRestores(ctx, log)
			}
		}
	}
	run.Finished = time.Now()
	if ferr := r.fillReport(run, before); ferr != nil {
		log.Error("the run's report is incomplete", "err", ferr)
		if err == nil {
			err = ferr
		}
	}
	var je *JobError
	switch {
	case err == nil:
		run.State = "completed"
	case errors.As(err, &je):
		run.State = "failed"
		run.Error = je.Error()
	case ctx.Err() != nil:
		run.State = "interrupted"
	default:
		run.State = "failed"
		run.Error = err.Error()
	}
	if serr := r.Store.SaveRun(run); serr != nil && err == nil {
		err = serr
	}
	r.current.Store(&passReport{run: *run, final: true})
	r.uploadReport(ctx, run)
	log.Info("run finished", "state", run.State, "copied", run.FilesCopied, "failed", run.FilesFailed)
	return run, err
}

// pass lists prefix of the source, plans each file and queues those to
// copy, and returns once every one of them is done: one lister, a few
// planners and the copiers joined by bounded channels, so a huge source
// never sits in memory. seen, if not nil, collects every listed key.
// clean is false when a folder could not be read.
func (r *Runner) pass(ctx context.Context, log *slog.Logger, prefix string, seen *KeySet) (clean bool, err error) {
	r.planning.Add(1) // ended once the planners are done
	found := make(chan connectors.Object, 1024)
	listStart := time.Now()
	var listErr error
	var unread atomic.Int64
	go func() {
		defer close(found)
		listErr = r.Src.List(ctx, prefix, func(o connectors.Object) error {
			if !r.Owns(o.Key) {
				r.Progress.FilesOthers.Add(1)
				return nil
			}
			r.Progress.FilesScanned.Add(1)
			r.Progress.BytesScanned.Add(o.Size)
			if seen != nil {
				seen.Add(o.Key)
			}
			select {
			case found <- o:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}, func(le connectors.ListError) {
			unread.Add(1)
			r.recordFailure(le.Dir, codes.SourceReadDirFailed, codes.Message(codes.SourceReadDirFailed)+" ("+RootCause(le.Err)+")", 1)
			log.Warn("cannot read source folder", "dir", le.Dir, "err", RootCause(le.Err))
		})
		if prefix == "" {
			r.Progress.ScanNanos.Store(int64(time.Since(listStart)))
			r.Progress.ScanDone.Store(true)
		}
	}()

	// The caches live as long as the pass: a continuous job's next pass
	// must see what this one and the watch have copied since.
	c := &caches{index: newIndexCache(r.Store, r.Job.Name), dest: NewFolderIndex(r.Dst)}
	var planners, queued sync.WaitGroup
	for range 4 {
		planners.Add(1)
		go func() {
			defer planners.Done()
			for o := range found {
				if r.Continuous != nil && r.Continuous.Unsettled(o) {
					continue // the change path copies it once it is quiet
				}
				if t, ok := r.plan(ctx, o, c); ok {
					r.enqueue(ctx, t, &queued)
				}
			}
		}()
	}
	planners.Wait()
	r.planning.Add(-1)
	r.access.wake() // a refused file may wait for the planning's end
	queued.Wait()

	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return false, cause // a JobError from fatal()
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if listErr != nil {
		if connectors.IsCanceled(listErr) {
			return false, listErr
		}
		return false, &JobError{Code: r.addressCode(connectors.Source, listErr), Err: listErr}
	}
	return unread.Load() == 0, nil
}

// stop ends the run because no further file can succeed.
func (r *Runner) stop(code string, err error) {
	r.fatal(&JobError{Code: code, Err: err})
}

func (r *Runner) recordFailure(path, code, message string, attempts int) {
	now := time.Now()
	r.Progress.ListsChanged.Store(now.UnixNano())
	r.Progress.FilesFailed.Add(1)
	if err := r.Store.Fail(r.Job.Name, path, state.Failure{Code: code, Message: message, Attempts: attempts, First: now, Last: now}); err != nil {
		r.Log.Error("cannot record failure", "job", r.Job.Name, "err", err)
	}
}

// unchanged counts a file the destination already holds as the source has it.
func (r *Runner) unchanged(o connectors.Object) {
	r.Progress.FilesUnchanged.Add(1)
	r.Progress.BytesUnchanged.Add(o.Size)
}

func (r *Runner) recordSkip(path, reason string) {
	r.Progress.ListsChanged.Store(time.Now().UnixNano())
	r.Progress.FilesSkipped.Add(1)
	if err := r.Store.Skip(r.Job.Name, path, state.Skip{Reason: reason, At: time.Now()}); err != nil {
		r.Log.Error("cannot record skip", "job", r.Job.Name, "err", err)
	}
}

// abortStaleUploads aborts multipart uploads left by earlier runs for
// files that no longer need them (deleted or changed since), so no
// orphaned parts are left to be billed.
func (r *Runner) abortStaleUploads(ctx context.Context, log *slog.Logger) {
	mp := r.Dst.Features().Multipart
	if mp == nil {
		return
	}
	type stale struct {
		path string
		u    state.Upload
	}
	var list []stale
	if err := r.Store.Uploads(r.Job.Name, func(path string, u state.Upload) error {
		list = append(list, stale{path, u})
		return nil
	}); err != nil {
		log.Error("cannot read the upload checkpoints: stale uploads are kept for the next run", "err", err)
		return
	}
	for _, s := range list {
		if r.Owns(s.path) { // else another shard's file now, which it uploads its own way
			if o, err := r.Src.Stat(ctx, s.path); err == nil && s.u.Source.Same(identity(o)) {
				continue // still wanted: a later run resumes it
			}
		}
		if s.u.UploadID == "" {
			if !r.isBusy(s.path) {
				r.abandon(ctx, s.path, "", mp)
			}
			continue
		}
		if err := mp.AbortMultipart(ctx, s.path, s.u.UploadID); err != nil {
			log.Warn("cannot abort stale upload", "path", s.path, "err", err)
			continue
		}
		if err := r.Store.DropUpload(r.Job.Name, s.path); err != nil {
			log.Error("cannot drop the checkpoint of an aborted upload", "path", s.path, "err", err)
		}
	}
}

// fillReport writes the run's counters (countRun) and the notes of files
// whose metadata changed.
func (r *Runner) fillReport(run *state.Run, before Snapshot) error {
	run.Notes = r.Progress.takeNotes()
	return r.countRun(run, before)
}

// countRun writes the run's counters: what changed since before, so a
// continuous job's runs each count their own pass. An error reading the
// skipped or failed lists is returned: a report that counts too few
// failures must not pass for a true one.
func (r *Runner) countRun(run *state.Run, before Snapshot) error {
	s := r.Progress.Snapshot()
	run.FilesScanned = s.FilesScanned - before.FilesScanned
	run.BytesScanned = s.BytesScanned - before.BytesScanned
	run.FilesCopied = s.FilesCopied - before.FilesCopied
	run.BytesCopied = s.BytesCopied - before.BytesCopied
	run.Throttled = s.Throttled - before.Throttled
	run.MetaChanged = s.MetaChanged - before.MetaChanged
	run.FilesUnchanged = s.FilesUnchanged - before.FilesUnchanged
	run.BytesUnchanged = s.BytesUnchanged - before.BytesUnchanged
	run.FilesAdopted = s.FilesAdopted - before.FilesAdopted
	run.BytesAdopted = s.BytesAdopted - before.BytesAdopted
	run.FilesOthers = s.FilesOthers - before.FilesOthers
	run.FilesServerCopied = s.FilesServerCopied - before.FilesServerCopied
	run.BytesServerCopied = s.BytesServerCopied - before.BytesServerCopied
	run.FilesFiltered = s.FilesFiltered - before.FilesFiltered
	run.FilesSkipped = s.FilesSkipped - before.FilesSkipped
	run.SkippedBy = map[string]int64{}
	run.FailedBy = map[string]int64{}
	if err := r.Store.Skips(r.Job.Name, func(_ string, k state.Skip) error {
		run.SkippedBy[k.Reason]++
		return nil
	}); err != nil {
		return fmt.Errorf("cannot read the skipped list for the report: %w", err)
	}
	var failed int64
	if err := r.Store.Failures(r.Job.Name, func(_ string, f state.Failure) error {
		run.FailedBy[f.Code]++
		failed++
		return nil
	}); err != nil {
		return fmt.Errorf("cannot read the failed list for the report: %w", err)
	}
	run.FilesFailed = failed
	return nil
}

// forget drops every record of a path from the index.
func (r *Runner) forget(key string) {
	if err := r.Store.Forget(r.Job.Name, key); err != nil {
		r.log.Error("cannot update the index", "path", key, "err", err)
	}
}

// identity is what the index keeps of a source object to tell a change.
func identity(o connectors.Object) state.FileEntry {
	return state.FileEntry{Size: o.Size, ModTime: o.ModTime, Ctime: o.Ctime, Inode: o.Inode, ETag: o.ETag}
}
