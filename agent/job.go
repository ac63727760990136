package agent

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// Runner runs one pass of one migration job: scan the source, plan each
// file against the index and the destination, copy, verify, record.
type Runner struct {
	Job              *JobConfig
	SrcAddr, DstAddr *AddressConfig
	Src, Dst         connectors.Bucket
	Store            *state.Store
	Log              *slog.Logger
	Progress         *Progress

	srcPace, dstPace pacer
	filter           *filter
	dest             *folderCache[connectors.Object]
	index            *folderCache[state.FileEntry]
	started          map[string]bool // files with a multipart checkpoint when the run began
	fatal            context.CancelCauseFunc
	denied           [2]atomic.Int64 // consecutive access-denied answers, per side
}

// JobError is why a run stopped before it was done, with the catalogue code.
type JobError struct {
	Code string
	Err  error
}

func (e *JobError) Error() string {
	return CodeText(e.Code, rootCause(e.Err))
}

func (e *JobError) Unwrap() error { return e.Err }

// maxConsecutiveDenied is how many access-denied answers in a row on one
// side stop the run: permissions changed under the job, and failing every
// remaining file one by one would bury the one error that matters.
const maxConsecutiveDenied = 20

// Run performs the pass and returns its report. The error is a *JobError
// when the run could not finish (an address refused, the source vanished),
// or the context's error when it was interrupted; per-file failures are
// not errors: they are in the report and the failed list.
func (r *Runner) Run(ctx context.Context) (*state.Run, error) {
	if r.Progress == nil {
		r.Progress = &Progress{}
	}
	r.Progress.Started = time.Now()
	// Checkpoints are few (at most the uploads in flight when an earlier
	// run stopped): read them once rather than once per new file.
	r.started = map[string]bool{}
	if err := r.Store.Uploads(r.Job.Name, func(path string, _ state.Upload) error {
		r.started[path] = true
		return nil
	}); err != nil {
		return nil, err
	}
	run := &state.Run{Job: r.Job.Name, Started: r.Progress.Started, State: "running"}
	if err := r.Store.NewRun(run); err != nil {
		return nil, err
	}
	r.filter = newFilter(r.Job)
	r.dest = newDestIndex(r.Dst)
	r.index = newIndexCache(r.Store, r.Job.Name)
	log := r.Log.With("job", r.Job.Name, "run", run.Number)

	err := r.check(ctx)
	if err == nil {
		err = r.pass(ctx, log)
	}
	run.Finished = time.Now()
	r.fillReport(run)
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
	log.Info("run finished", "state", run.State, "copied", run.FilesCopied, "failed", run.FilesFailed)
	return run, err
}

// check verifies both addresses before any file is touched.
func (r *Runner) check(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.Src.Check(cctx); err != nil {
		return &JobError{Code: AddressCode(Source, r.SrcAddr.CodeType(), err), Err: err}
	}
	if err := r.Dst.Check(cctx); err != nil {
		return &JobError{Code: AddressCode(Destination, r.DstAddr.CodeType(), err), Err: err}
	}
	return nil
}

