package watchdog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// These tests drive the clock by hand (fakeTimer): nothing waits on real
// time, and "the clock runs" is a state to assert, not a race to win.

// fakeTimer stands for the real timer: fire is its duration passing.
type fakeTimer struct {
	mu      sync.Mutex
	running bool
	f       func()
}

func (t *fakeTimer) Reset(time.Duration) bool { return t.set(true) }
func (t *fakeTimer) Stop() bool               { return t.set(false) }

func (t *fakeTimer) set(running bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	was := t.running
	t.running = running
	return was
}

func (t *fakeTimer) isRunning() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.running
}

// fire lets the duration pass. A stopped clock never runs out, so it
// reports whether the dog's function was called.
func (t *fakeTimer) fire() bool {
	if !t.set(false) {
		return false
	}
	t.f()
	return true
}

// fakeDog is New (body false) or NewForBody (body true) on a fake clock.
func fakeDog(parent context.Context, body bool) (context.Context, *Dog, *fakeTimer) {
	ft := &fakeTimer{}
	ctx, w := start(parent, time.Minute, body, func(_ time.Duration, f func()) timer {
		ft.f = f
		ft.running = true
		return ft
	})
	return ctx, w, ft
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type closerFunc func() error

func (f closerFunc) Close() error { return f() }

var noClose = closerFunc(func() error { return nil })

// wantStalled checks err is the dog's timeout with the given message, not
// a cancellation by the caller.
func wantStalled(t *testing.T, err error, msg string) {
	t.Helper()
	var s Stalled
	var ne net.Error
	if !errors.As(err, &s) || !errors.As(err, &ne) || !ne.Timeout() || errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want a Stalled timeout that is not a cancellation", err)
	}
	if s.Error() != msg {
		t.Errorf("message %q, want %q", s.Error(), msg)
	}
}

func TestFiresWithoutProgress(t *testing.T) {
	ctx, w, ft := fakeDog(context.Background(), false)
	if !ft.isRunning() {
		t.Fatal("New's clock is not running: the wait for the answer would not count")
	}
	ft.fire() // nobody kicks: the dog cancels
	select {
	case <-ctx.Done():
	default:
		t.Fatal("the request's context is still live after the clock ran out")
	}
	wantStalled(t, w.Check(ctx.Err()), "no progress for 1m0s")
	// Whatever the request fails with afterwards is the stall's doing.
	wantStalled(t, w.Check(fmt.Errorf("read: %w", io.ErrUnexpectedEOF)), "no progress for 1m0s")
}

func TestStoppedKeepsErrors(t *testing.T) {
	ctx, w, ft := fakeDog(context.Background(), false)
	w.Kick()
	w.Pause()
	w.Stop()
	if ft.fire() {
		t.Error("a stopped dog's clock still runs")
	}
	other := errors.New("other")
	if err := w.Check(other); err != other {
		t.Errorf("Check = %v, want the error the dog did not cause", err)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after Stop the request context is %v, want canceled", ctx.Err())
	}
	if err := w.Check(ctx.Err()); !errors.Is(err, context.Canceled) {
		t.Errorf("Check(the end Stop caused) = %v, want it kept", err)
	}
	if err := w.Check(nil); err != nil {
		t.Errorf("Check(nil) = %v", err)
	}
}

func TestForBodyTimesNothingBeforeTheBody(t *testing.T) {
	// The answer's wait is the transport's to bound (s3, azblob).
	_, w, ft := fakeDog(context.Background(), true)
	defer w.Stop()
	if ft.isRunning() {
		t.Error("NewForBody's clock runs before the body is read")
	}
}

// The dog must not count time the caller spends between reads of a
// download (moved from oss's TestWatchdogIgnoresCallerTime).
func TestBodyTimesOnlyReads(t *testing.T) {
	for _, body := range []bool{false, true} {
		_, w, ft := fakeDog(context.Background(), body)
		inRead := false
		b := w.Body(readerFunc(func(p []byte) (int, error) {
			inRead = ft.isRunning()
			return copy(p, "x"), nil
		}), noClose, nil)
		if ft.isRunning() {
			t.Errorf("body %v: the clock runs while the caller holds the reader", body)
		}
		if _, err := b.Read(make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		if !inRead {
			t.Errorf("body %v: the clock is stopped while Read waits on the server", body)
		}
		if ft.isRunning() {
			t.Errorf("body %v: the clock runs after Read returned", body)
		}
		b.Close()
	}
}

// Nor time its source takes to produce an upload (the other half of
// oss's TestWatchdogIgnoresCallerTime).
func TestSourceTimesOnlyTheTransport(t *testing.T) {
	_, w, ft := fakeDog(context.Background(), false)
	defer w.Stop()
	inRead := true
	src := w.Source(readerFunc(func(p []byte) (int, error) {
		inRead = ft.isRunning()
		return 0, io.EOF
	}))
	if _, err := src.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read = %v, want the source's io.EOF as it is", err)
	}
	if inRead {
		t.Error("the clock runs while the source is read")
	}
	if !ft.isRunning() {
		t.Error("the clock is not running after the source was read")
	}
}
