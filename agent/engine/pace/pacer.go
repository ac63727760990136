package pace

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Pacer spaces the requests of all workers to one address when the server
// throttles, and eases off again as requests succeed: an attack on every
// throttle, a slow decay on every success (rclone's Pacer, in small). All
// workers share one Pacer per address, so they back off together.
type Pacer struct {
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

// Wait blocks until the next request may start.
func (p *Pacer) Wait(ctx context.Context) error {
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
	return Sleep(ctx, time.Until(start))
}

// Throttled doubles the gap, or follows the server's Retry-After.
func (p *Pacer) Throttled(retryAfter time.Duration) {
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

// OK shrinks the gap after a success.
func (p *Pacer) OK() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.delay > 0 {
		p.delay = p.delay * 7 / 8
		if p.delay < pacerMin {
			p.delay = 0
		}
	}
}

// Backoff is the wait before retry attempt n (1-based): base doubled per
// attempt, capped, with full jitter so workers do not retry in step.
func Backoff(base time.Duration, n int) time.Duration {
	d := base << min(n-1, 10)
	d = min(d, 5*time.Minute)
	return d/2 + rand.N(d/2+1)
}

// Sleep waits d or until ctx ends.
func Sleep(ctx context.Context, d time.Duration) error {
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

// Delay is the gap kept between requests now; 0 when not throttled.
func (p *Pacer) Delay() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.delay
}
