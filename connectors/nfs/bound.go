package nfs

import (
	"context"
	"errors"
	"sync"
)

// bound runs f, calls of go-nfs-client, until ctx ends: go-nfs-client's
// calls take no context, and wait for an answer as long as the
// connection stays open, resending the call every 5 s, a hundred times.
// If ctx ends first, bound returns at once with an error that marks the
// connection broken (abandonedError), and leaves f to end by itself.
// Closing the client would end f sooner, 10 s after, but go-nfs-client
// may then close a reply channel twice, which panics: close waits for
// f instead. f must not touch what the caller keeps using once bound
// returned (its buffers): it hands its results back.
//
// Nor does a connection that carries a call given up on, or a context
// already ended, start a call (a writer's Close after its Write
// stalled): with two calls waiting on a connection that drops,
// go-nfs-client's disconnect may close the reply channel of one twice, a
// panic (close of closed channel), seen as a black hole closed.
func bound[T any](ctx context.Context, c *conn, f func() (T, error)) (T, error) {
	var zero T
	switch {
	case c.abandoned.Load():
		return zero, &abandonedError{errGivenUp}
	case ctx.Err() != nil:
		return zero, &abandonedError{ctx.Err()}
	case ctx.Done() == nil:
		return f()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	c.inflight.Add(1)
	go func() {
		defer c.inflight.Done()
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		c.abandoned.Store(true)
		return zero, &abandonedError{ctx.Err()}
	}
}

// errGivenUp is a call refused on a connection that carries one given up
// on.
var errGivenUp = errors.New("a call on this connection was given up on")

// boundErr is bound for a call that returns only an error.
func boundErr(ctx context.Context, c *conn, f func() error) error {
	_, err := bound(ctx, c, func() (struct{}, error) { return struct{}{}, f() })
	return err
}

// close closes the client, once the calls abandoned on it have ended.
func (c *conn) close() {
	if !c.abandoned.Load() {
		c.client.Close()
		return
	}
	go func() {
		c.inflight.Wait()
		c.client.Close()
	}()
}

// abandonedError is a call given up because its context ended: its
// connection may still carry it, and is not used again.
type abandonedError struct{ err error }

func (e *abandonedError) Error() string { return "gave up waiting for the server: " + e.err.Error() }
func (e *abandonedError) Unwrap() error { return e.err }

// writeBufs holds the copies writer.Write hands go-nfs-client.
var writeBufs = sync.Pool{New: func() any { return new([]byte) }}

func getBuf(n int) []byte {
	b := writeBufs.Get().(*[]byte)
	if cap(*b) < n {
		*b = make([]byte, n)
	}
	return (*b)[:n]
}

func putBuf(b []byte) { writeBufs.Put(&b) }
