package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// restoreSkip is the skipped-list reason of an archived object whose
// restore mgw requested; the record goes once the object is copied.
const restoreSkip = "archived: restore requested, copied once readable"

// restoring holds the archived objects a one-shot run waits for. A
// continuous job keeps none: each of its passes finds them again.
type restoring struct {
	mu      sync.Mutex
	objs    map[string]connectors.Object
	waiting bool // the run's pass is over and only these are left
}

func (p *restoring) add(o connectors.Object) {
	p.mu.Lock()
	if p.objs == nil {
		p.objs = map[string]connectors.Object{}
	}
	p.objs[o.Key] = o
	p.mu.Unlock()
}

// list returns the objects waited for now.
func (p *restoring) list() []connectors.Object {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := make([]connectors.Object, 0, len(p.objs))
	for _, o := range p.objs {
		l = append(l, o)
	}
	return l
}

func (p *restoring) remove(key string) {
	p.mu.Lock()
	delete(p.objs, key)
	p.mu.Unlock()
}

// waitingFor returns how many objects the run waits for once its pass is
// over (0 before).
func (p *restoring) waitingFor() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.waiting {
		return 0
	}
	return len(p.objs)
}

func (p *restoring) setWaiting(w bool) {
	p.mu.Lock()
	p.waiting = w
	p.mu.Unlock()
}

// archived decides for a listed object of an archive class: it returns
// the object as it is now and true when it can be read (restored, or no
// longer archived), else records why not and, with `restore: true`,
// requests a restore. Nothing unreadable is ever attempted.
func (r *Runner) archived(ctx context.Context, o connectors.Object) (connectors.Object, bool) {
	if !o.Restored {
		// Few listings say whether a restored copy exists: ask.
		err := r.paced(ctx, connectors.Source, func() error {
			st, err := r.Src.Stat(ctx, o.Key)
			if err == nil {
				o.StorageClass, o.Restored = st.StorageClass, st.Restored
			}
			return err
		})
		if err != nil {
			code, message := FileCode(err, o.Key, r.srcFiles)
			r.recordFailure(o.Key, code, message, 1)
			return o, false
		}
	}
	if !connectors.Archived(o.StorageClass) || o.Restored {
		return o, true
	}
	rs := r.Src.Features().Restorer
	if !r.Job.Restore || rs == nil {
		r.recordFailure(o.Key, codes.UnsupportedArchiveBucket, codes.Message(codes.UnsupportedArchiveBucket)+" (storage class "+o.StorageClass+"; `restore: true` has mgw restore it)", 0)
		return o, false
	}
	err := r.paced(ctx, connectors.Source, func() error { return rs.Restore(ctx, o.Key, r.Job.RestoreDays) })
	if err != nil {
		code, message := FileCode(err, o.Key, r.srcFiles)
		r.recordFailure(o.Key, code, message, 1)
		return o, false
	}
	r.recordSkip(o.Key, restoreSkip)
	if r.Continuous == nil {
		r.restores.add(o)
	}
	return o, false
}

// awaitRestores copies, in a one-shot run, the archived objects whose
// restores it requested, checking them every restore_poll until every one
// is copied, failed or gone. Restores take minutes (OSS Archive) to hours
// (cold archives): the run says what it waits for.
func (r *Runner) awaitRestores(ctx context.Context, log *slog.Logger) error {
	poll := r.Job.RestorePoll
	r.restores.setWaiting(true)
	defer r.restores.setWaiting(false)
	for {
		n := r.restores.waitingFor()
		if n == 0 {
			return nil
		}
		log.Info("waiting for archived objects to be restored", "objects", n, "next check", poll)
		if err := pace.Sleep(ctx, poll); err != nil {
			return err
		}
		var copies sync.WaitGroup
		for _, o := range r.restores.list() {
			var st connectors.Object
			err := r.paced(ctx, connectors.Source, func() error {
				var err error
				st, err = r.Src.Stat(ctx, o.Key)
				return err
			})
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case connectors.KindOf(err) == connectors.KindNotFound:
				r.restores.remove(o.Key)
				r.forget(o.Key)
				r.recordSkip(o.Key, "deleted from the source before it was copied")
			case err != nil:
				log.Warn("cannot check a restore", "path", o.Key, "err", RootCause(err))
			case connectors.Archived(st.StorageClass) && !st.Restored:
				// still restoring
			default:
				r.restores.remove(o.Key)
				r.Progress.FilesSkipped.Add(-1) // its restore skip ends with the copy
				r.enqueue(ctx, task{o: st}, &copies)
			}
		}
		copies.Wait()
	}
}

// restoreStatus is what a one-shot run waiting for restores shows.
func (r *Runner) restoreStatus() string {
	n := r.restores.waitingFor()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d archived objects restoring; checked every %s", n, r.Job.RestorePoll)
}