// pass is the pipeline: one lister, a few planners, Concurrency copiers,
// joined by bounded channels so a huge source never sits in memory.
func (r *Runner) pass(ctx context.Context, log *slog.Logger) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	r.fatal = cancel

	found := make(chan connectors.Object, 1024)
	todo := make(chan task, r.Job.Concurrency*2)

	var listErr error
	go func() {
		defer close(found)
		listErr = r.Src.List(ctx, "", func(o connectors.Object) error {
			r.Progress.FilesScanned.Add(1)
			r.Progress.BytesScanned.Add(o.Size)
			select {
			case found <- o:
				return nil
			case <-ctx.Done():
				return context.Cause(ctx)
			}
		}, func(le connectors.ListError) {
			r.recordFailure(le.Dir, codes.SourceReadDirFailed, msg(codes.SourceReadDirFailed)+" ("+rootCause(le.Err)+")", 1)
			log.Warn("cannot read source folder", "dir", le.Dir, "err", rootCause(le.Err))
		})
		r.Progress.ScanDone.Store(true)
	}()

	var planners sync.WaitGroup
	for range 4 {
		planners.Add(1)
		go func() {
			defer planners.Done()
			for o := range found {
				if t, ok := r.plan(ctx, o); ok {
					r.Progress.FilesToCopy.Add(1)
					r.Progress.BytesToCopy.Add(o.Size)
					select {
					case todo <- t:
					case <-ctx.Done():
					}
				}
			}
		}()
	}
	go func() { planners.Wait(); close(todo) }()

	var workers sync.WaitGroup
	for range r.Job.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for t := range todo {
				if ctx.Err() != nil {
					continue // drain: the run is stopping
				}
				r.Progress.InFlight.Add(1)
				r.transfer(ctx, log, t)
				r.Progress.InFlight.Add(-1)
			}
		}()
	}
	workers.Wait()

	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause // a JobError from fatal()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if listErr != nil {
		if connectors.IsCanceled(listErr) {
			return listErr
		}
		return &JobError{Code: AddressCode(Source, r.SrcAddr.CodeType(), listErr), Err: listErr}
	}
	r.abortStaleUploads(ctx, log)
	if err := r.Store.DropStale(r.Job.Name, r.Progress.Started); err != nil {
		log.Warn("cannot drop stale records", "err", err)
	}
	return nil
}

// stop ends the run because no further file can succeed.
func (r *Runner) stop(code string, err error) {
	r.fatal(&JobError{Code: code, Err: err})
}

func (r *Runner) recordFailure(path, code, message string, attempts int) {
	now := time.Now()
	r.Progress.FilesFailed.Add(1)
	if err := r.Store.Fail(r.Job.Name, path, state.Failure{Code: code, Message: message, Attempts: attempts, First: now, Last: now}); err != nil {
		r.Log.Error("cannot record failure", "job", r.Job.Name, "err", err)
	}
}

func (r *Runner) recordSkip(path, reason string) {
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
	_ = r.Store.Uploads(r.Job.Name, func(path string, u state.Upload) error {
		list = append(list, stale{path, u})
		return nil
	})
	for _, s := range list {
		if o, err := r.Src.Stat(ctx, s.path); err == nil && s.u.Source.Same(identity(o)) {
			continue // still wanted: a later run resumes it
		}
		if err := mp.AbortMultipart(ctx, s.path, s.u.UploadID); err != nil {
			log.Warn("cannot abort stale upload", "path", s.path, "err", err)
			continue
		}
		_ = r.Store.DropUpload(r.Job.Name, s.path)
	}
}

func (r *Runner) fillReport(run *state.Run) {
	s := r.Progress.Snapshot()
	run.FilesScanned = s.FilesScanned
	run.BytesScanned = r.Progress.BytesScanned.Load()
	run.FilesCopied = s.FilesCopied
	run.BytesCopied = s.BytesCopied
	run.Throttled = r.Progress.Throttled.Load()
	run.FilesUnchanged = s.FilesUnchanged
	run.FilesFiltered = s.FilesFiltered
	run.FilesSkipped = s.FilesSkipped
	run.SkippedBy = map[string]int64{}
	run.FailedBy = map[string]int64{}
	_ = r.Store.Skips(r.Job.Name, func(_ string, k state.Skip) error {
		run.SkippedBy[k.Reason]++
		return nil
	})
	var failed int64
	_ = r.Store.Failures(r.Job.Name, func(_ string, f state.Failure) error {
		run.FailedBy[f.Code]++
		failed++
		return nil
	})
	run.FilesFailed = failed
}

// identity is what the index keeps of a source object to tell a change.
func identity(o connectors.Object) state.FileEntry {
	return state.FileEntry{Size: o.Size, ModTime: o.ModTime, Ctime: o.Ctime, Inode: o.Inode, ETag: o.ETag}
}
