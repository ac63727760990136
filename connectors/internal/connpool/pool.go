// Package connpool keeps a fixed number of connections to one file server
// (SMB sessions, NFS RPC clients), shared by every caller, and replaces a
// connection that dropped.
//
// Both protocols multiplex concurrent requests on one connection, so a
// connection is never held exclusively: callers are spread over the slots
// round-robin, and a slot's connection is dialled on first use. An
// operation that fails because its connection broke is retried on a fresh
// one, with exponential backoff, for up to Budget: a server restarted
// mid-job costs a pause, not failed files. The first dial of a pool is not
// retried, so a wrong address or password is reported at once.
package connpool

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the reconnect policy; vars so tests can shorten them.
var (
	DefaultBudget     = 2 * time.Minute
	DefaultMinBackoff = 100 * time.Millisecond
	DefaultMaxBackoff = 5 * time.Second
)

// Pool is a set of size connections of type C.
type Pool[C comparable] struct {
	// Dial opens one connection. It must honour ctx.
	Dial func(ctx context.Context) (C, error)
	// Release closes a connection; it may be called on a broken one.
	Release func(C)
	// Broken reports whether err means the connection is unusable (the
	// transport failed, the server forgot the session or the handles).
	Broken func(error) bool

	Budget                 time.Duration // how long to keep reconnecting
	MinBackoff, MaxBackoff time.Duration

	slots     []slot[C]
	next      atomic.Uint32
	connected atomic.Bool // a dial has succeeded once: later failures are drops
	closed    atomic.Bool
}

type slot[C comparable] struct {
	mu  sync.Mutex
	c   C
	ok  bool
	gen uint64 // bumped at each replacement, so a stale failure drops nothing new
}

// New returns a pool of size slots (at least 1) with the default policy.
func New[C comparable](size int, dial func(context.Context) (C, error), closeFn func(C), broken func(error) bool) *Pool[C] {
	if size < 1 {
		size = 1
	}
	return &Pool[C]{
		Dial: dial, Release: closeFn, Broken: broken,
		Budget: DefaultBudget, MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff,
		slots: make([]slot[C], size),
	}
}

// ErrClosed is returned by Do after Close.
var ErrClosed = errors.New("connection pool closed")

// get returns slot i's connection, dialling it if needed.
func (p *Pool[C]) get(ctx context.Context, i int) (C, uint64, error) {
	s := &p.slots[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ok {
		return s.c, s.gen, nil
	}
	c, err := p.Dial(ctx)
	if err != nil {
		var zero C
		return zero, 0, err
	}
	if p.closed.Load() {
		p.Release(c)
		var zero C
		return zero, 0, ErrClosed
	}
	s.c, s.ok = c, true
	s.gen++
	p.connected.Store(true)
	return c, s.gen, nil
}

// drop closes slot i's connection if it is still generation gen.
func (p *Pool[C]) drop(i int, gen uint64) {
	s := &p.slots[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ok && s.gen == gen {
		p.Release(s.c)
		var zero C
		s.c, s.ok = zero, false
	}
}

// Do runs op on a connection. If op (or the dial) fails with an error
// Broken accepts, after the pool once connected, the connection is
// replaced and op runs again after a backoff, until Budget is spent or ctx
// ends; op must therefore be safe to repeat. Other errors return at once.
func (p *Pool[C]) Do(ctx context.Context, op func(C) error) error {
	var (
		deadline time.Time
		backoff  = p.MinBackoff
	)
	for {
		if p.closed.Load() {
			return ErrClosed
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		i := int(p.next.Add(1) % uint32(len(p.slots)))
		wasConnected := p.connected.Load()
		c, gen, err := p.get(ctx, i)
		if err == nil {
			err = op(c)
			if err != nil && p.Broken(err) {
				p.drop(i, gen)
			}
		}
		if err == nil || !wasConnected || !p.Broken(err) || ctx.Err() != nil {
			return err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(p.Budget)
		}
		if time.Now().After(deadline) {
			return err
		}
		// Jitter spreads the reconnects of many callers.
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, p.MaxBackoff)
	}
}

// Close closes every connection; Do fails with ErrClosed afterwards.
func (p *Pool[C]) Close() {
	p.closed.Store(true)
	for i := range p.slots {
		s := &p.slots[i]
		s.mu.Lock()
		if s.ok {
			p.Release(s.c)
			var zero C
			s.c, s.ok = zero, false
		}
		s.mu.Unlock()
	}
}

// Drop closes c if a slot still holds it: its holder saw it break outside
// Do (a streaming read), and the next caller must not get it.
func (p *Pool[C]) Drop(c C) {
	for i := range p.slots {
		s := &p.slots[i]
		s.mu.Lock()
		if s.ok && s.c == c {
			p.Release(s.c)
			var zero C
			s.c, s.ok = zero, false
		}
		s.mu.Unlock()
	}
}
