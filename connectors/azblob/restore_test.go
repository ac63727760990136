package azblob

import (
	"bytes"
	"io"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"

	"github.com/mgw-dev/mgw/connectors"
)

// Azurite archives a blob on Set Blob Tier and refuses to read it (409
// BlobArchived), but rehydrates at once: the time a blob spends
// rehydrating cannot be tested here.
func TestRestore(t *testing.T) {
	a := address(t)
	b := open(t, a)
	ctx := t.Context()
	data := []byte("archived bytes")
	for _, key := range []string{"cold", "warm"} {
		if _, err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), connectors.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	raw := rawContainer(a.Bucket).NewBlobClient(a.Prefix + "cold")
	if _, err := raw.SetTier(ctx, blob.AccessTierArchive, nil); err != nil {
		t.Fatal(err)
	}

	var listed connectors.Object
	err := b.List(ctx, "", func(o connectors.Object) error {
		if o.Key == "cold" {
			listed = o
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if listed.StorageClass != "Archive" || !connectors.Archived(listed.StorageClass) || listed.Restored {
		t.Errorf("List: class %q restored %v, want Archive", listed.StorageClass, listed.Restored)
	}
	o, err := b.Stat(ctx, "cold")
	if err != nil || o.StorageClass != "Archive" || o.Restored {
		t.Errorf("Stat: class %q restored %v (%v), want Archive", o.StorageClass, o.Restored, err)
	}
	_, err = b.Open(ctx, "cold", 0, -1)
	if k := connectors.KindOf(err); k != connectors.KindInvalidState {
		t.Fatalf("Open of an archived blob: kind %v (%v), want invalid-state", k, err)
	}

	rs := b.Features().Restorer
	if rs == nil {
		t.Fatal("no Restorer")
	}
	for i := range 2 {
		if err := rs.Restore(ctx, "cold", 1); err != nil {
			t.Errorf("Restore #%d: %v", i+1, err)
		}
	}
	o, err = b.Stat(ctx, "cold")
	if err != nil || connectors.Archived(o.StorageClass) {
		t.Errorf("Stat after the rehydration: class %q (%v), want Hot", o.StorageClass, err)
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

	if err := rs.Restore(ctx, "warm", 1); err != nil {
		t.Errorf("Restore of a Hot blob: %v", err)
	}
	if k := connectors.KindOf(rs.Restore(ctx, "missing", 1)); k != connectors.KindNotFound {
		t.Errorf("Restore of a missing blob: kind %v, want not-found", k)
	}
}
