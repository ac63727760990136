package vfs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/mgw-dev/mgw/state"
)

// StatusDir writes the view as plain files under a directory, for hosts
// where FUSE is unavailable (Windows, containers without /dev/fuse, or
// mount: "" with status_dir: set). Each file is replaced atomically (write
// to a temporary file, then rename), so a reader sees the old or the new
// content, never a mix. Jobs and addresses that left the configuration
// are removed. Lists whose modification time the Source reports unchanged
// are not rewritten.
type StatusDir struct {
	dir     string
	root    *os.Root // dir, while Write runs
	v       *view
	written map[string]time.Time // list path -> Source.ModTime when last written
	wrote   func(error)          // tests: called after each write of Run
}

// NewStatusDir prepares to write the view under dir (created if missing).
func NewStatusDir(dir string, src Source, lists Lists) *StatusDir {
	return &StatusDir{dir: dir, v: newView(src, lists), written: map[string]time.Time{}}
}

// Run writes the tree now and again at every tick, until ctx ends. The
// caller owns the ticker: time.NewTicker(time.Second).C in the agent (at
// most one refresh a second), a channel it feeds in tests.
func (d *StatusDir) Run(ctx context.Context, tick <-chan time.Time) error {
	for {
		err := d.Write()
		if d.wrote != nil {
			d.wrote(err)
		}
		if err != nil {
			// A full disk or a vanished directory must not stop the agent;
			// the next tick tries again.
			if ctx.Err() != nil {
				return nil
			}
			slog.Warn("vfs: writing the status directory failed", "dir", d.dir, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// Write writes the whole tree once. The directory is its owner's only
// (0700), as the view and the control socket are: failed lists name the
// files of the job. Every path below it is resolved inside it (os.Root),
// so a link planted in it (jobs/JOB -> /elsewhere) is never followed: the
// agent runs as root.
func (d *StatusDir) Write() error {
	if err := os.MkdirAll(d.dir, 0o700); err != nil {
		return err
	}
	fi, err := os.Stat(d.dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(d.dir, 0o700); err != nil {
			return err
		}
	}
	if d.root, err = os.OpenRoot(d.dir); err != nil {
		return err
	}
	defer func() {
		d.root.Close()
		d.root = nil
	}()
	return d.writeDir("")
}

func (d *StatusDir) writeDir(dir string) error {
	es, _ := d.v.list(dir)
	keep := map[string]bool{}
	var errs []error
	for _, e := range es {
		p := join(dir, e.name)
		keep[e.name] = true
		if e.dir {
			if err := d.mkdir(d.local(p)); err != nil {
				errs = append(errs, err)
				continue
			}
			if e.name == "errors" {
				continue // written with failed.txt
			}
			errs = append(errs, d.writeDir(p))
			continue
		}
		f, _, ok := d.v.lookup(p)
		if !ok {
			continue
		}
		switch f.kind {
		case kindFailed:
			errs = append(errs, d.writeFailures(f))
		case kindSkipped, kindCheck:
			errs = append(errs, d.writeIfChanged(f, func(w io.Writer) error {
				return d.copyList(w, f)
			}))
		default:
			errs = append(errs, d.writeFile(p, func(w io.Writer) error {
				b, err := d.v.small(f)
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			}))
		}
	}
	errs = append(errs, d.prune(dir, keep))
	return errors.Join(errs...)
}

// prune removes what dir holds beyond keep: jobs and addresses that left
// the configuration, a check that is gone, stray temporary files.
func (d *StatusDir) prune(dir string, keep map[string]bool) error {
	f, err := d.root.Open(d.local(dir))
	if err != nil {
		return err
	}
	ents, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		if !keep[e.Name()] {
			errs = append(errs, d.root.RemoveAll(filepath.Join(d.local(dir), e.Name())))
		}
	}
	return errors.Join(errs...)
}

// mkdir makes the folder p, whose parent exists. Anything else in its
// place (a file, a link planted there) is removed first: the tree is the
// agent's own.
func (d *StatusDir) mkdir(p string) error {
	if fi, err := d.root.Lstat(p); err == nil && !fi.IsDir() {
		if err := d.root.Remove(p); err != nil {
			return err
		}
	}
	err := d.root.Mkdir(p, 0o755)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	return err
}

// local is the path of p in the tree relative to the directory, in OS form.
func (d *StatusDir) local(p string) string {
	if p == "" {
		return "."
	}
	return filepath.FromSlash(p)
}

// writeIfChanged writes a list unless the Source says it has not changed
// since the last write: a list can be large.
func (d *StatusDir) writeIfChanged(f file, render func(io.Writer) error) error {
	mt := d.v.src.ModTime(f.path)
	if last, ok := d.written[f.path]; ok && !mt.IsZero() && mt.Equal(last) {
		if _, err := d.root.Lstat(d.local(f.path)); err == nil {
			return nil
		}
	}
	if err := d.writeFile(f.path, render); err != nil {
		return err
	}
	d.written[f.path] = mt
	return nil
}

func (d *StatusDir) copyList(w io.Writer, f file) error {
	r := d.v.openListSource(f) // the status dir keeps no spools: rendered afresh
	defer r.Close()
	_, err := io.Copy(w, &seqReader{r: r})
	return err
}

// writeFailures writes failed.txt and every errors/<CODE> in one pass over
// one snapshot, so they agree with each other.
func (d *StatusDir) writeFailures(f file) error {
	errDir := join(filepath.ToSlash(filepath.Dir(filepath.FromSlash(f.path))), "errors")
	mt := d.v.src.ModTime(f.path)
	if last, ok := d.written[f.path]; ok && !mt.IsZero() && mt.Equal(last) {
		if _, err := d.root.Lstat(d.local(f.path)); err == nil {
			return nil
		}
	}
	byCode := map[string]*tempFile{}
	defer func() {
		for _, t := range byCode {
			t.abort()
		}
	}()
	scrub := newScrubber(d.v.src.Secrets())
	snap := d.v.lists.Snapshot()
	defer snap.Close()
	err := d.writeFile(f.path, func(w io.Writer) error {
		var line []byte
		return snap.Failures(f.job, "", func(path string, fl state.Failure) error {
			line = scrub.scrub(state.AppendFailedLine(line[:0], path, fl))
			if _, err := w.Write(line); err != nil {
				return err
			}
			if !validName(fl.Code) {
				return nil
			}
			t := byCode[fl.Code]
			if t == nil {
				var err error
				if t, err = d.create(join(errDir, fl.Code)); err != nil {
					return err
				}
				byCode[fl.Code] = t
				if _, err := t.w.Write(scrub.scrub(errorsHeader(fl.Code))); err != nil {
					return err
				}
			}
			_, err := t.w.Write(line)
			return err
		})
	})
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for code, t := range byCode {
		if err := t.commit(mt); err != nil {
			return err
		}
		delete(byCode, code)
		keep[code] = true
	}
	d.written[f.path] = mt
	return d.prune(errDir, keep)
}

// writeFile replaces the file at p with what render writes.
func (d *StatusDir) writeFile(p string, render func(io.Writer) error) error {
	t, err := d.create(p)
	if err != nil {
		return err
	}
	if err := render(t.w); err != nil {
		t.abort()
		if notExist(err) { // e.g. a check that is gone: no file
			if err := d.root.Remove(d.local(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		return fmt.Errorf("%s: %w", p, err)
	}
	return t.commit(d.v.modTime(p))
}

// tempFile is a file being written next to its final name.
type tempFile struct {
	root       *os.Root
	f          *os.File
	w          *bufio.Writer
	tmp, final string // relative to root
}

func (d *StatusDir) create(p string) (*tempFile, error) {
	final := d.local(p)
	for {
		tmp := filepath.Join(filepath.Dir(final), "."+filepath.Base(final)+".tmp"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &tempFile{root: d.root, f: f, w: bufio.NewWriterSize(f, 64<<10), tmp: tmp, final: final}, nil
	}
}

func (t *tempFile) abort() {
	t.f.Close()
	t.root.Remove(t.tmp)
}

// commit flushes the file and renames it over the final name.
func (t *tempFile) commit(mtime time.Time) error {
	err := t.w.Flush()
	if err == nil {
		// 0644, not read-only: Windows cannot rename over a read-only file.
		err = t.f.Chmod(0o644)
	}
	if cerr := t.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && !mtime.IsZero() {
		err = t.root.Chtimes(t.tmp, mtime, mtime)
	}
	if err == nil {
		err = t.root.Rename(t.tmp, t.final)
	}
	if err != nil {
		t.root.Remove(t.tmp)
	}
	return err
}

// seqReader reads a listReader from the start to the end.
type seqReader struct {
	r   listSource
	off int64
}

func (s *seqReader) Read(p []byte) (int, error) {
	n, err := s.r.ReadAt(p, s.off)
	s.off += int64(n)
	if err == nil && n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, err
}
