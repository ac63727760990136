package gcs

import (
	"bytes"
	"io"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// GCS reads every class at once, ARCHIVE included: there is nothing to
// restore, and nothing may call such an object unreadable although
// connectors.Archived("ARCHIVE") is true (COS's class of that name).
func TestArchiveClassIsReadable(t *testing.T) {
	a := address(t)
	b := open(t, a)
	ctx := t.Context()
	data := []byte("archive class bytes")
	if err := rawStorage().Put(ctx, a.Bucket, a.Prefix+"cold", data, "ARCHIVE"); err != nil {
		t.Fatal(err)
	}
	if b.Features().Restorer != nil {
		t.Error("GCS has a Restorer: no class needs a restore")
	}
	readable := func(o connectors.Object) bool { return !connectors.Archived(o.StorageClass) || o.Restored }
	var listed connectors.Object
	if err := b.List(ctx, "", func(o connectors.Object) error { listed = o; return nil }, nil); err != nil {
		t.Fatal(err)
	}
	if listed.StorageClass != "ARCHIVE" || !readable(listed) {
		t.Errorf("List: class %q restored %v, want a readable ARCHIVE object", listed.StorageClass, listed.Restored)
	}
	o, err := b.Stat(ctx, "cold")
	if err != nil || o.StorageClass != "ARCHIVE" || !readable(o) {
		t.Errorf("Stat: class %q restored %v (%v), want a readable ARCHIVE object", o.StorageClass, o.Restored, err)
	}
	r, err := b.Open(ctx, "cold", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("read %q (%v), want %q", got, err, data)
	}
}
