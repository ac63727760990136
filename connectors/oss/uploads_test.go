package oss_test

import (
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss"
)

// UploadsOf names every upload open for the key, over several pages, and
// none of a key it is a prefix of or of another key: those are not the
// caller's to abort.
func TestUploadsOf(t *testing.T) {
	oss.SetUploadsPage(2)
	t.Cleanup(func() { oss.SetUploadsPage(0) })
	e := newEnv(t)
	b := e.open(t, e.addr())
	lister := b.Features().Uploads
	mp := b.Features().Multipart
	ctx := t.Context()
	const key = "dir/big.bin"
	create := func(key string) string {
		id, err := mp.CreateMultipart(ctx, key, connectors.PutOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	create("dir/big.bim") // before the key: on no page of its listing
	var want []string
	for range 5 { // three pages of the key's own
		want = append(want, create(key))
	}
	for _, other := range []string{"dir/big.bin.old", "dir/big.bin/x", "dir/big.bin0"} {
		create(other)
	}
	got, err := lister.UploadsOf(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("UploadsOf(%q) = %q, want %q", key, got, want)
	}
	if err := mp.AbortMultipart(ctx, key, want[0]); err != nil {
		t.Fatal(err)
	}
	if got, err := lister.UploadsOf(ctx, key); err != nil || len(got) != 4 {
		t.Errorf("UploadsOf after one abort = %q, %v; want 4", got, err)
	}
	if got, err := lister.UploadsOf(ctx, "dir/none"); err != nil || len(got) != 0 {
		t.Errorf("UploadsOf of a key without uploads = %q, %v", got, err)
	}
}
