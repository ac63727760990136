package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// maxConsecutiveDenied is how many access-denied answers in a row on one
// side pause the job: permissions changed under it (a key revoked, a
// policy edited), and failing every remaining file one by one would bury
// the one error that matters.
const maxConsecutiveDenied = 20

// Probes of a paused side start after firstProbe and double up to
// maxProbe: a key restored at 3 a.m. is noticed within minutes, a key
// that stays revoked costs one burst of requests (at most one a copier)
// every few minutes.
const (
	firstProbe = 30 * time.Second
	maxProbe   = 5 * time.Minute
)

// accessHold holds every copier while one side refuses access. Nothing is
// failed during the hold: the files wait and are copied once access
// returns, which a probe finds by itself (the copiers are let go and one
// more refusal holds them again, with a longer wait) or `mgw job retry`
// says at once.
type accessHold struct {
	mu      sync.Mutex
	changed *sync.Cond    // a hold started, a request was granted, a copier finished
	granted uint64        // files copied: a verdict waits for this to move
	suspect int           // copiers waiting in verdict
	open    chan struct{} // closed while copiers may run
	resumed uint64        // times `mgw job retry` ended a hold
	code    string        // why the copiers are held, and text saying more
	text    string
	first   time.Duration // the first probe's wait
	last    time.Duration // the longest
	probe   time.Duration // the wait before the next probe
	timer   *time.Timer
}

func newAccessHold(first, last time.Duration) *accessHold {
	h := &accessHold{open: make(chan struct{}), first: first, last: last}
	h.changed = sync.NewCond(&h.mu)
	close(h.open)
	return h
}

// wait returns at once unless the job is held, else when it is let go or
// ctx ends. It returns how many times a retry has ended a hold, for
// hold.
func (h *accessHold) wait(ctx context.Context) (resumed uint64, _ error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	h.mu.Lock()
	open := h.open
	h.mu.Unlock()
	select {
	case <-open:
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.resumed, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// hold stops the copiers because a side refuses them, for the reason
// code and text say, unless `mgw job retry` ended a hold since wait
// returned resumed: an answer to a request sent before then says nothing
// about the address as it is now, and holding on it would undo the retry
// (checked under the same lock as the hold, so no retry slips between).
// It returns true when this call started the hold (the caller logs it
// once). onProbe runs when the probe wait is over, before the copiers are
// let go.
func (h *accessHold) hold(code, text string, resumed uint64, onProbe func()) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.held() || h.resumed != resumed {
		return false
	}
	h.open = make(chan struct{})
	h.code, h.text = code, text
	h.probe = min(max(h.probe*2, h.first), h.last)
	open := h.open
	h.changed.Broadcast()
	h.timer = time.AfterFunc(h.probe, func() {
		onProbe()
		h.letGo(open)
	})
	return true
}

// held reports whether the copiers are held; h.mu must be held.
func (h *accessHold) held() bool {
	select {
	case <-h.open:
		return false
	default:
		return true
	}
}

// letGo ends the hold that made open, if it is still the current one.
func (h *accessHold) letGo(open chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open == open && h.held() {
		close(h.open)
	}
}

// resume ends the hold at once (`mgw job retry`) and forgets the probe
// backoff.
func (h *accessHold) resume() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.probe = 0
	h.resumed++
	if !h.held() {
		return false
	}
	h.timer.Stop()
	close(h.open)
	return true
}

// grant says a file was copied: the side is not refusing everything, and
// the next hold starts with the shortest probe wait again.
func (h *accessHold) grant() {
	h.mu.Lock()
	h.granted++
	if !h.held() {
		h.probe = 0
	}
	h.changed.Broadcast()
	h.mu.Unlock()
}

// wake makes waiting verdicts look again (a copier finished, the job is
// stopping).
func (h *accessHold) wake() {
	h.mu.Lock()
	h.changed.Broadcast()
	h.mu.Unlock()
}

// What the other copiers' answers say about a file refused on its last
// attempt (verdict).
const (
	refusedAlone     = iota // nothing else will answer: fail the file
	refusedAll              // the side refuses everything: try again once access returns
	grantedElsewhere        // another copy succeeded since: access works, try once more
)

