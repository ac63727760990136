package vfs

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
)

// spools keep the last complete rendering of each list on local disk,
// tagged with the state version it was rendered from. A list opened again
// while the state has not changed (a finished job, read with cat, then
// grep, then wc -l) is served from that file at disk speed instead of
// being rendered again; any commit to the state makes the spool stale, and
// the list is rendered (and spooled) afresh. Renderings are written as they
// are read, so the first reader pays only the write to the page cache.
// The files live in a private directory removed at unmount; memory holds
// only their names.
type spools struct {
	dir string
	mu  sync.Mutex
	m   map[string]spoolEntry // list path -> its latest complete spool
}

type spoolEntry struct {
	file    string
	version uint64
	size    int64
}

func newSpools(dir string) *spools { return &spools{dir: dir, m: map[string]spoolEntry{}} }

// open returns the spool of list p at version, open for reading, or nil.
// A spool of another version is stale and removed.
func (s *spools) open(p string, version uint64) *spoolReader {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[p]
	if !ok {
		return nil
	}
	if e.version != version {
		os.Remove(e.file)
		delete(s.m, p)
		return nil
	}
	f, err := os.Open(e.file)
	if err != nil {
		delete(s.m, p)
		return nil
	}
	return &spoolReader{f: f, size: e.size}
}

// create starts a spool file for list p; nil when spooling is off.
func (s *spools) create(p string, version uint64) *os.File {
	if s == nil {
		return nil
	}
	h := fnv.New64a()
	h.Write([]byte(p))
	f, err := os.CreateTemp(s.dir, fmt.Sprintf("%016x-%d-*", h.Sum64(), version))
	if err != nil {
		return nil
	}
	return f
}

// publish makes a complete spool file the one served for p at version,
// replacing the older one (readers that hold it open keep reading it).
func (s *spools) publish(p string, version uint64, f *os.File, size int64) {
	name := f.Name()
	if err := f.Close(); err != nil {
		os.Remove(name)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m[p]; ok {
		if old.version > version { // a newer rendering won the race
			os.Remove(name)
			return
		}
		os.Remove(old.file)
	}
	s.m[p] = spoolEntry{file: name, version: version, size: size}
}

// removeAll deletes every spool and the directory.
func (s *spools) removeAll() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = map[string]spoolEntry{}
	return os.RemoveAll(s.dir)
}

// spoolReader serves a list from its spool file.
type spoolReader struct {
	f    *os.File
	size int64
}

func (r *spoolReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, nil
	}
	n, err := r.f.ReadAt(p[:min(int64(len(p)), r.size-off)], off)
	if err != nil && n > 0 {
		err = nil
	}
	return n, err
}

func (r *spoolReader) Close() { r.f.Close() }

// spoolDir makes the private (0700) spool directory of the mount at
// mountDir, named for it, so the next mount there first removes what a
// killed agent left.
func spoolDir(mountDir string) (string, error) {
	h := fnv.New64a()
	h.Write([]byte(mountDir))
	d := filepath.Join(os.TempDir(), fmt.Sprintf("mgw-view-spool-%016x", h.Sum64()))
	if err := os.RemoveAll(d); err != nil {
		return "", err
	}
	return d, os.Mkdir(d, 0o700)
}
