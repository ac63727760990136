package engine

import (
	"context"

	"github.com/mgw-dev/mgw/agent/engine/foldercache"
	"github.com/mgw-dev/mgw/connectors"
)

// DestNames is what the change path of a continuous job knows of the
// destination's folders: the names one listing per folder found there.
// It is used only to prove absence: a changed file the index has never
// seen, whose name the listing of its folder did not hold, needs no HEAD
// at the destination before it is copied (mgw's own copies since are in
// the index, and are planned from it). A name the listing did hold is
// asked for as before, since it may have been deleted since. The
// continuous job makes a new DestNames for each batch of settled changes,
// so what it knows is as old as the batch: an object a third party writes
// at the destination in between, under the name of a new source file, is
// overwritten as if it had appeared just after the HEAD.
//
// Memory: one map entry per destination name of the folders listed
// (≈ 60 bytes plus the name), bounded by foldercache's limits (100,000
// names; a folder of more than 10,000 is not held and is asked per key).
type DestNames struct {
	c *foldercache.Cache[struct{}]
}

// NewDestNames returns an empty DestNames of the runner's destination.
func (r *Runner) NewDestNames() *DestNames {
	dst := r.Dst
	return &DestNames{c: foldercache.New(func(ctx context.Context, dir string, add func(string, struct{}) bool) error {
		return dst.ListDir(ctx, dir, func(o connectors.Object) error {
			if _, name := foldercache.SplitKey(o.Key); !add(name, struct{}{}) {
				return foldercache.ErrTooBig
			}
			return nil
		})
	})}
}

// absent reports whether key is surely not at the destination: its
// folder's listing was read, and did not hold it.
func (n *DestNames) absent(ctx context.Context, key string) bool {
	if n == nil {
		return false
	}
	_, found, cached := n.c.Lookup(ctx, key)
	return cached && !found
}
