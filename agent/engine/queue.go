package engine

import (
	"context"
	"sync"
	"time"
)

// startCopiers starts the job's Concurrency copiers on r.todo; the
// returned func closes the queue and waits for them.
func (r *Runner) startCopiers(ctx context.Context) (stop func()) {
	r.todo = make(chan task, r.Job.Concurrency*2)
	r.heavy = make(chan struct{}, min(r.Job.Concurrency, maxHeavy))
	r.parted = make(chan struct{}, min(r.Job.Concurrency, partedFiles))
	var workers sync.WaitGroup
	for range r.Job.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for t := range r.todo {
				if ctx.Err() == nil { // else drain: the job is stopping
					r.Progress.InFlight.Add(1)
					r.transfer(ctx, r.log, t)
					r.Progress.InFlight.Add(-1)
					r.access.wake() // a refused file may wait on the others' answers
				}
				r.finish(t)
			}
		}()
	}
	stopWaking := context.AfterFunc(ctx, r.access.wake)
	return func() { close(r.todo); workers.Wait(); stopWaking() }
}

// enqueue hands a planned file to the copiers and counts it in pass; a
// file already queued or in flight is marked to be examined again instead.
func (r *Runner) enqueue(ctx context.Context, t task, pass *sync.WaitGroup) {
	key := t.o.Key
	if t.since.IsZero() {
		t.since = time.Now()
	}
	r.mu.Lock()
	if _, ok := r.busy[key]; ok {
		r.again[key] = true
		r.mu.Unlock()
		return
	}
	r.busy[key] = t.since
	r.mu.Unlock()
	if r.Continuous != nil {
		// Another copy of the file may have ended between its planning
		// and now: the index has the last word.
		if e, ok, err := r.Store.File(r.Job.Name, key); err == nil && ok && e.Same(identity(t.o)) {
			r.mu.Lock()
			delete(r.busy, key)
			r.mu.Unlock()
			r.unchanged(t.o)
			return
		}
	}
	t.pass = pass
	pass.Add(1)
	r.Progress.FilesToCopy.Add(1)
	r.Progress.BytesToCopy.Add(t.o.Size)
	r.Progress.FilesQueued.Add(1)
	r.Progress.BytesQueued.Add(t.o.Size)
	select {
	case r.todo <- t:
	case <-ctx.Done():
		r.finish(t)
	}
}

// finish ends a queued file's turn, copied or not.
func (r *Runner) finish(t task) {
	r.mu.Lock()
	delete(r.busy, t.o.Key)
	again := r.again[t.o.Key]
	delete(r.again, t.o.Key)
	r.mu.Unlock()
	r.Progress.FilesQueued.Add(-1)
	r.Progress.BytesQueued.Add(-t.o.Size)
	if again && r.Continuous != nil {
		r.Continuous.Again(t.o.Key)
	}
	t.pass.Done()
}
