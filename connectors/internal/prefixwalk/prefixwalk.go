// Package prefixwalk lists an object store's keys under a prefix with many
// requests in flight: the List of backends whose listing is flat (S3, OSS)
// but can be cut at a delimiter. One listing without a delimiter is one
// page after another, each waiting for the last; a walk lists "" with the
// delimiter "/", then each common prefix it names concurrently, and so on
// down, so a tree of folders is listed by Workers requests at a time.
package prefixwalk

import (
	"context"
	"sync"
)

// Level lists prefix: every object under it with delimited false (the
// server recursing), or, with delimited true, the objects directly under
// it and each common prefix passed to sub. It passes objects on itself.
type Level func(ctx context.Context, prefix string, delimited bool, sub func(prefix string) error) error

// Walk lists root with up to workers requests in flight, the first error
// ending it. At most queueMax prefixes wait to be listed: a prefix met
// beyond that is listed whole (without a delimiter) by the worker that
// met it, so memory stays bounded by queueMax names and two pages per
// worker however many folders the tree holds.
func Walk(ctx context.Context, root string, workers, queueMax int, list Level) error {
	if workers <= 1 {
		return list(ctx, root, false, nil)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &walk{queue: []string{root}, queueMax: queueMax}
	w.cond = sync.NewCond(&w.mu)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.work(ctx, cancel, list)
		}()
	}
	wg.Wait()
	return w.err
}

type walk struct {
	mu       sync.Mutex
	cond     *sync.Cond
	queue    []string // taken last first: a depth-first walk keeps it short
	queueMax int
	busy     int // workers listing a prefix now, which may add to queue
	err      error
}

func (w *walk) work(ctx context.Context, cancel context.CancelFunc, list Level) {
	for {
		w.mu.Lock()
		for len(w.queue) == 0 && w.busy > 0 && w.err == nil {
			w.cond.Wait()
		}
		if len(w.queue) == 0 || w.err != nil {
			w.mu.Unlock()
			w.cond.Broadcast() // the walk is over: wake the others to see it
			return
		}
		p := w.queue[len(w.queue)-1]
		w.queue = w.queue[:len(w.queue)-1]
		w.busy++
		w.mu.Unlock()

		err := list(ctx, p, true, func(sub string) error {
			w.mu.Lock()
			if len(w.queue) < w.queueMax {
				w.queue = append(w.queue, sub)
				w.mu.Unlock()
				w.cond.Signal()
				return nil
			}
			w.mu.Unlock()
			return list(ctx, sub, false, nil)
		})

		w.mu.Lock()
		w.busy--
		if err != nil && w.err == nil {
			w.err = err
			cancel()
		}
		w.mu.Unlock()
		w.cond.Broadcast()
	}
}
