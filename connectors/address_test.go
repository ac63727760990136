package connectors

import (
	"path/filepath"
	"testing"
)

// A relative path in the config is relative to the config's folder; an
// absolute one stays.
func TestAbsPath(t *testing.T) {
	want, _ := filepath.Abs(filepath.Join("/etc/mgw", "lists", "u.tsv"))
	if got := AbsPath("/etc/mgw", "lists/u.tsv"); got != want {
		t.Errorf("AbsPath = %q, want %q", got, want)
	}
	abs, _ := filepath.Abs("/srv/x")
	if got := AbsPath("/etc/mgw", abs); got != abs {
		t.Errorf("AbsPath of an absolute path = %q", got)
	}
}
