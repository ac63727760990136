package conformance

import (
	"context"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// testUploads: UploadsOf names every upload open for the key, over several
// pages where the harness can make them small, and none of a key it is a
// prefix of or of another key: those are not the caller's to abort.
func (s *suite) testUploads(t *testing.T) {
	b := s.bucket(t)
	lister, mp := b.Features().Uploads, b.Features().Multipart
	if lister == nil || mp == nil {
		t.Skip("backend names no open uploads")
	}
	if s.h.UploadsPage != nil {
		s.h.UploadsPage(2)
		t.Cleanup(func() { s.h.UploadsPage(0) })
	}
	ctx := t.Context()
	const key = "dir/big.bin"
	create := func(key string) string {
		id, err := mp.CreateMultipart(ctx, key, connectors.PutOptions{})
		s.ok(t, err, "create multipart "+key)
		t.Cleanup(func() { mp.AbortMultipart(context.Background(), key, id) })
		return id
	}
	create("dir/big.bim") // before the key: on no page of its listing
	var want []string
	for range 5 { // three pages of the key's own at two a page
		want = append(want, create(key))
	}
	for _, other := range []string{"dir/big.bin.old", "dir/big.bin/x", "dir/big.bin0"} {
		create(other)
	}
	got, err := lister.UploadsOf(ctx, key)
	s.ok(t, err, "uploads of "+key)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("UploadsOf(%q) = %q, want %q", key, got, want)
	}
	s.ok(t, mp.AbortMultipart(ctx, key, want[0]), "abort")
	if got, err := lister.UploadsOf(ctx, key); err != nil || len(got) != len(want)-1 {
		t.Errorf("UploadsOf after one abort = %q, %v; want %d", got, err, len(want)-1)
	}
	if got, err := lister.UploadsOf(ctx, "dir/none"); err != nil || len(got) != 0 {
		t.Errorf("UploadsOf of a key without uploads = %q, %v", got, err)
	}
}
