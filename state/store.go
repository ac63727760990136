// Package state keeps mgw's durable state in one Badger database: the index
// of copied files, failures, skips, multipart checkpoints and run reports.
// Keys are documented in keys.go.
package state

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	badger "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Store is the open database. It is safe for concurrent use.
type Store struct {
	db        *badger.DB
	space     *space
	compactor *compactor
}

// Why a state directory cannot be opened, besides ErrDiskFull.
var (
	// ErrLocked means another process (an agent, another run) holds the state.
	ErrLocked = errors.New("the state directory is in use by another mgw process")
	// ErrDamaged means Badger's files are missing, truncated or garbled:
	// mgw refuses to start from zero without saying so.
	ErrDamaged = errors.New("the state directory is damaged")
	// ErrNotWritable means the directory or its files cannot be written.
	ErrNotWritable = errors.New("the state directory cannot be written")
)

// Open opens (creating if needed) the database in dir. A failure wraps
// ErrLocked, ErrDamaged, ErrNotWritable or ErrDiskFull.
func Open(dir string) (*Store, error) { return open(dir, compactQuiet) }

// open opens the database in dir, with its compactors stopped after quiet
// without writes (tests shorten it).
func open(dir string, quiet time.Duration) (*Store, error) {
	if err := manifestMissing(dir); err != nil {
		return nil, err
	}
	opts := badger.DefaultOptions(dir).
		WithLogger(badgerLogger{}).
		// Sized for an agent that shares its host: Badger's defaults
		// (64 MiB memtables, 256 MiB block cache) would dwarf the copy.
		// Memtables live in the heap; 4 MiB holds ~50,000 index entries.
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		// Every value is small and belongs in the LSM tree; the threshold
		// must stay under 15% of the memtable.
		WithValueThreshold(64 << 10).
		// No block cache: blocks are neither compressed nor encrypted,
		// so Badger reads them from the mapped table in place, and a
		// cache would only copy them (Badger's own advice), at the cost
		// of up to 4 MiB and a goroutine waking every 2.5 s.
		WithBlockCacheSize(0).
		WithIndexCacheSize(2 << 20).
		WithValueLogFileSize(64 << 20).
		// Two compactors, run only while the index is written to
		// (compaction.go).
		WithNumCompactors(2).
		// Index entries are small and read on every run: decompressing
		// blocks cost more than the disk they would save.
		WithCompression(options.None).
		// Writes reach the kernel at commit; a killed process loses
		// nothing. fsync per write would cost more than the copy.
		WithSyncWrites(false)
	db, err := badger.Open(opts)
	if err != nil {
		return nil, openError(dir, err)
	}
	s := &Store{db: db, space: &space{dir: dir, free: freeBytes}, compactor: newCompactor(db, quiet)}
	if err := s.checkSchema(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) checkSchema() error {
	var v []byte
	found := true
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(schemaKey())
		if errors.Is(err, badger.ErrKeyNotFound) {
			found = false
			return nil
		}
		if err != nil {
			return err
		}
		v, err = item.ValueCopy(nil)
		return err
	})
	switch {
	case err != nil:
		return fmt.Errorf("%w: %v", ErrDamaged, err)
	case !found:
		// Written only when missing, so that opening a state on a full
		// disk to read it writes nothing.
		return s.update(func(txn *badger.Txn) error { return txn.Set(schemaKey(), []byte{SchemaVersion}) })
	case len(v) != 1 || v[0] != SchemaVersion:
		return fmt.Errorf("state: schema version %v, this mgw knows %d", v, SchemaVersion)
	}
	return nil
}

// Close flushes and closes the database.
func (s *Store) Close() error {
	s.compactor.close()
	return s.db.Close()
}

// Space returns an error wrapping ErrDiskFull while the state directory's
// disk has less than Reserve free (then every write is refused), else nil.
func (s *Store) Space() error { return s.space.check() }

// update runs a read-write transaction, unless the disk is full.
func (s *Store) update(fn func(txn *badger.Txn) error) error {
	if err := s.space.check(); err != nil {
		return err
	}
	s.compactor.write()
	return s.db.Update(fn)
}

func (s *Store) get(key []byte, v any) (bool, error) {
	var found bool
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(key)
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(b []byte) error { return decode(b, v) })
	})
	return found, err
}

