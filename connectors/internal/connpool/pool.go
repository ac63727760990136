// Package connpool keeps connections to one file server (SMB sessions, NFS
// RPC clients) and replaces a connection that dropped.
//
// A connection is lent to one user at a time, as rclone's smb backend
// does: go-smb2 sizes some requests by the credits its session holds at
// that moment, and a session shared by several goroutines now and then
// sends a query with too few of them, which the server refuses
// (STATUS_INVALID_PARAMETER). At most size connections are open; a user
// that finds none idle dials one while fewer are open, else waits for one
// to come back. A user must therefore never hold one connection of a pool
// while it waits for another of the same pool.
//
// An operation that fails because its connection broke is retried on a
// fresh one, with exponential backoff, for up to Budget: a server
// restarted mid-job costs a pause, not failed files. The first dial of a
// pool is not retried, so a wrong address or password is reported at
// once.
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

// Pool lends connections of type C.
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

	open chan struct{} // a token per connection open or being dialled
	idle chan C        // connections waiting for a user
	// Connected is set once a dial has succeeded: later failures are
	// drops. Pools to one server may share it.
	Connected *atomic.Bool
	closed    atomic.Bool
}

// New returns a pool of up to size connections (at least 1), with the
// default reconnect policy.
func New[C comparable](size int, dial func(context.Context) (C, error), closeFn func(C), broken func(error) bool) *Pool[C] {
	return &Pool[C]{
		Dial: dial, Release: closeFn, Broken: broken,
		Budget: DefaultBudget, MinBackoff: DefaultMinBackoff, MaxBackoff: DefaultMaxBackoff, Connected: new(atomic.Bool),
		open: make(chan struct{}, max(size, 1)), idle: make(chan C, max(size, 1)),
	}
}

// ErrClosed is returned by Do and Hold after Close.
var ErrClosed = errors.New("connection pool closed")

// get lends an idle connection, or dials a new one while fewer than size
// are open, or waits for one to come back.
func (p *Pool[C]) get(ctx context.Context) (C, error) {
	var zero C
	if p.closed.Load() {
		return zero, ErrClosed
	}
	select {
	case c := <-p.idle:
		return c, nil
	default:
	}
	select {
	case c := <-p.idle:
		return c, nil
	case p.open <- struct{}{}:
	case <-ctx.Done():
		return zero, ctx.Err()
	}
	c, err := p.Dial(ctx)
	if err != nil {
		<-p.open
		return zero, err
	}
	p.Connected.Store(true)
	return c, nil
}

// Put gives back a connection that Hold lent. A broken one is closed,
// and so are the idle ones: they were opened before the drop too, and
// after a server restart each would fail in turn, a backoff apiece.
func (p *Pool[C]) Put(c C, broken bool) {
	if broken || p.closed.Load() {
		p.Release(c)
		<-p.open
		if broken {
			p.drain()
		}
		return
	}
	p.idle <- c // never blocks: at most size connections are open
	if p.closed.Load() {
		p.drain() // Close ran meanwhile
	}
}

// drain closes the idle connections, all at once: closing a dead one may
// wait for a timeout.
func (p *Pool[C]) drain() {
	var wg sync.WaitGroup
	for {
		select {
		case c := <-p.idle:
			wg.Go(func() {
				p.Release(c)
				<-p.open
			})
		default:
			wg.Wait()
			return
		}
	}
}

// Do runs op on a connection lent to it alone. If op (or the dial) fails
// with an error Broken accepts, after the pool once connected, the
// connection is closed and op runs again on another after a backoff,
// until Budget is spent or ctx ends; op must therefore be safe to repeat.
// Other errors return at once.
func (p *Pool[C]) Do(ctx context.Context, op func(C) error) error {
	c, err := p.Hold(ctx, op)
	if err == nil {
		p.Put(c, false)
	}
	return err
}

// Hold is Do for a user that keeps the connection after op succeeds (a
// reader, a folder listing: their handles live on it) and gives it back
// with Put. After a failure the connection is back already.
func (p *Pool[C]) Hold(ctx context.Context, op func(C) error) (C, error) {
	var (
		zero     C
		deadline time.Time
		backoff  = p.MinBackoff
	)
	for {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		if p.closed.Load() {
			return zero, ErrClosed
		}
		wasConnected := p.Connected.Load()
		c, err := p.get(ctx)
		if err == nil {
			if err = op(c); err == nil {
				return c, nil
			}
			p.Put(c, p.Broken(err))
		}
		if !wasConnected || !p.Broken(err) || ctx.Err() != nil {
			return zero, err
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(p.Budget)
		}
		if time.Now().After(deadline) {
			return zero, err
		}
		// Jitter spreads the reconnects of many callers.
		d := backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, ctx.Err()
		case <-t.C:
		}
		backoff = min(2*backoff, p.MaxBackoff)
	}
}

// Close closes the idle connections; those lent out are closed as they
// come back, and Do and Hold fail with ErrClosed.
func (p *Pool[C]) Close() {
	p.closed.Store(true)
	p.drain()
}
