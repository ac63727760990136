package conformance

import (
	"bytes"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// badBucket checks a bucket the server must refuse: every call gives want,
// and no error text carries the secret.
func (s *suite) badBucket(open func(t *testing.T) connectors.Bucket, want connectors.Kind) func(t *testing.T) {
	return func(t *testing.T) {
		if open == nil {
			t.Skip("harness has no such bucket")
		}
		b := open(t)
		ctx := t.Context()

		s.wantKind(t, b.Check(ctx), want, "check")

		_, err := b.Stat(ctx, "probe/file")
		s.wantKind(t, err, want, "stat")

		content := []byte("must not be stored")
		_, err = b.Put(ctx, "probe/file", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{})
		if s.h.ReadOnly {
			s.wantKind(t, err, connectors.KindUnsupported, "put") // refused before anything is sent
		} else {
			s.wantKind(t, err, want, "put")
		}

		var (
			mu       sync.Mutex
			listErrs []connectors.ListError
		)
		err = b.List(ctx, "", func(connectors.Object) error { return nil }, nil)
		s.wantKind(t, err, want, "list")
		// With onErr set, the refusal may come back either way.
		err = b.List(ctx, "", func(connectors.Object) error { return nil }, func(le connectors.ListError) {
			mu.Lock()
			listErrs = append(listErrs, le)
			mu.Unlock()
		})
		if err == nil {
			if len(listErrs) == 0 {
				t.Errorf("list with onErr: no error and nothing passed to onErr, want kind %v", want)
			}
			for _, le := range listErrs {
				s.wantKind(t, le.Err, want, "list error of "+quote(le.Dir))
			}
		} else {
			s.wantKind(t, err, want, "list with onErr")
		}
	}
}
