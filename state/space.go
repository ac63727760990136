package state

import (
	"errors"
	"fmt"
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

// space tells whether the state directory's disk has room. It asks the
// file system on every call: a statfs costs a microsecond, a file's copy
// milliseconds, and a figure trusted for a while could let a burst of
// writes through a disk that filled meanwhile.
type space struct {
	dir  string
	free func(dir string) (uint64, error) // freeBytes; tests replace it
}

// check returns nil, or an error wrapping ErrDiskFull that says how much
// is left. A disk that cannot be asked is taken to have room: Badger
// says what is wrong with it.
func (s *space) check() error {
	free, err := s.free(s.dir)
	if err == nil && free < Reserve {
		return fmt.Errorf("%w: %s free in %s, mgw keeps %d MiB for its index", ErrDiskFull, mib(free), s.dir, Reserve>>20)
	}
	return nil
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
