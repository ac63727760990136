package watchdog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// server is a body whose first Read sends first and whose next waits on
// the request's context, as a transport's read does; quiet is what
// happens meanwhile (the clock running out, the caller giving up).
func server(ctx context.Context, first string, quiet func()) io.Reader {
	sent := false
	return readerFunc(func(p []byte) (int, error) {
		if !sent {
			sent = true
			return copy(p, first), nil
		}
		quiet()
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("read tcp 127.0.0.1:7070: %w", ctx.Err())
		case <-time.After(10 * time.Second): // a failure bound, never a wait
			return 0, errors.New("the request was not ended")
		}
	})
}

// A body that stops flowing is cut off as a stall: a timeout, and never
// the caller's cancellation (moved from s3's and azblob's body and oss's
// TestStalledDownloadIsTimeout). Each kind of dog says it its own way.
func TestBodyStall(t *testing.T) {
	for _, tt := range []struct {
		body bool
		msg  string
	}{
		{false, "no progress for 1m0s"},            // oss, cos, httplist
		{true, "no data from the server for 1m0s"}, // s3, azblob
	} {
		ctx, w, ft := fakeDog(context.Background(), tt.body)
		var failed error
		b := w.Body(server(ctx, "first chunk", func() { ft.fire() }), noClose, func(err error) error {
			failed = err
			return fmt.Errorf("classified: %w", err)
		})
		got, err := io.ReadAll(b)
		if string(got) != "first chunk" {
			t.Errorf("read %q before the stall", got)
		}
		wantStalled(t, failed, tt.msg)
		wantStalled(t, err, tt.msg)
		if err.Error() != "classified: "+tt.msg {
			t.Errorf("Read = %q, want fail's answer", err)
		}
		b.Close()
	}
}

// The caller's cancellation stays a cancellation, never a timeout (moved
// from s3's TestCanceledBody, whose fake server stays in s3).
func TestBodyCallerCancel(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	ctx, w, ft := fakeDog(parent, true)
	b := w.Body(server(ctx, "first chunk", cancel), noClose, nil)
	defer b.Close()
	_, err := io.ReadAll(b)
	if !errors.Is(err, context.Canceled) || errors.As(err, new(Stalled)) {
		t.Errorf("read after cancel: %v, want the caller's cancellation", err)
	}
	if ft.isRunning() {
		t.Error("the clock runs after the failed Read")
	}
}

func TestBodyErrors(t *testing.T) {
	_, w, _ := fakeDog(context.Background(), true)
	cut := fmt.Errorf("read: %w", io.ErrUnexpectedEOF)
	var failed []error
	fail := func(err error) error {
		failed = append(failed, err)
		return errors.New("classified")
	}
	results := []error{io.EOF, cut}
	b := w.Body(readerFunc(func(p []byte) (int, error) {
		err := results[0]
		results = results[1:]
		return 0, err
	}), noClose, fail)
	defer b.Close()
	if _, err := b.Read(nil); err != io.EOF || len(failed) != 0 {
		t.Errorf("the end: Read = %v (fail saw %v), want io.EOF untouched", err, failed)
	}
	if _, err := b.Read(nil); err == nil || err.Error() != "classified" || len(failed) != 1 || failed[0] != cut {
		t.Errorf("a cut: Read = %v, fail saw %v; want fail to classify the error as met", err, failed)
	}

	// Without fail an error stays as it is.
	_, w, _ = fakeDog(context.Background(), true)
	raw := w.Body(readerFunc(func([]byte) (int, error) { return 0, cut }), noClose, nil)
	defer raw.Close()
	if _, err := raw.Read(nil); err != cut {
		t.Errorf("Read = %v, want %v", err, cut)
	}
}

// Close stops the clock, closes the body and then ends the request (s3's
// and azblob's order), returning what the body's Close said.
func TestBodyClose(t *testing.T) {
	ctx, w, ft := fakeDog(context.Background(), false)
	closeErr := errors.New("close")
	var atClose error = errors.New("not closed")
	b := w.Body(readerFunc(func([]byte) (int, error) { return 0, io.EOF }), closerFunc(func() error {
		atClose = ctx.Err()
		return closeErr
	}), nil)
	if err := b.Close(); err != closeErr {
		t.Errorf("Close = %v, want the body's %v", err, closeErr)
	}
	if atClose != nil {
		t.Errorf("the body was closed after the request ended (%v)", atClose)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after Close the request's context is %v, want ended", ctx.Err())
	}
	if ft.fire() {
		t.Error("the clock still runs after Close")
	}
}

// foreignCtx is a parent context from outside the standard library:
// context.WithCancel starts a goroutine per child to follow it, which
// only the child's cancel ends. A dog not stopped leaks one per request.
type foreignCtx struct {
	context.Context
	done chan struct{}
}

func (c foreignCtx) Done() <-chan struct{} { return c.done }

func TestNoLeakPerRequest(t *testing.T) {
	parent := foreignCtx{context.Background(), make(chan struct{})}
	defer close(parent.done)
	base := runtime.NumGoroutine()

	// The probe must be able to see a leak: a live dog holds a goroutine.
	_, w := New(parent, time.Hour)
	if n := runtime.NumGoroutine(); n <= base {
		t.Fatalf("%d goroutines with a live dog, %d before: the count cannot see a leak", n, base)
	}
	w.Stop()

	for range 100 {
		_, w := New(parent, time.Hour)
		b := w.Body(readerFunc(func([]byte) (int, error) { return 0, io.EOF }), noClose, nil)
		io.ReadAll(b)
		b.Close()
		_, w = NewForBody(parent, time.Hour)
		w.Stop() // the error path of an Open
	}
	// The followers end once they see their child's cancel; the deadline
	// is only a failure bound.
	for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > base; {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines after 100 requests, %d before", runtime.NumGoroutine(), base)
		}
		runtime.Gosched()
	}
}

// The real clock (in a synctest bubble, whose time passes only while
// every goroutine waits) runs out after exactly d of silence, and leaves
// nothing running once the body is closed.
func TestRealClockTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, w := NewForBody(context.Background(), time.Minute)
		begin := time.Now()
		// Were the request never ended, the bubble would deadlock and
		// fail the test: the failure bound.
		b := w.Body(readerFunc(func([]byte) (int, error) {
			<-ctx.Done()
			return 0, ctx.Err()
		}), noClose, nil)
		_, err := b.Read(make([]byte, 1))
		wantStalled(t, err, "no data from the server for 1m0s")
		if d := time.Since(begin); d != time.Minute {
			t.Errorf("stalled after %v, want 1m0s", d)
		}
		b.Close()

		ctx, w = New(context.Background(), time.Minute)
		begin = time.Now()
		<-ctx.Done() // nobody kicks
		wantStalled(t, w.Check(ctx.Err()), "no progress for 1m0s")
		if d := time.Since(begin); d != time.Minute {
			t.Errorf("a request without progress stalled after %v, want 1m0s", d)
		}
		w.Stop()
	})
}
