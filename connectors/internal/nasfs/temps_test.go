package nasfs

import (
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// tempLog notes what a Put tells it, and whether the file existed on the
// server when it was told of it.
type tempLog struct {
	s          *memServer
	dir        string
	made, gone []string
	existed    bool
}

func (l *tempLog) Made(name string) error {
	if l.s.files[Join(l.dir, name)] != nil {
		l.existed = true
	}
	l.made = append(l.made, name)
	return nil
}
func (l *tempLog) Gone(name string) { l.gone = append(l.gone, name) }

// Put tells each temporary file before it creates it, the one of a write
// cut with its connection too, and that each is gone once removed or
// renamed.
func TestPutTellsTemps(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "")
	if err := sh.Check(t.Context()); err != nil { // connected once: later failures are drops
		t.Fatal(err)
	}
	drops := 1
	s.fail = func(op, _ string) error {
		if op == "write" && drops > 0 {
			drops--
			return errBroken
		}
		return nil
	}
	l := &tempLog{s: s, dir: "a"}
	if _, err := put(t, sh, "a/f", "content", connectors.PutOptions{Temps: l}); err != nil {
		t.Fatal(err)
	}
	if len(l.made) != 2 || l.existed || len(l.gone) != 2 {
		t.Errorf("told made %v (existed: %v), gone %v", l.made, l.existed, l.gone)
	}
	for _, n := range l.made {
		if !IsTempOf("f", n) {
			t.Errorf("told %q, not a temporary name of f", n)
		}
	}
	noTemp(t, s)
}

// RemoveTemp removes a temporary file of the key and nothing else.
func TestRemoveTemp(t *testing.T) {
	s := newMemServer()
	sh := s.share(t, "root")
	tr := sh.Features().Temps
	if tr == nil {
		t.Fatal("no Features.Temps")
	}
	tmp := TempName("f")
	for _, k := range []string{"a/f", "a/g", "a/" + tmp} {
		if _, err := put(t, sh, k, k, connectors.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"f", "g", TempName("g"), "../" + tmp, "a/" + tmp, ".f.mgw-tmp-../../../x1234"} {
		if err := tr.RemoveTemp(t.Context(), "a/f", bad); connectors.KindOf(err) != connectors.KindInvalidArgument {
			t.Errorf("RemoveTemp(a/f, %q) = %v, want invalid-argument", bad, err)
		}
	}
	if err := tr.RemoveTemp(t.Context(), "a/../f", tmp); connectors.KindOf(err) != connectors.KindUnsupportedName {
		t.Errorf("a key out of the folder: %v", err)
	}
	if err := tr.RemoveTemp(t.Context(), "a/f", tmp); err != nil {
		t.Fatal(err)
	}
	if s.files["root/a/"+tmp] != nil {
		t.Error("temporary file still there")
	}
	for _, k := range []string{"root/a/f", "root/a/g"} {
		if s.files[k] == nil {
			t.Errorf("%s removed", k)
		}
	}
	if err := tr.RemoveTemp(t.Context(), "a/f", tmp); err != nil {
		t.Errorf("a missing temporary file: %v, want success", err)
	}
}
