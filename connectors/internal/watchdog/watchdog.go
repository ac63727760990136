// Package watchdog cancels a streaming request that makes no progress for
// a while. A deadline on the whole request would not do: a large object
// may rightly take hours, but the server must never go quiet for long.
// Time the caller spends producing or consuming the data does not count.
//
// It holds the one stall watchdog every backend uses: a Dog per request,
// Body for a response body read under it and Source for a request body's
// source; and Transport, for HTTP clients whose wait for an answer the
// transport bounds, so that they say how long they waited too. Beyond
// that it knows timers, contexts and readers only: not any SDK, not
// connectors' error kinds. A stall comes out as Stalled, and each
// backend classifies it (as a timeout) with its other errors.
package watchdog

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// Dog watches one request.
type Dog struct {
	d      time.Duration
	timer  timer
	cancel context.CancelFunc
	fired  atomic.Bool
	body   bool // only a body's reads are timed (NewForBody)
}

// timer is the part of *time.Timer a Dog uses, so tests can drive a fake
// clock instead of waiting on a real one.
type timer interface {
	Reset(time.Duration) bool
	Stop() bool
}

// afterFunc starts a timer that calls f once d has passed.
type afterFunc func(d time.Duration, f func()) timer

func realAfter(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }

// New returns a context for the request and its watchdog, the clock
// running: sending the request and waiting for its answer count. A stall
// reads "no progress for d".
func New(ctx context.Context, d time.Duration) (context.Context, *Dog) {
	return start(ctx, d, false, realAfter)
}

// NewForBody returns a context for the request and its watchdog, the
// clock stopped: only the reads of the answer's Body are timed, for a
// client whose wait for the answer is bounded otherwise (a response
// header timeout, with the SDK's own retries). Since only waits for the
// server's data count, a stall reads "no data from the server for d".
func NewForBody(ctx context.Context, d time.Duration) (context.Context, *Dog) {
	return start(ctx, d, true, realAfter)
}

func start(ctx context.Context, d time.Duration, body bool, after afterFunc) (context.Context, *Dog) {
	ctx, cancel := context.WithCancel(ctx)
	w := &Dog{d: d, cancel: cancel, body: body}
	w.timer = after(d, func() {
		// fired is set before the cancel, so that a read the cancel
		// interrupts already sees why (Check).
		w.fired.Store(true)
		cancel()
	})
	if body {
		w.timer.Stop()
	}
	return ctx, w
}

// Kick restarts the clock: call it when waiting on the network begins.
func (w *Dog) Kick() { w.timer.Reset(w.d) }

// Pause stops the clock while the caller, not the server, is busy.
func (w *Dog) Pause() { w.timer.Stop() }

// Stop ends the request's context; call it once the answer is consumed.
// Without it the context would hold its parent's resources (a goroutine,
// for a parent outside the standard library) until the parent ends.
func (w *Dog) Stop() {
	w.timer.Stop()
	w.cancel()
}

// Check turns an error the watchdog caused into a Stalled error. Once the
// dog has fired every error is its doing: the cancel it caused is what
// the request fails with, whatever wraps it.
func (w *Dog) Check(err error) error {
	if err != nil && w.fired.Load() {
		return Stalled{After: w.d, Body: w.body}
	}
	return err
}

// Stalled is a request that made no progress for After. It is a timeout
// (net.Error), not a cancellation by the caller.
type Stalled struct {
	After time.Duration
	// Body: only a body's reads were timed (NewForBody), so the silence
	// was the server's.
	Body bool
}

func (e Stalled) Error() string {
	if e.Body {
		return fmt.Sprintf("no data from the server for %v", e.After)
	}
	return fmt.Sprintf("no progress for %v", e.After)
}

func (Stalled) Timeout() bool   { return true }
func (Stalled) Temporary() bool { return true }
