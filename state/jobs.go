package state

import (
	"errors"

	badger "github.com/dgraph-io/badger/v4"
)

// Job returns the record of job.
func (s *Store) Job(job string) (Job, error) {
	var j Job
	_, err := s.get(JobKey(job), &j)
	return j, err
}

// Adopted ends a job's adoption (Job.Adopt) once a full pass has met
// every file of the source.
func (s *Store) Adopted(job string) error {
	return s.update(func(txn *badger.Txn) error {
		var j Job
		item, err := txn.Get(JobKey(job))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err == nil {
			err = item.Value(func(b []byte) error { return decode(b, &j) })
		}
		if err != nil || !j.Adopt {
			return err
		}
		j.Adopt = false
		return txn.Set(JobKey(job), encode(j))
	})
}

// NewRun allocates the next run number of job and stores r under it.
func (s *Store) NewRun(r *Run) error {
	return s.update(func(txn *badger.Txn) error {
		var j Job
		if item, err := txn.Get(JobKey(r.Job)); err == nil {
			if err := item.Value(func(b []byte) error { return decode(b, &j) }); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		j.LastRun++
		r.Number = j.LastRun
		if err := txn.Set(JobKey(r.Job), encode(j)); err != nil {
			return err
		}
		return txn.Set(RunKey(r.Job, r.Number), encode(r))
	})
}

// SaveRun updates a run's report.
func (s *Store) SaveRun(r *Run) error { return s.set(RunKey(r.Job, r.Number), r) }

// LastRun returns the newest run of job.
func (s *Store) LastRun(job string) (Run, bool, error) {
	j, err := s.Job(job)
	if err != nil || j.LastRun == 0 {
		return Run{}, false, err
	}
	var r Run
	ok, err := s.get(RunKey(job, j.LastRun), &r)
	return r, ok, err
}

// SetShard records which shard of job the state holds.
func (s *Store) SetShard(job, shard string) error {
	s.compactor.write()
	return s.db.Update(func(txn *badger.Txn) error {
		var j Job
		if item, err := txn.Get(JobKey(job)); err == nil {
			if err := item.Value(func(b []byte) error { return decode(b, &j) }); err != nil {
				return err
			}
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		j.Shard = shard
		return txn.Set(JobKey(job), encode(j))
	})
}
