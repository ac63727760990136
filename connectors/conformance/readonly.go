package conformance

import (
	"bytes"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// seeded returns a fresh bucket holding exactly objects: filled by
// Harness.Seed where the harness has one, else by Put (checked as every
// put of the suite is).
func (s *suite) seeded(t *testing.T, objects map[string][]byte) connectors.Bucket {
	t.Helper()
	if s.h.Seed != nil {
		b := s.h.Seed(t, objects)
		if b == nil {
			t.Fatal("Harness.Seed returned nil")
		}
		return b
	}
	b := s.bucket(t)
	for k, v := range objects {
		s.put(t, b, k, v, connectors.PutOptions{})
	}
	return b
}

// objects builds a map from keys whose content is the key itself.
func objects(keys ...string) map[string][]byte {
	m := make(map[string][]byte, len(keys))
	for _, k := range keys {
		m[k] = []byte(k)
	}
	return m
}

// writes marks a test that writes: skipped for a read-only backend.
func (s *suite) writes(test func(*testing.T)) func(*testing.T) {
	return func(t *testing.T) {
		if s.h.ReadOnly {
			t.Skip("read-only backend")
		}
		test(t)
	}
}

// testReadOnly checks that a read-only backend refuses every write with
// KindUnsupported, sends nothing, and offers no multipart upload.
func (s *suite) testReadOnly(t *testing.T) {
	if !s.h.ReadOnly {
		t.Skip("read-write backend")
	}
	b := s.seeded(t, objects("kept"))
	_, err := b.Put(t.Context(), "new", mustNotRead{t}, 10, connectors.PutOptions{})
	s.wantKind(t, err, connectors.KindUnsupported, "put")
	_, err = b.Put(t.Context(), "kept", bytes.NewReader([]byte("other")), 5, connectors.PutOptions{})
	s.wantKind(t, err, connectors.KindUnsupported, "put over an object")
	s.wantKind(t, b.Delete(t.Context(), "kept"), connectors.KindUnsupported, "delete")
	if b.Features().Multipart != nil {
		t.Error("a read-only backend offers multipart uploads")
	}
	s.checkContent(t, b, "kept", []byte("kept"))
	sameKeys(t, "list after refused writes", s.list(t, b, ""), "kept")
}
