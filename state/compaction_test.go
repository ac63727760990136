package state

import (
	"fmt"
	"testing"
	"time"

	badger "github.com/dgraph-io/badger/v4"
)

// waitFor polls cond until it holds, failing after a minute with the
// tree's levels: the compactor's loop is a goroutine of its own.
func waitFor(t *testing.T, s *Store, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("still not %s after a minute (levels %+v)", what, s.db.Levels())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func level0(s *Store) int { return s.db.Levels()[0].NumTables }

func stopped(s *Store) func() bool {
	return func() bool { running, _ := s.compactor.compacting(); return !running }
}

func started(s *Store) int { _, n := s.compactor.compacting(); return n }

// Sustained writes start the compactors and they keep L0 drained: without
// them L0 would reach Badger's stall threshold and the writes would hang.
// Once the writes stop and the tree is settled, they stop; the next write
// starts them again.
func TestCompactorRunsOnlyWhileWriting(t *testing.T) {
	s, err := open(t.TempDir(), 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stall := s.db.Opts().NumLevelZeroTablesStall

	// Nothing written since Open (the schema is written at creation, so
	// the loop saw one write): the compactors stop.
	waitFor(t, s, "stopped after Open", stopped(s))
	starts := started(s)

	// 96 MiB of entries through 4 MiB memtables: 24 flushes to L0, more
	// than the stall threshold (15) if nothing compacted them.
	value := make([]byte, 4<<10)
	maxL0 := 0
	for b := range 240 {
		if n := level0(s); n >= stall-1 {
			t.Fatalf("batch %d: L0 holds %d tables (stall at %d): nothing compacts it", b, n, stall)
		} else {
			maxL0 = max(maxL0, n)
		}
		err := s.update(func(txn *badger.Txn) error {
			for i := range 100 {
				if err := txn.Set([]byte(fmt.Sprintf("test/%06d/%03d", b, i)), value); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if started(s) == starts {
		t.Fatal("the writes did not start the compactors")
	}
	flushed := 0
	for _, tb := range s.db.Tables() {
		if tb.Level > 0 {
			flushed++
		}
	}
	if flushed == 0 {
		t.Fatal("no table below L0: nothing was compacted")
	}
	t.Logf("L0 at most %d tables during the writes; %d tables below L0", maxL0, flushed)

	// Quiet: the compactors drain L0 and stop.
	waitFor(t, s, "stopped when quiet", stopped(s))
	if n, most := level0(s), s.db.Opts().NumLevelZeroTables; n >= most {
		t.Fatalf("compactors stopped with %d tables in L0 (compacted from %d)", n, most)
	}
	for _, l := range s.db.Levels() {
		if l.Adjusted >= 1 {
			t.Fatalf("compactors stopped with level %d over its target (adjusted score %.2f)", l.Level, l.Adjusted)
		}
	}

	// A write starts them again.
	starts = started(s)
	if err := s.set([]byte("test/again"), 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, s, "restarted by a write", func() bool { return started(s) > starts })
}

// Close works whether the compactors run or not, and twice.
func TestCompactorClose(t *testing.T) {
	for _, quiet := range []time.Duration{time.Hour, time.Millisecond} {
		s, err := open(t.TempDir(), quiet)
		if err != nil {
			t.Fatal(err)
		}
		if quiet < time.Second {
			waitFor(t, s, "stopped", stopped(s))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
