package cos_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/cos/costest"
)

func TestRestore(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	ctx := t.Context()
	classes := []string{"ARCHIVE", "DEEP_ARCHIVE"}
	data := []byte("frozen bytes")
	for _, class := range classes {
		e.srv.Seed(bucketName, a.Prefix+class, data, costest.SeedOptions{StorageClass: class})
	}
	e.srv.Seed(bucketName, a.Prefix+"warm", data, costest.SeedOptions{})
	rs := b.Features().Restorer
	if rs == nil {
		t.Fatal("no Restorer")
	}
	// want checks what List and Stat say of every archived object. COS
	// listings do not tell a restore, so only Stat says Restored.
	want := func(restored bool) {
		t.Helper()
		listed := map[string]string{}
		if err := b.List(ctx, "", func(o connectors.Object) error { listed[o.Key] = o.StorageClass; return nil }, nil); err != nil {
			t.Fatal(err)
		}
		for _, class := range classes {
			if listed[class] != class {
				t.Errorf("List %s: class %q", class, listed[class])
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
	for _, class := range classes {
		// Zero days still asks for one: COS requires Days.
		if err := rs.Restore(ctx, class, 0); err != nil {
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
	if n := e.srv.Count("PostObjectRestore"); n != len(classes) {
		t.Errorf("%d restore requests, want %d", n, len(classes))
	}
	if n := e.srv.FinishRestores(); n != len(classes) {
		t.Fatalf("%d restores under way, want %d", n, len(classes))
	}
	want(true)
	if err := rs.Restore(ctx, "ARCHIVE", 1); err != nil {
		t.Errorf("Restore of a restored object: %v", err)
	}
	if n := e.srv.Count("PostObjectRestore"); n != len(classes) {
		t.Errorf("%d restore requests after all were restored, want %d", n, len(classes))
	}
	wantKind(t, rs.Restore(ctx, "missing", 1), connectors.KindNotFound)
}

// A restore another client asked for between the HEAD and the request is
// answered 409 RestoreAlreadyInProgress: success.
func TestRestoreAlreadyAsked(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	e.srv.Seed(bucketName, a.Prefix+"cold", []byte("x"), costest.SeedOptions{StorageClass: "ARCHIVE"})
	e.srv.FailNext("PostObjectRestore", 1, 409, "RestoreAlreadyInProgress")
	if err := b.Features().Restorer.Restore(t.Context(), "cold", 1); err != nil {
		t.Errorf("Restore: %v", err)
	}
	e.srv.FailNext("PostObjectRestore", 1, 503, "SlowDown")
	wantKind(t, b.Features().Restorer.Restore(t.Context(), "cold", 1), connectors.KindThrottled)
}
