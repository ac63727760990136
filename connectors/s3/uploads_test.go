package s3

import (
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// UploadsOf names every upload open for the key, and none of a key it is
// a prefix of or of another key: those are not the caller's to abort.
// (Paging inside one key's uploads is tested on the OSS test server:
// versitygw drops the marker key's own uploads when given an
// upload-id-marker, and refuses it.)
func TestUploadsOf(t *testing.T) {
	b := open(t, address(t))
	ctx := t.Context()
	const key = "dir/big.bin"
	var want []string
	for range 3 {
		id, err := b.CreateMultipart(ctx, key, connectors.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	for _, other := range []string{"dir/big.bin.old", "dir/big.bim", "dir/big.bin/x"} {
		if _, err := b.CreateMultipart(ctx, other, connectors.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.UploadsOf(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("UploadsOf(%q) = %q, want %q", key, got, want)
	}
	if got, err := b.UploadsOf(ctx, "dir/none"); err != nil || len(got) != 0 {
		t.Errorf("UploadsOf of a key without uploads = %q, %v", got, err)
	}
}
