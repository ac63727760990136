package engine

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// Continuous is what a continuous job (agent/continuous) adds to the passes of
// its runner. The runner calls it; it drives the runner through the
// methods below.
type Continuous interface {
	// Unsettled reports whether a listed file is still changing: a pass
	// leaves it to the change path, which copies it once it is quiet.
	Unsettled(o connectors.Object) bool
	// Again is told of a file that changed while it was being copied: it
	// must be examined once more.
	Again(key string)
	// Reconcile ends a full pass: seen holds every key the pass listed,
	// clean is false when some folder could not be read.
	Reconcile(ctx context.Context, log *slog.Logger, seen *KeySet, clean bool) error
	// Status is the job's state now, as a shard's status tells it.
	Status() Status
}

// Logger is the job's logger.
func (r *Runner) Logger() *slog.Logger { return r.log }

// Scan lists prefix of the source (a folder created or moved in whole,
// or one that cannot be watched), and copies what it needs, as a pass
// does; it returns once those copies are done.
func (r *Runner) Scan(ctx context.Context, prefix string) error {
	_, err := r.pass(ctx, r.log, prefix, nil)
	return err
}

// Examine plans one source object of the runner's shard, and queues it
// when it needs copying; the queued copy counts in pass. names, when not
// nil, spares the HEAD of a file new to the index whose folder's
// destination listing does not hold it.
func (r *Runner) Examine(ctx context.Context, o connectors.Object, names *DestNames, pass *sync.WaitGroup) {
	if !r.Owns(o.Key) {
		return // another shard's
	}
	var c *caches
	if names != nil {
		c = &caches{names: names}
	}
	if t, ok := r.plan(ctx, o, c); ok {
		r.enqueue(ctx, t, pass)
	}
}

// Busy returns the files queued or being copied, with when their change
// was seen.
func (r *Runner) Busy() map[string]time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := make(map[string]time.Time, len(r.busy))
	for k, t := range r.busy {
		m[k] = t
	}
	return m
}

// RecheckWhenDone asks that a file queued or being copied be examined
// once more when its turn ends, and reports whether it was. A file deleted
// at the source while it is copied is then deleted at the destination
// after the copy lands, instead of the copy bringing it back for good.
func (r *Runner) RecheckWhenDone(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.busy[key]; ok {
		r.again[key] = true
		return true
	}
	return false
}

// RemoveDest deletes key at the destination, after copying it under the
// archive prefix with deletes: archive.
func (r *Runner) RemoveDest(ctx context.Context, key string) error {
	if r.Job.Deletes == config.DeletesArchive {
		if err := r.archive(ctx, key); err != nil {
			if connectors.KindOf(err) == connectors.KindNotFound {
				return nil // nothing to archive: nothing to delete
			}
			return err
		}
	}
	return r.Dst.Delete(ctx, key)
}

// AccessHeld returns the code and reason of a hold on access, or "".
func (r *Runner) AccessHeld() (code, reason string) { return r.access.status() }
