package watchdog

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"
)

func TestFiresWithoutProgress(t *testing.T) {
	ctx, w := New(context.Background(), 10*time.Millisecond)
	<-ctx.Done() // nobody kicks: the dog cancels
	err := w.Check(ctx.Err())
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || errors.Is(err, context.Canceled) {
		t.Errorf("Check = %v, want a timeout that is not a cancellation", err)
	}
}

func TestStoppedKeepsErrors(t *testing.T) {
	ctx, w := New(context.Background(), time.Hour)
	w.Kick()
	w.Pause()
	w.Stop()
	other := errors.New("other")
	if err := w.Check(other); err != other {
		t.Errorf("Check = %v, want the error the dog did not cause", err)
	}
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("after Stop the request context is %v, want canceled", ctx.Err())
	}
}
