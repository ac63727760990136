package engine

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// partSlots bounds the parts in flight of all multipart uploads of the
// process, and hands a freed slot to the file that began first.
//
// Served part by part in turn, every large file advances at the same pace,
// so files end together and their completions (which many servers spend
// seconds on, writing the object again) run one beside the other at the
// end of the run with nothing left to send. Served oldest file first, one
// file's parts go out and it completes while the next file's parts
// already use the link. 4 x 512 MiB to versitygw, four runs each: 6.9-8.8
// s in turn, 5.3-6.4 s oldest first, 5.6-6.8 s for a bare SDK loop that
// sends the files one after the other. A file takes at most partsPerFile
// of them (multipart.go), so the next one always moves.
type partSlots struct {
	mu      sync.Mutex
	free    int
	waiting []*slotWait // by file, oldest first
}

type slotWait struct {
	file  uint64
	ready chan struct{} // closed when the slot is this waiter's
}

func newPartSlots(n int) *partSlots { return &partSlots{free: n} }

// fileSeq numbers the files sent in parts in the order they begin.
var fileSeq atomic.Uint64

func nextFile() uint64 { return fileSeq.Add(1) }

// acquire takes a slot for a part of file (a number from nextFile),
// waiting behind the parts of every older file.
func (s *partSlots) acquire(ctx context.Context, file uint64) error {
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return nil
	}
	w := &slotWait{file: file, ready: make(chan struct{})}
	i, _ := slices.BinarySearchFunc(s.waiting, file+1, func(w *slotWait, f uint64) int { return cmp.Compare(w.file, f) })
	s.waiting = slices.Insert(s.waiting, i, w)
	s.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		if i := slices.Index(s.waiting, w); i >= 0 {
			s.waiting = slices.Delete(s.waiting, i, i+1)
			s.mu.Unlock()
			return ctx.Err()
		}
		s.mu.Unlock()
		s.release() // granted as ctx ended: pass it on
		return ctx.Err()
	}
}

// release gives a slot back: to the oldest file waiting, if any.
func (s *partSlots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) == 0 {
		s.free++
		return
	}
	w := s.waiting[0]
	s.waiting = s.waiting[1:]
	close(w.ready)
}
