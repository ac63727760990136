package connpool

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var errBroken = errors.New("connection reset")

// fakeConn counts what happened to one connection.
type fakeConn struct {
	id     int
	closed atomic.Bool
}

// harness dials fake connections; dials fail while down is set.
type harness struct {
	mu    sync.Mutex
	down  bool
	dials int
	conns []*fakeConn
}

func (h *harness) pool(size int) *Pool[*fakeConn] {
	p := New(size, func(ctx context.Context) (*fakeConn, error) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.dials++
		if h.down {
			return nil, errBroken
		}
		c := &fakeConn{id: h.dials}
		h.conns = append(h.conns, c)
		return c, nil
	}, func(c *fakeConn) { c.closed.Store(true) }, func(err error) bool { return errors.Is(err, errBroken) })
	p.MinBackoff, p.MaxBackoff = time.Millisecond, 5*time.Millisecond
	return p
}

func (h *harness) setDown(v bool) {
	h.mu.Lock()
	h.down = v
	h.mu.Unlock()
}

// The first dial is not retried: a wrong address is reported at once.
func TestFirstDialNotRetried(t *testing.T) {
	h := &harness{down: true}
	p := h.pool(2)
	if err := p.Do(t.Context(), func(*fakeConn) error { return nil }); !errors.Is(err, errBroken) {
		t.Fatalf("got %v, want the dial error", err)
	}
	if h.dials != 1 {
		t.Errorf("%d dials, want 1", h.dials)
	}
}

// waitDials polls until the harness has seen n dials.
func (h *harness) waitDials(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		h.mu.Lock()
		d := h.dials
		h.mu.Unlock()
		if d >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dials after 30 s, want %d", d, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// After a drop, the operation runs again on a new connection once the
// server is back, and the broken one is closed.
func TestReconnect(t *testing.T) {
	h := &harness{}
	p := h.pool(1)
	p.Budget = time.Minute
	ctx := t.Context()
	if err := p.Do(ctx, func(*fakeConn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	first := h.conns[0]
	h.setDown(true)
	done := make(chan error, 1)
	var ranOn atomic.Int32
	go func() {
		done <- p.Do(ctx, func(c *fakeConn) error {
			if c == first {
				return errBroken // the server went away under it
			}
			ranOn.Store(int32(c.id))
			return nil
		})
	}()
	h.waitDials(t, 4) // reconnects fail while the server is down
	h.setDown(false)
	if err := <-done; err != nil {
		t.Fatalf("after the server came back: %v", err)
	}
	if ranOn.Load() <= 1 {
		t.Errorf("the operation did not run on a new connection")
	}
	if !first.closed.Load() {
		t.Error("the broken connection was not closed")
	}
}

// Reconnecting stops when the budget is spent, with the last error.
func TestBudget(t *testing.T) {
	h := &harness{}
	p := h.pool(1)
	p.Budget = 20 * time.Millisecond
	if err := p.Do(t.Context(), func(*fakeConn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	h.setDown(true)
	err := p.Do(t.Context(), func(*fakeConn) error { return errBroken })
	if !errors.Is(err, errBroken) {
		t.Fatalf("got %v, want the connection's error", err)
	}
}

// Other errors are the operation's: returned at once, not retried.
func TestOtherErrorsNotRetried(t *testing.T) {
	h := &harness{}
	p := h.pool(2)
	errNo := errors.New("no such file")
	calls := 0
	err := p.Do(t.Context(), func(*fakeConn) error { calls++; return errNo })
	if !errors.Is(err, errNo) || calls != 1 {
		t.Errorf("got %v after %d calls, want %v after 1", err, calls, errNo)
	}
}

// A cancelled context ends the wait for the server.
func TestCanceledWhileReconnecting(t *testing.T) {
	h := &harness{}
	p := h.pool(1)
	if err := p.Do(t.Context(), func(*fakeConn) error { return nil }); err != nil {
		t.Fatal(err)
	}
	h.setDown(true)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- p.Do(ctx, func(*fakeConn) error { return errBroken }) }()
	h.waitDials(t, 3)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// A connection is lent to one user at a time: users at once get their own,
// and a returned one is lent again rather than a new one dialled.
func TestLentToOneUser(t *testing.T) {
	h := &harness{}
	p := h.pool(2)
	ctx := t.Context()
	a, err := p.Hold(ctx, func(*fakeConn) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Hold(ctx, func(*fakeConn) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatal("two holders were lent the same connection")
	}
	p.Put(a, false)
	var got *fakeConn
	if err := p.Do(ctx, func(c *fakeConn) error { got = c; return nil }); err != nil {
		t.Fatal(err)
	}
	if got != a || h.dials != 2 {
		t.Errorf("ran on connection %d after %d dials, want the returned %d after 2", got.id, h.dials, a.id)
	}
	if _, err := p.Hold(ctx, func(*fakeConn) error { return nil }); err != nil { // a again
		t.Fatal(err)
	}
	p.Put(a, false)
	p.Put(b, true)
	if !b.closed.Load() || !a.closed.Load() {
		t.Errorf("closed: broken %v, idle %v; want both: a drop closes the idle connections too", b.closed.Load(), a.closed.Load())
	}
}

// At most size connections are open: a user beyond them waits for one to
// come back, or for its context to end.
func TestBounded(t *testing.T) {
	h := &harness{}
	p := h.pool(2)
	ctx := t.Context()
	hold := func(ctx context.Context) (*fakeConn, error) {
		return p.Hold(ctx, func(*fakeConn) error { return nil })
	}
	a, err := hold(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold(ctx); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := hold(short); !errors.Is(err, context.Canceled) {
		t.Fatalf("a third user with no room: %v, want it to wait until its context ended", err)
	}
	got := make(chan *fakeConn, 1)
	go func() {
		c, err := hold(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- c
	}()
	p.Put(a, false)
	if c := <-got; c != a || h.dials != 2 {
		t.Errorf("the waiting user got connection %v after %d dials, want the returned %d after 2", c, h.dials, a.id)
	}
}

// Close closes the idle connections and, as it comes back, a lent one;
// Do fails afterwards.
func TestClose(t *testing.T) {
	h := &harness{}
	p := h.pool(3)
	var held []*fakeConn
	for range 3 {
		c, err := p.Hold(t.Context(), func(*fakeConn) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	p.Put(held[0], false)
	p.Put(held[1], false)
	p.Close()
	p.Put(held[2], false)
	for _, c := range h.conns {
		if !c.closed.Load() {
			t.Errorf("connection %d left open", c.id)
		}
	}
	if err := p.Do(t.Context(), func(*fakeConn) error { return nil }); !errors.Is(err, ErrClosed) {
		t.Errorf("Do after Close: %v", err)
	}
}
