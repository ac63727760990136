package engine

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// pacer spaces the requests of all workers to one address when the server
// throttles, and eases off again as requests succeed: an attack on every
// throttle, a slow decay on every success (rclone's pacer, in small). All
// workers share one pacer per address, so they back off together.
type pacer struct {
	mu    sync.Mutex
	delay time.Duration // gap between requests; 0 when not throttled
	next  time.Time     // earliest start of the next request
	// Throttles counts the throttling answers seen.
	throttles int64
}

const (
	pacerMin = 5 * time.Millisecond
	pacerMax = 2 * time.Second
)

// wait blocks until the next request may start.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	if p.delay == 0 {
		p.mu.Unlock()
		return nil
	}
	now := time.Now()
	start := p.next
	if start.Before(now) {
		start = now
	}
	p.next = start.Add(p.delay)
	p.mu.Unlock()
	return sleep(ctx, time.Until(start))
}

// throttled doubles the gap, or follows the server's Retry-After.
func (p *pacer) throttled(retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.throttles++
	p.delay = min(max(p.delay*2, pacerMin), pacerMax)
	if retryAfter > 0 {
		if t := time.Now().Add(retryAfter); t.After(p.next) {
			p.next = t
		}
	}
}

// ok shrinks the gap after a success.
func (p *pacer) ok() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.delay > 0 {
		p.delay = p.delay * 7 / 8
		if p.delay < pacerMin {
			p.delay = 0
		}
	}
}

// backoff is the wait before retry attempt n (1-based): base doubled per
// attempt, capped, with full jitter so workers do not retry in step.
func backoff(base time.Duration, n int) time.Duration {
	d := base << min(n-1, 10)
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
