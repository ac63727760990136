package local

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// tempLog notes what a Put tells it, and whether the file existed when
// it was told of it.
type tempLog struct {
	dir        string
	made, gone []string
	existed    bool
}

func (l *tempLog) Made(name string) error {
	if _, err := os.Lstat(filepath.Join(l.dir, name)); err == nil {
		l.existed = true
	}
	l.made = append(l.made, name)
	return nil
}
func (l *tempLog) Gone(name string) { l.gone = append(l.gone, name) }

// Put tells the temporary file's name before creating it and that it is
// gone after the rename; a refusal by the log stops the Put.
func TestPutTellsTemps(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	l := &tempLog{dir: filepath.Join(dir, "a")}
	if _, err := b.Put(t.Context(), "a/f", strings.NewReader("x"), 1, connectors.PutOptions{Temps: l}); err != nil {
		t.Fatal(err)
	}
	if len(l.made) != 1 || !isTempOf("f", l.made[0]) || l.existed || len(l.gone) != 1 || l.gone[0] != l.made[0] {
		t.Errorf("told made %v (existed: %v), gone %v", l.made, l.existed, l.gone)
	}
	_, err := b.Put(t.Context(), "a/g", strings.NewReader("x"), 1, connectors.PutOptions{Temps: refuse{}})
	if err == nil {
		t.Fatal("a Put whose temporary file could not be recorded went on")
	}
	if _, err := os.Lstat(filepath.Join(dir, "a", "g")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("object written: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "a", ".*mgw-tmp-*")); len(left) != 0 {
		t.Errorf("temporary files: %v", left)
	}
}

type refuse struct{}

func (refuse) Made(string) error { return errors.New("index full") }
func (refuse) Gone(string)       {}

// RemoveTemp removes a temporary file of the key and nothing else: not
// the target, not another key's, not a path out of the folder.
func TestRemoveTemp(t *testing.T) {
	dir := t.TempDir()
	b := open(t, dir)
	tr := b.Features().Temps
	if tr == nil {
		t.Fatal("no Features.Temps")
	}
	tmp := tempName("f")
	for _, n := range []string{"f", tmp, "g"} {
		if err := os.MkdirAll(filepath.Join(dir, "a"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "a", n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, tempName("f")), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"f", "g", tempName("g"), "../" + tmp, "a/" + tmp, "..", ".f.mgw-tmp-", ".f.mgw-tmp-../../../../x"} {
		if err := tr.RemoveTemp(t.Context(), "a/f", bad); connectors.KindOf(err) != connectors.KindInvalidArgument {
			t.Errorf("RemoveTemp(a/f, %q) = %v, want invalid-argument", bad, err)
		}
	}
	if err := tr.RemoveTemp(t.Context(), "../f", tmp); err == nil {
		t.Error("a key out of the folder was taken")
	}
	if err := tr.RemoveTemp(t.Context(), "a/f", tmp); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dir, "a", tmp)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("temporary file still there: %v", err)
	}
	for _, n := range []string{"f", "g"} {
		if _, err := os.Lstat(filepath.Join(dir, "a", n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
	if err := tr.RemoveTemp(t.Context(), "a/f", tmp); err != nil {
		t.Errorf("a missing temporary file: %v, want success", err)
	}
	if err := tr.RemoveTemp(t.Context(), "missing/f", tmp); err != nil {
		t.Errorf("a missing folder: %v, want success", err)
	}
}
