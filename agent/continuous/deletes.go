package continuous

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// Reconcile is the end of a continuous job's full pass: it finds the
// indexed files the pass did not list and applies the delete policy,
// guarded against a source that vanished or went empty.
func (j *Job) Reconcile(ctx context.Context, log *slog.Logger, seen *engine.KeySet, clean bool) error {
	var indexed int64
	if err := j.r.Store.FilePaths(j.r.Job.Name, "", func(string) error { indexed++; return nil }); err != nil {
		return err
	}
	confirmed := j.confirm.Swap(false)
	limit := j.r.Job.MaxDelete.Limit(indexed)
	j.deleted.Store(0)
	j.indexed.Store(indexed)
	if seen.Len() == 0 && indexed > 0 && !confirmed {
		j.pause(codes.SourceVanished, fmt.Sprintf("the source lists no files, the index holds %d", indexed))
		return nil
	}
	if j.r.Job.Deletes == config.DeletesKeep {
		j.resume()
		return nil
	}
	if !clean {
		log.Warn("some source folders could not be read: no deletes applied in this pass")
		j.resume()
		return nil
	}
	var gone []string
	err := j.r.Store.FilePaths(j.r.Job.Name, "", func(p string) error {
		if !seen.Has(p) {
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
		j.pause(codes.DeleteLimitExceeded, fmt.Sprintf("more than %d of %d indexed files are gone from the source (max_delete)", limit, indexed))
		return nil
	}
	// Deletes first, then resume: changes queued while paused (the same
	// files, seen gone by the watch) then find nothing left to delete
	// instead of pausing the job again. A pause the deletes themselves
	// call for stays.
	if !j.applyDeletes(ctx, log, gone, time.Now(), confirmed) {
		j.resume()
	}
	return nil
}

var errStop = errors.New("stop")

// goneEvents applies the delete policy to paths the watch saw disappear
// (files or whole folders), within the budget left for this pass.
func (j *Job) goneEvents(ctx context.Context, keys []string) {
	if j.r.Job.Deletes == config.DeletesKeep {
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
		_, ok, err := j.r.Store.File(j.r.Job.Name, key)
		if err == nil && ok {
			add(key)
		}
		if err == nil {
			err = j.r.Store.FilePaths(j.r.Job.Name, key+"/", func(p string) error { add(p); return nil })
		}
		if err != nil {
			// Deleting on a partial view of the index could delete
			// too little or, with a folder, too much: leave it to the
			// next full pass.
			j.log.Error("cannot read the index: deletes wait for the next full pass", "path", key, "err", err)
			return
		}
	}
	if len(paths) == 0 {
		return
	}
	// The count of the last pass decides, unless it says no: the index
	// may have grown since, so only then is it counted again.
	indexed := j.indexed.Load()
	over := func() bool {
		return j.deleted.Load()+int64(len(paths)) > j.r.Job.MaxDelete.Limit(indexed) && !j.confirm.Load()
	}
	if over() {
		indexed = 0
		if err := j.r.Store.FilePaths(j.r.Job.Name, "", func(string) error { indexed++; return nil }); err != nil {
			j.log.Error("cannot count the index: deletes wait for the next full pass", "err", err)
			return
		}
		j.indexed.Store(indexed)
	}
	limit := j.r.Job.MaxDelete.Limit(indexed)
	if over() {
		j.pause(codes.DeleteLimitExceeded, fmt.Sprintf("%d files gone from the source at once, more than max_delete allows (%d of %d indexed)", len(paths), limit, indexed))
		// The next full pass decides again, with the whole picture.
		return
	}
	j.deleted.Add(int64(len(paths)))
	// They have been gone for settle already: the watch debounced them.
	j.applyDeletes(ctx, j.log, paths, time.Now().Add(-j.r.Job.Settle), j.confirm.Load())
}

// applyDeletes deletes (or archives) at the destination each path that
// has been gone from the source for settle since goneAt, and forgets it.
// A path that is back, or whose absence cannot be confirmed, is left.
// It returns true when it paused the job instead.
func (j *Job) applyDeletes(ctx context.Context, log *slog.Logger, paths []string, goneAt time.Time, confirmed bool) (paused bool) {
	if len(paths) == 0 {
		return false
	}
	j.pendingDeletes.Add(int64(len(paths)))
	defer j.pendingDeletes.Add(-int64(len(paths)))
	if wait := time.Until(goneAt.Add(j.r.Job.Settle)); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return false
		}
	}
	// Never delete on the word of a source that is not there, or that
	// lists nothing at all (an unmounted share leaves an empty folder).
	if err := j.r.Src.Check(ctx); err != nil {
		j.pause(codes.SourceVanished, engine.RootCause(err))
		return true
	}
	if !confirmed {
		if empty, err := j.sourceEmpty(ctx); err != nil || empty {
			j.pause(codes.SourceVanished, "the source lists no files")
			return true
		}
	}
	for _, p := range paths {
		if ctx.Err() != nil {
			return false
		}
		if _, err := j.r.Src.Stat(ctx, p); connectors.KindOf(err) != connectors.KindNotFound {
			continue // back again, or cannot tell: keep
		}
		// A copy of the file back under the same name is under way: it
		// is examined again once it ends, and deleted then if gone.
		if j.r.RecheckWhenDone(p) {
			continue
		}
		if err := j.r.RemoveDest(ctx, p); err != nil {
			log.Warn("cannot apply delete at the destination", "path", p, "policy", j.r.Job.Deletes, "err", engine.RootCause(err))
			continue
		}
		if err := j.r.Store.Forget(j.r.Job.Name, p); err != nil {
			log.Error("cannot update the index", "path", p, "err", err)
		}
		// A copy that began meanwhile may have been recorded before the
		// index forgot it, its object left unindexed: it is examined
		// again once it ends, and copied again.
		j.r.RecheckWhenDone(p)
		j.r.Progress.Deleted.Add(1)
		log.Info("deleted at the destination", "path", p, "policy", j.r.Job.Deletes)
	}
	return false
}

// sourceEmpty reports whether the source lists no file at all of the
// job's shard: with the job spread over agents, each guards its own files.
func (j *Job) sourceEmpty(ctx context.Context) (bool, error) {
	var found atomic.Bool // fn may run on several goroutines
	err := j.r.Src.List(ctx, "", func(o connectors.Object) error {
		if !j.r.Owns(o.Key) {
			return nil
		}
		found.Store(true)
		return errStop
	}, func(connectors.ListError) {})
	if errors.Is(err, errStop) {
		err = nil
	}
	return !found.Load(), err
}
