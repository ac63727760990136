package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// manifestMissing refuses a state directory that holds Badger's data files
// but not its MANIFEST, which lists them: Badger would start afresh and
// delete the tables it no longer knows, and every file would be copied
// again without a word.
func manifestMissing(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil // missing or unreadable: badger.Open says which
	}
	var data string
	for _, e := range ents {
		switch n := e.Name(); {
		case n == "MANIFEST":
			return nil
		case strings.HasSuffix(n, ".sst"), strings.HasSuffix(n, ".vlog"), strings.HasSuffix(n, ".mem"):
			data = n
		}
	}
	if data != "" {
		return fmt.Errorf("%w: %s holds %s but no MANIFEST", ErrDamaged, dir, data)
	}
	return nil
}

// openError classifies what badger.Open returned. Badger wraps some
// system errors as text only (the LOCK file's), so their messages are
// matched too.
func openError(dir string, err error) error {
	is := func(errno syscall.Errno) bool {
		return errors.Is(err, errno) || strings.Contains(err.Error(), errno.Error())
	}
	switch {
	case strings.Contains(err.Error(), "Cannot acquire directory lock"):
		return fmt.Errorf("%w (%s)", ErrLocked, dir)
	case is(syscall.ENOSPC):
		return fmt.Errorf("%w: %s: %v", ErrDiskFull, dir, err)
	case errors.Is(err, fs.ErrPermission), is(syscall.EROFS), is(syscall.EACCES):
		return fmt.Errorf("%w: %v", ErrNotWritable, err)
	case errors.Is(err, fs.ErrNotExist) && !exists(dir):
		return fmt.Errorf("open state in %s: %w", dir, err)
	}
	// Anything else Badger refuses is its files: a truncated MANIFEST
	// ("bad magic"), a garbled table or log, a table the MANIFEST lists
	// that is gone.
	return fmt.Errorf("%w: %s: %v", ErrDamaged, dir, err)
}

func exists(dir string) bool {
	_, err := os.Stat(filepath.Clean(dir))
	return err == nil
}

// Rebuild sets a damaged state directory aside, as dir.damaged-TIME, and
// makes a new one in its place in which every job of jobs adopts, on its
// next full pass, the objects at the destination that match the source
// (Job.Adopt). It returns where the damaged directory went. The caller
// makes sure no mgw process uses dir.
func Rebuild(dir string, jobs []string, now time.Time) (aside string, err error) {
	aside = dir + ".damaged-" + now.UTC().Format("20060102T150405Z")
	if err := os.Rename(dir, aside); err != nil {
		return "", err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return aside, err
	}
	s, err := Open(dir)
	if err != nil {
		return aside, err
	}
	for _, job := range jobs {
		if err := s.set(JobKey(job), Job{Adopt: true}); err != nil {
			s.Close()
			return aside, err
		}
	}
	return aside, s.Close()
}
