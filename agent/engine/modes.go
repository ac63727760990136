package engine

import (
	"context"
	"io/fs"

	"github.com/mgw-dev/mgw/connectors"
)

// keepModes carries o's permission bits, and those of the source folders
// the destination has to create, when both sides have them (disk to
// disk): a 0600 file in a 0700 folder must not arrive readable by all.
// A folder whose bits cannot be read is made as the destination makes
// folders by default.
func (r *Runner) keepModes(ctx context.Context, o connectors.Object, opts *connectors.PutOptions) {
	src, dst := r.Src.Features().Modes, r.Dst.Features().Modes
	if src == nil || dst == nil {
		return
	}
	if !o.HasMode {
		// o came from somewhere that does not tell bits (the index, for
		// a retry): ask the source, and failing that keep the file to
		// its owner rather than make it readable by all.
		if st, err := r.Src.Stat(ctx, o.Key); err == nil && st.HasMode {
			o.Mode, o.HasMode = st.Mode, true
		} else {
			o.Mode, o.HasMode = 0o600, true
		}
	}
	opts.Mode, opts.HasMode = o.Mode, o.HasMode
	opts.FolderMode = func(dir string) (fs.FileMode, bool) {
		m, err := src.FolderMode(ctx, dir)
		return m, err == nil
	}
}
