package state

import (
	"slices"

	badger "github.com/dgraph-io/badger/v4"
)

// Upload returns the multipart checkpoint of path, if any.
func (s *Store) Upload(job, path string) (Upload, bool, error) {
	var u Upload
	ok, err := s.get(PathKey(KindUpload, job, path), &u)
	return u, ok, err
}

// SaveUpload writes the checkpoint of path.
func (s *Store) SaveUpload(job, path string, u Upload) error {
	return s.set(PathKey(KindUpload, job, path), u)
}

// DropUpload deletes the checkpoint of path.
func (s *Store) DropUpload(job, path string) error {
	return s.update(func(txn *badger.Txn) error { return txn.Delete(PathKey(KindUpload, job, path)) })
}

// AddTemp records name among the temporary files of path, before the
// file is created.
func (s *Store) AddTemp(job, path, name string) error {
	key := PathKey(KindTemp, job, path)
	return s.update(func(txn *badger.Txn) error {
		var t Temps
		if err := getIn(txn, key, &t); err != nil {
			return err
		}
		if slices.Contains(t.Names, name) {
			return nil
		}
		t.Names = append(t.Names, name)
		return txn.Set(key, encode(t))
	})
}

// DropTemps clears names from the temporary files of path (they are
// gone), and the record with the last of them. Names recorded since the
// caller read them stay.
func (s *Store) DropTemps(job, path string, names []string) error {
	key := PathKey(KindTemp, job, path)
	return s.update(func(txn *badger.Txn) error {
		var t Temps
		if err := getIn(txn, key, &t); err != nil {
			return err
		}
		t.Names = slices.DeleteFunc(t.Names, func(n string) bool { return slices.Contains(names, n) })
		if len(t.Names) == 0 {
			return txn.Delete(key)
		}
		return txn.Set(key, encode(t))
	})
}

// TempsOf returns the temporary files recorded for path.
func (s *Store) TempsOf(job, path string) ([]string, error) {
	var t Temps
	_, err := s.get(PathKey(KindTemp, job, path), &t)
	return t.Names, err
}

// Temps lists the temporary files recorded for job, path by path.
func (s *Store) Temps(job string, fn func(path string, t Temps) error) error {
	return each(s, KindTemp, job, fn)
}

// Uploads lists the multipart checkpoints of job.
func (s *Store) Uploads(job string, fn func(path string, u Upload) error) error {
	return each(s, KindUpload, job, fn)
}
