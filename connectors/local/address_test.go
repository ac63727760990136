package local_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/local"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	a := connectors.Address{Type: "local"}
	want := []connectors.Problem{{Code: codes.BadParameters, Field: "path", Detail: "required for type local"}}
	if got := local.Backend.Validate(&a, "/etc/mgw"); !slices.Equal(got, want) {
		t.Errorf("no path: %v, want %v", got, want)
	}
	// A relative path is relative to the config file's folder.
	base := t.TempDir()
	a = connectors.Address{Type: "local", Path: "data/in"}
	if got := local.Backend.Validate(&a, base); got != nil || a.Path != filepath.Join(base, "data", "in") {
		t.Errorf("relative path: %v, path %q", got, a.Path)
	}
}

func TestRoot(t *testing.T) {
	root := func(p string) string { return local.Backend.Root(connectors.Address{Path: p}) }
	if root("/srv/a/") != root("/srv/a") || root("/srv/a/../a") != root("/srv/a") {
		t.Errorf("a folder has one root: %q %q %q", root("/srv/a/"), root("/srv/a"), root("/srv/a/../a"))
	}
	if r := root("/srv/a"); r != filepath.FromSlash("/srv/a/") {
		t.Errorf("root %q", r)
	}
}
