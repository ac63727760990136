package pace

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mgw-dev/mgw/agent/config"
)

// Clock is the time the Limiter reads and waits on; tests inject one that
// moves only when told, so rates are measured without sleeping.
type Clock interface {
	Now() time.Time
	// SleepUntil returns at t, or with ctx's error when ctx ends first.
	SleepUntil(ctx context.Context, t time.Time) error
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
func (wallClock) SleepUntil(ctx context.Context, t time.Time) error {
	return Sleep(ctx, time.Until(t))
}

// Limiter applies a job's config.Limits: one token bucket for the bytes read from
// the source by every worker and part, one for the requests to both sides.
// The schedule is looked up again when a wait crosses into a new hour, so
// the limit changes at the hour without touching transfers in flight; Set
// swaps the limits of a running job the same way (a reload).
type Limiter struct {
	clock Clock

	// on says whether a bucket may ever limit: when neither does, a
	// read or request costs one atomic load.
	bytesOn, reqsOn atomic.Bool

	mu     sync.Mutex
	limits config.Limits
	until  time.Time // the settings below hold until then (the next hour)
	bytes  *rate.Limiter
	reqs   *rate.Limiter
	bw     config.ByteSize
	qps    float64

	waited atomic.Int64 // nanoseconds spent waiting for the limits, all workers together
}

func NewLimiter(l config.Limits, c Clock) *Limiter {
	if c == nil {
		c = wallClock{}
	}
	lim := &Limiter{clock: c}
	lim.Set(l)
	return lim
}

// Set replaces the limits; waits already granted keep their time, the next
// read or request follows the new limits.
func (l *Limiter) Set(lim config.Limits) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = lim
	l.until = time.Time{} // look the schedule up again
	bw, qps := lim.Any()
	l.bytesOn.Store(bw)
	l.reqsOn.Store(qps)
}

// Current returns the limits in force now (0: none).
func (l *Limiter) Current() (config.ByteSize, float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refreshLocked(l.clock.Now())
	return l.bw, l.qps
}

// refreshLocked rebuilds the buckets when the hour (or the limits) changed
// and the values in force with them.
func (l *Limiter) refreshLocked(now time.Time) {
	if now.Before(l.until) {
		return
	}
	t := now.Local()
	l.until = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, t.Location())
	bw, qps := l.limits.At(int(t.Weekday()), t.Hour())
	if bw != l.bw || l.bytes == nil {
		l.bw = bw
		l.bytes = bucket(float64(bw), byteBurst(bw))
	}
	if qps != l.qps || l.reqs == nil {
		l.qps = qps
		l.reqs = bucket(qps, max(1, int(qps/10)))
	}
}

func bucket(perSec float64, burst int) *rate.Limiter {
	if perSec <= 0 {
		return rate.NewLimiter(rate.Inf, burst)
	}
	return rate.NewLimiter(rate.Limit(perSec), burst)
}

// byteBurst is the largest read granted at once: a tenth of a second's
// worth, so the rate is smooth over a second and overshoots by at most
// that much however long the window.
func byteBurst(bw config.ByteSize) int {
	return int(min(max(int64(bw)/10, 16<<10), 4<<20))
}

// chunk is how many bytes a reader may take before it waits.
func (l *Limiter) Chunk() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.bytes == nil {
		return 1 << 20
	}
	return l.bytes.Burst()
}

// waitBytes waits until n bytes (at most chunk()) may be read.
func (l *Limiter) WaitBytes(ctx context.Context, n int) error {
	if !l.bytesOn.Load() || n <= 0 {
		return nil
	}
	return l.wait(ctx, n, func() *rate.Limiter { return l.bytes })
}

// waitRequest waits until one more request may be sent.
func (l *Limiter) WaitRequest(ctx context.Context) error {
	if !l.reqsOn.Load() {
		return nil
	}
	return l.wait(ctx, 1, func() *rate.Limiter { return l.reqs })
}

func (l *Limiter) wait(ctx context.Context, n int, which func() *rate.Limiter) error {
	l.mu.Lock()
	now := l.clock.Now()
	l.refreshLocked(now)
	b := which()
	if b.Limit() == rate.Inf {
		l.mu.Unlock()
		return nil
	}
	n = min(n, b.Burst())
	res := b.ReserveN(now, n)
	l.mu.Unlock()
	at := now.Add(res.DelayFrom(now))
	if !at.After(now) {
		return nil
	}
	l.waited.Add(int64(at.Sub(now)))
	if err := l.clock.SleepUntil(ctx, at); err != nil {
		res.CancelAt(l.clock.Now())
		return err
	}
	return nil
}

// limitedReader paces a source reader by the job's bandwidth limit. Bytes
// are counted as read, so every worker and part of the job draws from the
// same bucket.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *Limiter
}

// limitReader wraps r. A job without limits pays one atomic load per
// read; a reload that sets limits slows the transfers already running.
func (l *Limiter) Reader(ctx context.Context, r io.Reader) io.Reader {
	if l == nil {
		return r
	}
	return &limitedReader{ctx: ctx, r: r, l: l}
}

func (lr *limitedReader) Read(p []byte) (int, error) {
	if !lr.l.bytesOn.Load() { // limits lifted by a reload
		return lr.r.Read(p)
	}
	if c := lr.l.Chunk(); len(p) > c {
		p = p[:c]
	}
	n, err := lr.r.Read(p)
	if werr := lr.l.WaitBytes(lr.ctx, n); werr != nil && err == nil {
		err = werr
	}
	return n, err
}

// Waited is how long reads and requests have waited for the limits, all
// workers together.
func (l *Limiter) Waited() time.Duration { return time.Duration(l.waited.Load()) }