// verdict is asked by a file refused on its last attempt: does the side
// refuse everything or only this file? The other copiers' answers decide,
// so it waits for them: a hold says everything; a copy that succeeds says
// access works (the refusal may predate access coming back: the caller
// tries once more, and fails the file if it is refused again); and when
// alone(suspects) says no other answer can come (see Runner.alone), the
// file fails.
func (h *accessHold) verdict(ctx context.Context, alone func(suspects int64) bool) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.suspect++
	defer func() { h.suspect-- }()
	h.changed.Broadcast()
	seen := h.granted
	for {
		switch {
		case h.held():
			return refusedAll
		case h.granted != seen:
			return grantedElsewhere
		case ctx.Err() != nil, alone(int64(h.suspect)):
			return refusedAlone
		}
		h.changed.Wait()
	}
}

// status returns the code and reason to show while held, or "" when not.
func (h *accessHold) status() (code, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.held() {
		return "", ""
	}
	return h.code, h.text + "; `mgw job retry` resumes at once, else the next probe is automatic"
}

// denied counts one access-denied answer from side. It returns true when
// the file must not be counted as failed: the job is (now) held because
// the side keeps refusing, and the file waits for access to return.
// Once jobs run by `mgw run` have nobody to resume them: they stop
// instead (the next run resumes where this one stopped).
func (r *Runner) denied(side connectors.Side, err error, resumed uint64) (held bool) {
	if r.deniedRun[side].Add(1) < maxConsecutiveDenied {
		return false
	}
	text := fmt.Sprintf("%s refused %d requests in a row, the last: %s", side, maxConsecutiveDenied, RootCause(err))
	if r.Continuous == nil && !r.PauseOnDenied {
		r.stop(codes.ProviderAccessDenied, errors.New(text))
		return true
	}
	onProbe := func() {
		// One more refusal holds the copiers again; a success clears it.
		r.deniedRun[side].Store(maxConsecutiveDenied - 1)
		r.log.Info("probing access after a hold", "side", side.String())
	}
	if r.access.hold(codes.ProviderAccessDenied, text, resumed, onProbe) {
		r.log.Error("job paused", "code", codes.ProviderAccessDenied, "side", side.String(), "reason", RootCause(err))
	}
	return true
}

// blocked handles what no file can get past until someone acts: a side
// that no longer accepts the job's credentials or lost its bucket
// (jobFatal: a secret changed), or the state directory's disk full
// (state.ErrDiskFull), or the destination's (KindNoSpace). `mgw run`
// stops with the code. Under the agent, and in continuous mode, the job is held with the code instead, as a side
// refusing access holds it: it never looks finished, or synced, while it
// copies nothing, no file is failed for it, and probes or `mgw job retry`
// (after `mgw reload` with the new secret, or once space is freed) let it
// go on. It returns true when the file must wait instead of being failed.
func (r *Runner) blocked(side connectors.Side, err error, resumed uint64) (held bool) {
	var code, text string
	switch {
	case errors.Is(err, state.ErrDiskFull):
		code, text = codes.StateDiskFull, err.Error()
	case connectors.KindOf(err) == connectors.KindNoSpace:
		code, text = codes.DestDiskFull, fmt.Sprintf("%s has no space left: %s", side, RootCause(err))
	default:
		code, text = r.addressCode(side, err), fmt.Sprintf("%s refused the address's credentials or bucket: %s", side, RootCause(err))
	}
	if r.Continuous == nil && !r.PauseOnDenied {
		r.stop(code, err)
		return false
	}
	onProbe := func() { r.log.Info("probing after a hold", "code", code) }
	if r.access.hold(code, text, resumed, onProbe) {
		r.log.Error("job paused", "code", code, "reason", text)
	}
	return true
}

// alone reports whether the copiers waiting for a verdict can expect no
// other answer: every copier at work is one of them, and either every
// copier is (nothing else can start) or no file waits to be copied and
// no pass is still planning (nothing else will come). While files may
// still come, a verdict waits: the first files of a run must not fail for
// want of company.
func (r *Runner) alone(suspects int64) bool {
	p := r.Progress
	inFlight := p.InFlight.Load()
	return suspects >= inFlight &&
		(suspects >= int64(r.Job.Concurrency) || r.planning.Load() == 0 && p.FilesQueued.Load() <= inFlight)
}
