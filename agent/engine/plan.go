package engine

import (
	"context"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine/foldercache"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// task is a file the planner hands to a copier.
type task struct {
	o connectors.Object
	// same is the destination object when it has the source's size and
	// mtime: perhaps mgw's own copy, acknowledged just before a kill left it
	// out of the index. The copier checks its content against the source and
	// adopts it instead of copying when it matches.
	same *connectors.Object
	// otherwise is why the policy skips the file when same turns out to
	// hold other content ("" = copy).
	otherwise string
	// since is when the change was first seen: lag is measured from it.
	since time.Time
	// pass is the pass waiting for this file.
	pass *sync.WaitGroup
}

// caches are one pass's per-folder views of the index and the destination.
// A nil *caches (a single changed file) asks the index and the destination
// directly.
// The change path of a continuous job has names alone (no index, no
// dest): the destination's names, to prove a new file absent there.
type caches struct {
	index *foldercache.Cache[state.FileEntry]
	dest  *foldercache.Cache[connectors.Object]
	names *DestNames
}

func (c *caches) indexLookup(ctx context.Context, key string) (e state.FileEntry, found, cached bool) {
	if c == nil || c.index == nil {
		return e, false, false
	}
	return c.index.Lookup(ctx, key)
}

func (c *caches) destLookup(ctx context.Context, key string) (o connectors.Object, found, cached bool) {
	if c == nil || c.dest == nil {
		return o, false, false
	}
	return c.dest.Lookup(ctx, key)
}

func (c *caches) destAbsent(ctx context.Context, key string) bool {
	return c != nil && c.names.absent(ctx, key)
}

// plan decides what to do with one listed object. It returns ok when the
// object must be copied; every other outcome (unchanged, filtered, skipped)
// is counted and, where the user should see it, recorded here.
func (r *Runner) plan(ctx context.Context, o connectors.Object, c *caches) (t task, ok bool) {
	t.o = o
	switch reason, filtered := r.selector.Skip(o); {
	case filtered:
		r.Progress.FilesFiltered.Add(1)
		return t, false
	case reason != "":
		r.recordSkip(o.Key, reason)
		return t, false
	}
	e, known, cached := c.indexLookup(ctx, o.Key)
	// In a continuous job the watch copies files while a pass runs: a
	// folder read into the cache earlier may not show them yet.
	if !cached || (!known && r.Continuous != nil) {
		var err error
		if e, known, err = r.Store.File(r.Job.Name, o.Key); err != nil {
			r.Log.Error("state read failed", "path", o.Key, "err", err)
			return t, true // copying again is safe; skipping might lose the file
		}
	}
	if known && e.Same(identity(o)) {
		r.unchanged(o)
		return t, false // copied before: moved to an archive class since, or not
	}
	if connectors.Archived(o.StorageClass) && !o.Restored {
		// Reading would fail after a wait: decide at once (restore.go).
		var readable bool
		if o, readable = r.archived(ctx, o); !readable {
			return t, false
		}
		t.o = o
	}
	if known {
		// mgw wrote the destination object itself: it follows the source,
		// whatever the overwrite policy says about objects others wrote.
		return t, true
	}
	if r.started[o.Key] {
		return t, true // mgw's own upload, cut short: resume or redo it
	}
	// After `mgw state rebuild` every object at the destination is likely
	// mgw's own: compare it, whatever the policy, rather than copy it again.
	if r.Job.Overwrite == config.OverwriteAlways && !r.rebuilt.Load() {
		return t, true
	}
	d, exists := r.destObject(ctx, o.Key, c)
	if !exists {
		return t, true // not there, or cannot tell: copy; a wrong skip would lose the file
	}
	// A sharded job's file copied by another shard (before the shard count
	// changed, or before a kill left it out of the index) is adopted on
	// the listing's word: no request of its own, no read.
	if r.Job.Shard.Sharded() && adoptable(o, d) && r.adopt(o, d) {
		return t, false
	}
	reason, same := r.overwriteSkip(ctx, o, d)
	if same != nil {
		t.same, t.otherwise = same, reason
		return t, true
	}
	if reason != "" {
		r.recordSkip(o.Key, reason)
		return t, false
	}
	return t, true
}

// destObject returns the destination's object at key, from its folder's
// listing where that could be read, else from a Stat.
func (r *Runner) destObject(ctx context.Context, key string, c *caches) (d connectors.Object, exists bool) {
	d, exists, cached := c.destLookup(ctx, key)
	if !cached && c.destAbsent(ctx, key) {
		return d, false // its folder's listing did not hold it: no HEAD
	}
	if !cached {
		var err error
		d, err = r.Dst.Stat(ctx, key)
		exists = err == nil
	}
	return d, exists
}

// overwriteSkip applies the overwrite policy (not always) to an object d
// mgw has not indexed, and returns why it must not be copied, or "". An
// existing object with the source's size and mtime is returned too, as
// same: the copier adopts it if its content matches, and applies reason
// only if not.
func (r *Runner) overwriteSkip(ctx context.Context, o, d connectors.Object) (reason string, same *connectors.Object) {
	if d.Size == o.Size {
		// Listings carry no metadata: ask for the object's own.
		if full, err := r.Dst.Stat(ctx, o.Key); err == nil && sameTime(full, o.ModTime) {
			same = &full
		}
	}
	switch r.Job.Overwrite {
	case config.OverwriteNever:
		return "exists at the destination (overwrite: never)", same
	case config.OverwriteIfNewer:
		if !d.ModTime.Before(o.ModTime) {
			return "destination is as new or newer (overwrite: if-newer)", same
		}
	}
	return "", same
}

// sameTime reports whether the destination object carries the source mtime:
// as its own mtime (local) or in the "mtime" metadata mgw writes.
func sameTime(d connectors.Object, mtime time.Time) bool {
	if v, ok := d.Meta[connectors.MetaMtime]; ok {
		t, err := connectors.ParseMtime(v)
		return err == nil && t.Equal(mtime)
	}
	return d.ModTime.Equal(mtime)
}

// NewFolderIndex answers per-key lookups in b with one listing per
// folder: the planner asks the destination which keys it already holds
// and how new they are, a check asks the source for its files.
func NewFolderIndex(b connectors.Bucket) *foldercache.Cache[connectors.Object] {
	return foldercache.New(func(ctx context.Context, dir string, add func(string, connectors.Object) bool) error {
		return b.ListDir(ctx, dir, func(o connectors.Object) error {
			if _, name := foldercache.SplitKey(o.Key); !add(name, o) {
				return foldercache.ErrTooBig
			}
			return nil
		})
	})
}

// newIndexCache reads the index one folder at a time.
func newIndexCache(s *state.Store, job string) *foldercache.Cache[state.FileEntry] {
	return foldercache.New(func(_ context.Context, dir string, add func(string, state.FileEntry) bool) error {
		return s.Folder(job, dir, func(name string, e state.FileEntry) bool { return add(name, e) })
	})
}
