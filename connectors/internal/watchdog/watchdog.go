// Package watchdog cancels a streaming request that makes no progress for
// a while. A deadline on the whole request would not do: a large object
// may rightly take hours, but the server must never go quiet for long.
// Time the caller spends producing or consuming the data does not count.
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
	timer  *time.Timer
	cancel context.CancelFunc
	fired  atomic.Bool
}

// New returns a context for the request and its armed watchdog.
func New(ctx context.Context, d time.Duration) (context.Context, *Dog) {
	ctx, cancel := context.WithCancel(ctx)
	w := &Dog{d: d, cancel: cancel}
	w.timer = time.AfterFunc(d, func() {
		w.fired.Store(true)
		cancel()
	})
	return ctx, w
}

// Kick restarts the clock: call it when waiting on the network begins.
func (w *Dog) Kick() { w.timer.Reset(w.d) }

// Pause stops the clock while the caller, not the server, is busy.
func (w *Dog) Pause() { w.timer.Stop() }

// Stop ends the request's context; call it once the answer is consumed.
func (w *Dog) Stop() {
	w.timer.Stop()
	w.cancel()
}

// Check turns an error the watchdog caused into a Stalled error.
func (w *Dog) Check(err error) error {
	if err != nil && w.fired.Load() {
		return Stalled(w.d)
	}
	return err
}

// Stalled is a request that made no progress for its duration. It is a
// timeout (net.Error), not a cancellation by the caller.
type Stalled time.Duration

func (e Stalled) Error() string { return fmt.Sprintf("no progress for %v", time.Duration(e)) }
func (Stalled) Timeout() bool   { return true }
func (Stalled) Temporary() bool { return true }
