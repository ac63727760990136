package engine

import (
	"hash/maphash"
	"slices"
	"sync"
)

// KeySet remembers which keys a full pass listed, to find the indexed files
// it did not list: 8 bytes a key (a hash), so a pass over a million files
// costs 8 MB, not a million strings. Two keys sharing a hash can only make
// a deleted file look present, and so never cause a wrong delete.
type KeySet struct {
	mu     sync.Mutex
	hashes []uint64
	sorted bool
}

var keySeed = maphash.MakeSeed()

func (s *KeySet) Add(key string) {
	h := maphash.String(keySeed, key)
	s.mu.Lock()
	s.hashes = append(s.hashes, h)
	s.sorted = false
	s.mu.Unlock()
}

func (s *KeySet) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hashes)
}

// Has reports whether key was added. Calls after the last add only.
func (s *KeySet) Has(key string) bool {
	s.mu.Lock()
	if !s.sorted {
		slices.Sort(s.hashes)
		s.sorted = true
	}
	s.mu.Unlock()
	_, ok := slices.BinarySearch(s.hashes, maphash.String(keySeed, key))
	return ok
}