func (s *Store) set(key []byte, v any) error {
	return s.update(func(txn *badger.Txn) error { return txn.Set(key, encode(v)) })
}

// File returns the entry of path, if mgw has copied it.
func (s *Store) File(job, path string) (FileEntry, bool, error) {
	var e FileEntry
	ok, err := s.get(PathKey(KindFile, job, path), &e)
	return e, ok, err
}

// Folder calls fn with the name and entry of each indexed file directly in
// dir ("" or a path ending in "/"), in name order, from one snapshot, until
// fn returns false. Sub-folders are skipped with a seek, not read: the
// cost is one seek per sub-folder, however many files it holds.
func (s *Store) Folder(job, dir string, fn func(name string, e FileEntry) bool) error {
	prefix := append(JobPrefix(KindFile, job), dir...)
	return s.db.View(func(txn *badger.Txn) error {
		// No value prefetch: entries are small and live in the LSM tree,
		// so prefetching only copied each value once more before decode
		// read it (a no-change rescan spent a tenth of its CPU there).
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
		defer it.Close()
		for it.Seek(prefix); it.Valid(); {
			item := it.Item()
			name := item.Key()[len(prefix):]
			if i := bytes.IndexByte(name, '/'); i >= 0 {
				// Jump past "sub/...": '0' is the byte after '/'.
				it.Seek(append(append(append([]byte{}, prefix...), name[:i]...), '0'))
				continue
			}
			var e FileEntry
			if err := item.Value(func(b []byte) error { return decode(b, &e) }); err != nil {
				return err
			}
			if !fn(string(name), e) {
				return nil
			}
			it.Next()
		}
		return nil
	})
}

// MarkDone records that path was copied and verified as e, and clears any
// failure, skip, checkpoint or temporary file record of it, in one
// transaction: the caller knows no temporary file of path is left.
func (s *Store) MarkDone(job, path string, e FileEntry) error {
	return s.update(func(txn *badger.Txn) error {
		if err := txn.Set(PathKey(KindFile, job, path), encode(e)); err != nil {
			return err
		}
		return deleteKeys(txn, job, path, KindFailure, KindSkip, KindUpload, KindTemp)
	})
}

// Forget removes everything recorded about path (it left the source) but
// its temporary files (Temps), which stay until they are removed.
func (s *Store) Forget(job, path string) error {
	return s.update(func(txn *badger.Txn) error {
		return deleteKeys(txn, job, path, KindFile, KindFailure, KindSkip, KindUpload)
	})
}

// ForgetAttempts clears what attempts at path left (its failure, skip and
// upload checkpoint), keeping the record of a copy made earlier.
func (s *Store) ForgetAttempts(job, path string) error {
	return s.update(func(txn *badger.Txn) error {
		return deleteKeys(txn, job, path, KindFailure, KindSkip, KindUpload)
	})
}

func deleteKeys(txn *badger.Txn, job, path string, kinds ...byte) error {
	for _, k := range kinds {
		if err := txn.Delete(PathKey(k, job, path)); err != nil {
			return err
		}
	}
	return nil
}

// Fail records a failed attempt series of path, keeping the first time of an
// earlier failure of the same file.
func (s *Store) Fail(job, path string, f Failure) error {
	key := PathKey(KindFailure, job, path)
	return s.update(func(txn *badger.Txn) error {
		if item, err := txn.Get(key); err == nil {
			var old Failure
			if item.Value(func(b []byte) error { return decode(b, &old) }) == nil && !old.First.IsZero() {
				f.First = old.First
				f.Attempts += old.Attempts
			}
		}
		if err := txn.Delete(PathKey(KindSkip, job, path)); err != nil {
			return err
		}
		return txn.Set(key, encode(f))
	})
}

// Skip records that path was deliberately not copied, and why.
func (s *Store) Skip(job, path string, k Skip) error {
	return s.update(func(txn *badger.Txn) error {
		if err := txn.Delete(PathKey(KindFailure, job, path)); err != nil {
			return err
		}
		return txn.Set(PathKey(KindSkip, job, path), encode(k))
	})
}

