package local

import (
	"context"
	"path/filepath"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of a local address: a folder of
// this machine. A refusal is a permission on a file (FileSystem).
var Backend = connectors.Backend{
	Type:       "local",
	Open:       func(_ context.Context, a connectors.Address) (connectors.Bucket, error) { return New(a) },
	Validate:   validate,
	Root:       root,
	FileSystem: true,
}

// validate requires the path and makes it absolute against the config's
// folder: New takes absolute paths only.
func validate(a *connectors.Address, base string) []connectors.Problem {
	var ps addrcheck.Problems
	ps.Need(codes.BadParameters, a.Type, "path", a.Path)
	if a.Path != "" {
		a.Path = connectors.AbsPath(base, a.Path)
	}
	return ps
}

// root is the cleaned folder with a separator at the end, so that /srv/a
// is not taken for a folder inside /srv/ab.
//
// The root folder itself gives "//" (C:\\ on Windows), which no other
// folder starts with: as the agent has always compared, "/" is not seen
// to hold /srv.
func root(a connectors.Address) string {
	return filepath.Clean(a.Path) + string(filepath.Separator)
}
