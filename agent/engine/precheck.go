package engine

import (
	"context"
	"errors"
	"time"

	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// check verifies room for the index, then both addresses, before any
// file is touched. An error that may pass (a connection reset, no answer
// in time, an answer cut short) is tried again with the job's retries and
// backoff, as a file's would be: a network that drops one connection must
// not stop the run with the address's code. An endpoint that refuses connections is not: it
// is most often a wrong one, to report at once.
func (r *Runner) check(ctx context.Context) error {
	if err := r.Store.Space(); err != nil {
		return stateError(err)
	}
	for attempt := 1; ; attempt++ {
		side, err := r.checkOnce(ctx)
		if err == nil {
			return nil
		}
		k := connectors.KindOf(err)
		if ctx.Err() != nil || !k.Retryable() || k == connectors.KindBadEndpoint || attempt > r.Job.Retries {
			return &JobError{Code: r.addressCode(side, err), Err: err}
		}
		r.log.Debug("retrying the check", "side", side, "attempt", attempt, "err", RootCause(err))
		if err := pace.Sleep(ctx, pace.Backoff(r.Job.RetryBackoff, attempt)); err != nil {
			return err
		}
	}
}

// checkOnce checks the source, then the destination; side is the one
// that failed.
func (r *Runner) checkOnce(ctx context.Context) (side connectors.Side, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := r.Src.Check(ctx); err != nil {
		return connectors.Source, err
	}
	return connectors.Destination, r.Dst.Check(ctx)
}

// stateError gives a state directory's full disk its code; other errors
// of the index are returned as they are.
func stateError(err error) error {
	if errors.Is(err, state.ErrDiskFull) {
		return &JobError{Code: codes.StateDiskFull, Err: err}
	}
	return err
}
