package state

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Reserve is the free space the disk of the state directory must keep
// for mgw to write to it. Badger writes its log and its tables through
// memory-mapped files: a page it touches on a full disk is not an error it
// can return but a SIGBUS that kills the process, with the index in
// whatever state the kernel left it. So writes stop while enough is left
// for what Badger may still need by itself: the rest of a memtable's log
// (2 × 4 MiB), flushing it to a table at close, and a compaction's output.
const Reserve = 32 << 20

// ErrDiskFull means the disk of the state directory has less than Reserve
// free: nothing more is written until space is freed.
var ErrDiskFull = errors.New("the disk that holds the state directory is full")

// spaceEvery is how long a free-space figure is trusted: a statfs per
// write would cost little, but one per 200 ms costs nothing, and at the
// index's write rate (a few hundred bytes a file) 200 ms cannot use up
// Reserve.
const spaceEvery = 200 * time.Millisecond

// space tells whether the state directory's disk has room.
type space struct {
	dir  string
	free func(dir string) (uint64, error) // freeBytes; tests replace it

	mu      sync.Mutex
	checked time.Time
	err     error
}

// check returns nil, or an error wrapping ErrDiskFull that says how much
// is left. Only room is trusted for spaceEvery: a full disk is looked at
// again on every call, so that the write after space is freed (`mgw job
// retry`) goes through at once.
func (s *space) check() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now := time.Now(); s.err != nil || now.Sub(s.checked) >= spaceEvery {
		s.checked = now
		s.err = nil
		free, err := s.free(s.dir)
		if err == nil && free < Reserve {
			s.err = fmt.Errorf("%w: %s free in %s, mgw keeps %d MiB for its index", ErrDiskFull, mib(free), s.dir, Reserve>>20)
		}
	}
	return s.err
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
