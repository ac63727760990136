package nasfs

import (
	"context"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/walk"
)

// Entry is one name read from a folder.
type Entry = walk.Entry

// tree walks the share's folders: "." and "..", and the temporary names
// of Puts under way, are never passed on.
func (s *Share) tree() walk.Tree {
	return walk.Tree{
		Open:    s.openDir,
		Workers: s.cfg.ListWorkers,
		Skip:    func(name string) bool { return name == "." || name == ".." || IsTempName(name) },
	}
}

// List walks the folders under prefix in parallel, reading each in pages
// (walk.Tree.List): a prefix whose folder is missing lists nothing, the
// root missing is KindNotFound, so that an unreachable or vanished share
// never looks empty.
func (s *Share) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	if _, _, err := SplitPrefix(prefix, s.cfg.Forbid); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "list", prefix, err)
	}
	return s.tree().List(ctx, prefix, fn, onErr)
}

// ListDir calls fn for the files directly in dir.
func (s *Share) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if _, _, err := SplitPrefix(dir, s.cfg.Forbid); err != nil {
		return connectors.NewError(connectors.KindUnsupportedName, "listdir", dir, err)
	}
	return s.tree().ListDir(ctx, dir, fn)
}
