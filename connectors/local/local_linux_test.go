package local

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// Linux names are bytes: a Latin-1 name made on an old system must be
// listed, read and written back under the very same bytes.
func TestNonUTF8Names(t *testing.T) {
	root := t.TempDir()
	b := open(t, root)
	if b.Features().UTF8Keys {
		t.Fatal("Features().UTF8Keys is true on Linux")
	}
	keys := []string{"caf\xe9", "dir\xff/f\xfe\xfd", "ok/caf\xe9/x"}
	for _, k := range keys {
		if _, err := b.Put(t.Context(), k, bytes.NewReader([]byte(k)), int64(len(k)), connectors.PutOptions{}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "caf\xe9")); err != nil {
		t.Errorf("the file is not under its raw name: %v", err)
	}
	got, _ := listAll(t, b, "")
	for _, k := range keys {
		if _, ok := got[k]; !ok {
			t.Errorf("list: %q missing from %q", k, keysOf(got))
		}
		rc, err := b.Open(t.Context(), k, 0, -1)
		if err != nil {
			t.Errorf("open %q: %v", k, err)
			continue
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(content) != k {
			t.Errorf("read %q: %q, %v", k, content, err)
		}
	}
	if len(got) != len(keys) {
		t.Errorf("listed %q, want %q", keysOf(got), keys)
	}
	sub, _ := listAll(t, b, "dir\xff/")
	if _, ok := sub["dir\xff/f\xfe\xfd"]; !ok || len(sub) != 1 {
		t.Errorf("list of dir\\xff/: %q", keysOf(sub))
	}
}
