package engine

import (
	"context"
	"runtime"
	"testing"
)

// waitFor starts acquire(file) and returns its result channel, once the
// waiter is queued.
func waitFor(t *testing.T, s *partSlots, ctx context.Context, file uint64) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	s.mu.Lock()
	queued := len(s.waiting)
	s.mu.Unlock()
	go func() { done <- s.acquire(ctx, file) }()
	for {
		s.mu.Lock()
		n := len(s.waiting)
		s.mu.Unlock()
		if n > queued {
			return done
		}
		select {
		case err := <-done:
			t.Fatalf("acquire(%d) returned %v at once, want it to wait", file, err)
		default:
			runtime.Gosched()
		}
	}
}

// TestPartSlotsOldestFileFirst: a freed slot goes to the oldest file
// waiting, whatever the order they asked in; the same file's parts in
// the order asked.
func TestPartSlotsOldestFileFirst(t *testing.T) {
	s := newPartSlots(1)
	ctx := context.Background()
	if err := s.acquire(ctx, 1); err != nil {
		t.Fatal(err)
	}
	newer := waitFor(t, s, ctx, 3)
	older := waitFor(t, s, ctx, 2)
	olderAgain := waitFor(t, s, ctx, 2)

	for _, w := range []struct {
		name string
		ch   <-chan error
	}{{"file 2, first part", older}, {"file 2, second part", olderAgain}, {"file 3", newer}} {
		s.release()
		if err := <-w.ch; err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		s.mu.Lock()
		free := s.free
		s.mu.Unlock()
		if free != 0 {
			t.Fatalf("after %s got its slot: %d free, want 0", w.name, free)
		}
	}
	s.release()
	if s.free != 1 || len(s.waiting) != 0 {
		t.Fatalf("%d free, %d waiting; want 1 free, none waiting", s.free, len(s.waiting))
	}
}

// TestPartSlotsCanceled: a waiter whose context ends leaves the queue and
// takes no slot; the next one still gets it.
func TestPartSlotsCanceled(t *testing.T) {
	s := newPartSlots(1)
	if err := s.acquire(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gone := waitFor(t, s, ctx, 2)
	next := waitFor(t, s, context.Background(), 3)
	cancel()
	if err := <-gone; err != context.Canceled {
		t.Fatalf("canceled waiter: %v, want context.Canceled", err)
	}
	s.release()
	if err := <-next; err != nil {
		t.Fatal(err)
	}
	s.release()
	if s.free != 1 || len(s.waiting) != 0 {
		t.Fatalf("%d free, %d waiting; want 1 free, none waiting", s.free, len(s.waiting))
	}
}
