package oss_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

func TestRestore(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	ctx := t.Context()
	classes := []string{"Archive", "ColdArchive", "DeepColdArchive"}
	data := []byte("frozen bytes")
	for _, class := range classes {
		e.srv.Seed(bucketName, a.Prefix+class, data, osstest.SeedOptions{StorageClass: class})
	}
	e.srv.Seed(bucketName, a.Prefix+"warm", data, osstest.SeedOptions{})
	rs := b.Features().Restorer
	if rs == nil {
		t.Fatal("no Restorer")
	}
	// want checks what List and Stat say of every archived object.
	want := func(restored bool) {
		t.Helper()
		listed := map[string]connectors.Object{}
		if err := b.List(ctx, "", func(o connectors.Object) error { listed[o.Key] = o; return nil }, nil); err != nil {
			t.Fatal(err)
		}
		for _, class := range classes {
			if o := listed[class]; o.StorageClass != class || o.Restored != restored {
				t.Errorf("List %s: class %q restored %v, want restored %v", class, o.StorageClass, o.Restored, restored)
			}
			o, err := b.Stat(ctx, class)
			if err != nil || o.StorageClass != class || o.Restored != restored {
				t.Errorf("Stat %s: class %q restored %v (%v), want restored %v", class, o.StorageClass, o.Restored, err, restored)
			}
			r, err := b.Open(ctx, class, 0, -1)
			if !restored {
				wantKind(t, err, connectors.KindInvalidState)
				continue
			}
			if err != nil {
				t.Fatalf("Open %s: %v", class, err)
			}
			got, err := io.ReadAll(r)
			r.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read %s: %q, %v", class, got, err)
			}
		}
	}

	want(false)
	// More days than any class keeps: each request must fit its class
	// (the server refuses Days over 7 for Archive, a Bulk tier for Deep
	// Cold Archive).
	for _, class := range classes {
		if err := rs.Restore(ctx, class, 1000); err != nil {
			t.Errorf("Restore %s: %v", class, err)
		}
	}
	want(false) // restoring
	for _, key := range append(classes, "warm") {
		if err := rs.Restore(ctx, key, 1); err != nil {
			t.Errorf("second Restore %s: %v", key, err)
		}
	}
	// Restores under way and standard objects need no request.
	if n := e.srv.Count("RestoreObject", ""); n != len(classes) {
		t.Errorf("%d RestoreObject requests, want %d", n, len(classes))
	}
	if n := e.srv.FinishRestores(); n != len(classes) {
		t.Fatalf("%d restores under way, want %d", n, len(classes))
	}
	want(true)
	if err := rs.Restore(ctx, "Archive", 1); err != nil {
		t.Errorf("Restore of a restored object: %v", err)
	}
	if n := e.srv.Count("RestoreObject", ""); n != len(classes) {
		t.Errorf("%d RestoreObject requests after all were restored, want %d", n, len(classes))
	}

	wantKind(t, rs.Restore(ctx, "missing", 1), connectors.KindNotFound)
}

// A restore another client asked for between the HEAD and the request is
// answered 409 RestoreAlreadyInProgress: success.
func TestRestoreAlreadyAsked(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	e.srv.Seed(bucketName, a.Prefix+"cold", []byte("x"), osstest.SeedOptions{StorageClass: "ColdArchive"})
	e.srv.FailNext("RestoreObject", 1, 409, "RestoreAlreadyInProgress")
	if err := b.Features().Restorer.Restore(t.Context(), "cold", 1); err != nil {
		t.Errorf("Restore: %v", err)
	}
	e.srv.FailNext("RestoreObject", 1, 503, "ServiceUnavailable")
	wantKind(t, b.Features().Restorer.Restore(t.Context(), "cold", 1), connectors.KindThrottled)
}
