package state

import (
	"sync"
	"time"
	_ "unsafe" // go:linkname, below

	badger "github.com/dgraph-io/badger/v4"
)

// Badger's compactors each wake every 50 ms, work or not: two of them were
// most of an idle continuous job's CPU (40 wakeups a second while nothing
// changed). Badger exports no way to pause them but Flatten, which merges
// the whole tree into one level on every call. So the store runs them
// only while the index is written to: a write starts them, and they stop
// once no write came for compactQuiet and no level of the tree needs
// compacting by Badger's own rules: L0 cannot stall a later write, and
// reads find the tree as Badger would have left it.
// These are Badger's own methods (Flatten and DropAll use them the same
// way); a Badger that renamed them fails to link, it cannot misbehave.

//go:linkname stopCompactions github.com/dgraph-io/badger/v4.(*DB).stopCompactions
func stopCompactions(db *badger.DB)

//go:linkname startCompactions github.com/dgraph-io/badger/v4.(*DB).startCompactions
func startCompactions(db *badger.DB)

// compactQuiet is how long after the last write the compactors keep
// running: a memtable flushed after the last write still reaches L0, and
// a burst of writes should not start and stop them at every pause.
const compactQuiet = 10 * time.Second

// compactor starts and stops db's compactors. Badger's Open starts them,
// so the first check, compactQuiet after Open, stops them if the tree is
// settled.
type compactor struct {
	db      *badger.DB
	quiet   time.Duration
	wrote   chan struct{} // a write happened (buffered: writes coalesce)
	stop    chan struct{}
	done    chan struct{}
	closed  sync.Once
	mu      sync.Mutex
	running bool // Badger's compactors run
	starts  int  // times they were started again (for tests)
}

func newCompactor(db *badger.DB, quiet time.Duration) *compactor {
	c := &compactor{db: db, quiet: quiet, wrote: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}), running: true}
	go c.loop()
	return c
}

// write is called at each write to the index: it starts the compactors
// if they are stopped. Cheap: one non-blocking send.
func (c *compactor) write() {
	select {
	case c.wrote <- struct{}{}:
	default:
	}
}

// loop holds a timer only while the compactors run; stopped, it waits for
// a write and nothing else, so that an idle store never wakes.
func (c *compactor) loop() {
	defer close(c.done)
	t := time.NewTimer(c.quiet)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-c.wrote:
			c.set(true)
			t.Reset(c.quiet)
		case <-t.C:
			if c.settled() {
				c.set(false)
			} else {
				t.Reset(c.quiet)
			}
		}
	}
}

func (c *compactor) set(run bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case run && !c.running:
		startCompactions(c.db)
		c.starts++
	case !run && c.running:
		stopCompactions(c.db)
	}
	c.running = run
}

// settled reports whether Badger's compactors have nothing left to do, by
// their own rules (levelsController.runCompactor): L0 is compacted once it
// holds NumLevelZeroTables tables (score 1), whatever its adjusted score;
// another level while its adjusted score is 1 or more (a level over its
// target above a lower level further over its own waits). Levels reports
// scores only for the levels over their target.
func (c *compactor) settled() bool {
	for _, l := range c.db.Levels() {
		if (l.Level == 0 && l.Score >= 1) || l.Adjusted >= 1 {
			return false
		}
	}
	return true
}

// close ends the loop. Badger's Close stops the compactors if they run;
// stopped ones it finds stopped (stopping twice is a no-op).
func (c *compactor) close() {
	c.closed.Do(func() { close(c.stop) })
	<-c.done
}

// compacting reports whether Badger's compactors run, and how many times
// they were started again (for tests).
func (c *compactor) compacting() (bool, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.running, c.starts
}
