package state

import (
	badger "github.com/dgraph-io/badger/v4"
)

// Snapshot is a read-only view of the store as it was when Snapshot was
// called. Every listing through it sees the same data, however often it is
// resumed, while writers carry on: the read-only view serves a large file
// from one snapshot in many small reads, each resuming where the last one
// stopped. Close it when done: an open snapshot keeps Badger from
// discarding the versions it can see.
type Snapshot struct {
	txn *badger.Txn
	db  *badger.DB // for the table boundaries Lines splits at
}

// Snapshot opens a read-only snapshot of the store.
func (s *Store) Snapshot() *Snapshot {
	return &Snapshot{txn: s.db.NewTransaction(false), db: s.db}
}

// Close releases the snapshot. It is safe to call more than once.
func (p *Snapshot) Close() {
	if p.txn != nil {
		p.txn.Discard()
		p.txn = nil
	}
}

// Failures calls fn for every failure of job whose path is from or after
// it in byte order, in path order, until fn returns an error (returned
// as is). from "" starts at the first.
func (p *Snapshot) Failures(job, from string, fn func(path string, f Failure) error) error {
	return snapEach(p, KindFailure, job, from, fn)
}

// Skips is Failures for the skipped files.
func (p *Snapshot) Skips(job, from string, fn func(path string, k Skip) error) error {
	return snapEach(p, KindSkip, job, from, fn)
}

func snapEach[T any](p *Snapshot, kind byte, job, from string, fn func(path string, v T) error) error {
	prefix := JobPrefix(kind, job)
	// No value prefetch: the records are small and stored in the LSM tree,
	// and prefetching copied every one (twice the cost of a listing).
	it := p.txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	defer it.Close()
	for it.Seek(append(append([]byte(nil), prefix...), from...)); it.Valid(); it.Next() {
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
}

// Version identifies the data the snapshot sees: two snapshots with the
// same version see the same data (no commit happened between them).
func (p *Snapshot) Version() uint64 { return p.txn.ReadTs() }