// DropStale removes the failures and skips last recorded before t. A run
// that listed the whole source calls it with its start time: a record it
// did not renew belongs to a file that left the source, or a folder that
// became readable, and no longer describes anything.
func (s *Store) DropStale(job string, t time.Time) error {
	var stale [][]byte
	collect := func(kind byte, when func([]byte) (time.Time, error)) error {
		prefix := JobPrefix(kind, job)
		return s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				var at time.Time
				err := it.Item().Value(func(b []byte) error {
					var err error
					at, err = when(b)
					return err
				})
				if err == nil && at.Before(t) {
					stale = append(stale, it.Item().KeyCopy(nil))
				}
			}
			return nil
		})
	}
	if err := collect(KindFailure, func(b []byte) (time.Time, error) {
		var f Failure
		return f.Last, decode(b, &f)
	}); err != nil {
		return err
	}
	if err := collect(KindSkip, func(b []byte) (time.Time, error) {
		var k Skip
		return k.At, decode(b, &k)
	}); err != nil {
		return err
	}
	if err := s.space.check(); err != nil {
		return err
	}
	s.compactor.write()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range stale {
		if err := wb.Delete(k); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// Prune drops the file entries, failures and skips of job's paths for
// which keep is false, and returns how many file entries it dropped.
// Multipart checkpoints stay: their uploads must be aborted first.
func (s *Store) Prune(job string, keep func(path string) bool) (int, error) {
	var drop [][]byte
	files := 0
	for _, kind := range []byte{KindFile, KindFailure, KindSkip} {
		prefix := JobPrefix(kind, job)
		err := s.db.View(func(txn *badger.Txn) error {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				if k := it.Item().Key(); !keep(string(k[len(prefix):])) {
					drop = append(drop, it.Item().KeyCopy(nil))
					if kind == KindFile {
						files++
					}
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	s.compactor.write()
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	for _, k := range drop {
		if err := wb.Delete(k); err != nil {
			return 0, err
		}
	}
	return files, wb.Flush()
}

// getIn reads key into v inside txn; a missing key leaves v as it is.
func getIn(txn *badger.Txn, key []byte, v any) error {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return item.Value(func(b []byte) error { return decode(b, v) })
}

// Each calls fn for every record of kind for job, in path order, from one
// read snapshot: a long listing never blocks writers and never sees a
// half-applied change. v is decoded into a fresh value of the record type.
func each[T any](s *Store, kind byte, job string, fn func(path string, v T) error) error {
	prefix := JobPrefix(kind, job)
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 64})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			item := it.Item()
			var v T
			if err := item.Value(func(b []byte) error { return decode(b, &v) }); err != nil {
				return err
			}
			if err := fn(string(item.Key()[len(prefix):]), v); err != nil {
				return err
			}
		}
		return nil
	})
}

// Failures lists the failed files of job in path order.
func (s *Store) Failures(job string, fn func(path string, f Failure) error) error {
	return each(s, KindFailure, job, fn)
}

// Skips lists the skipped files of job in path order.
func (s *Store) Skips(job string, fn func(path string, k Skip) error) error {
	return each(s, KindSkip, job, fn)
}

// Files lists the file index of job.
func (s *Store) Files(job string, fn func(path string, e FileEntry) error) error {
	return each(s, KindFile, job, fn)
}

// FilePaths calls fn with the path of every indexed file of job under
// prefix ("" for all, else a folder ending in "/" or a single path), in
// path order, from one snapshot. It reads keys only, so it is cheap enough
// to diff a listing against a million-file index.
func (s *Store) FilePaths(job, prefix string, fn func(path string) error) error {
	jp := JobPrefix(KindFile, job)
	return s.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: append(jp[:len(jp):len(jp)], prefix...)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := fn(string(it.Item().Key()[len(jp):])); err != nil {
				return err
			}
		}
		return nil
	})
}

// badgerLogger sends Badger's warnings and errors to slog; its chatty info
// and debug lines are dropped.
type badgerLogger struct{}

func (badgerLogger) Errorf(f string, a ...any) {
	slog.Error("state: " + strings.TrimSpace(fmt.Sprintf(f, a...)))
}
func (badgerLogger) Warningf(f string, a ...any) {
	m := strings.TrimSpace(fmt.Sprintf(f, a...))
	if strings.HasPrefix(m, "Block cache might be too small") {
		// The cache is small on purpose (see Open): a first copy writes
		// far more than it reads back, and Badger says so once a minute.
		slog.Debug("state: " + m)
		return
	}
	slog.Warn("state: " + m)
}
func (badgerLogger) Infof(string, ...any)  {}
func (badgerLogger) Debugf(string, ...any) {}
