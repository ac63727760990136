package conformance

import (
	"bytes"
	"crypto/md5"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

type suite struct {
	h Harness
}

// bucket opens a fresh bucket for one subtest.
func (s *suite) bucket(t *testing.T) connectors.Bucket {
	t.Helper()
	b := s.h.New(t)
	if b == nil {
		t.Fatal("Harness.New returned nil")
	}
	return b
}

// noSecret fails the test if err's text holds the harness's secret.
func (s *suite) noSecret(t *testing.T, err error) {
	t.Helper()
	if err != nil && s.h.Secret != "" && strings.Contains(err.Error(), s.h.Secret) {
		t.Errorf("error text contains the secret (%d bytes): an error must never carry it", len(s.h.Secret))
	}
}

// text is err's text for the test log, the secret masked should a backend
// leak it (noSecret fails the test for that): it must not reach the log.
func (s *suite) text(err error) string {
	if err == nil {
		return "<nil>"
	}
	if s.h.Secret == "" {
		return err.Error()
	}
	return strings.ReplaceAll(err.Error(), s.h.Secret, "****")
}

// ok fails the test now if err is not nil.
func (s *suite) ok(t *testing.T, err error, what string) {
	t.Helper()
	s.noSecret(t, err)
	if err != nil {
		t.Fatalf("%s: %s (kind %v)", what, s.text(err), connectors.KindOf(err))
	}
}

// wantKind checks that err is an error of the given kind.
func (s *suite) wantKind(t *testing.T, err error, want connectors.Kind, what string) {
	t.Helper()
	s.noSecret(t, err)
	if err == nil {
		t.Errorf("%s: no error, want kind %v", what, want)
		return
	}
	if got := connectors.KindOf(err); got != want {
		t.Errorf("%s: kind %v, want %v (error: %s)", what, got, want, s.text(err))
	}
}

// data returns n bytes of reproducible noise, different for each seed, so
// that a part or range read from the wrong place does not compare equal.
func data(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 0x6d6777))
	b := make([]byte, (n+7)/8*8)
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

func md5sum(b []byte) []byte {
	s := md5.Sum(b)
	return s[:]
}

// put stores content under key and checks what Put returns.
func (s *suite) put(t *testing.T, b connectors.Bucket, key string, content []byte, opts connectors.PutOptions) connectors.Object {
	t.Helper()
	o, err := b.Put(t.Context(), key, bytes.NewReader(content), int64(len(content)), opts)
	s.ok(t, err, "put "+quote(key))
	if o.Key != key {
		t.Errorf("put %s returned key %s", quote(key), quote(o.Key))
	}
	if o.Size != int64(len(content)) {
		t.Errorf("put %s returned size %d, want %d", quote(key), o.Size, len(content))
	}
	return o
}

// read returns length bytes of key from offset (length < 0: to the end).
func (s *suite) read(t *testing.T, b connectors.Bucket, key string, offset, length int64) []byte {
	t.Helper()
	rc, err := b.Open(t.Context(), key, offset, length)
	s.ok(t, err, "open "+quote(key))
	defer rc.Close()
	got, err := io.ReadAll(rc)
	s.ok(t, err, "read "+quote(key))
	return got
}

// checkContent reads key whole and compares it with want.
func (s *suite) checkContent(t *testing.T, b connectors.Bucket, key string, want []byte) {
	t.Helper()
	got := s.read(t, b, key, 0, -1)
	if !bytes.Equal(got, want) {
		t.Errorf("content of %s: %s", quote(key), diff(got, want))
	}
}

// stat stats key and checks the fields every backend fills.
func (s *suite) stat(t *testing.T, b connectors.Bucket, key string, size int64) connectors.Object {
	t.Helper()
	o, err := b.Stat(t.Context(), key)
	s.ok(t, err, "stat "+quote(key))
	if o.Key != key {
		t.Errorf("stat %s returned key %s", quote(key), quote(o.Key))
	}
	if o.Type != connectors.Regular {
		t.Errorf("stat %s: type %v, want Regular", quote(key), o.Type)
	}
	if o.Size != size {
		t.Errorf("stat %s: size %d, want %d", quote(key), o.Size, size)
	}
	return o
}

// list collects what List yields under prefix, failing on duplicates,
// folder markers, keys outside the prefix and folders it could not read.
// fn may be called from several goroutines.
func (s *suite) list(t *testing.T, b connectors.Bucket, prefix string) map[string]connectors.Object {
	t.Helper()
	var mu sync.Mutex
	got := map[string]connectors.Object{}
	err := b.List(t.Context(), prefix, func(o connectors.Object) error {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[o.Key]; dup {
			t.Errorf("list %s: key %s passed twice", quote(prefix), quote(o.Key))
		}
		if strings.HasSuffix(o.Key, "/") {
			t.Errorf("list %s: folder marker %s passed as an object", quote(prefix), quote(o.Key))
		}
		if !strings.HasPrefix(o.Key, prefix) {
			t.Errorf("list %s: key %s outside the prefix", quote(prefix), quote(o.Key))
		}
		got[o.Key] = o
		return nil
	}, func(le connectors.ListError) {
		s.noSecret(t, le.Err)
		t.Errorf("list %s: folder %s: %s", quote(prefix), quote(le.Dir), s.text(le.Err))
	})
	s.ok(t, err, "list "+quote(prefix))
	return got
}

// listDir collects what ListDir yields for dir.
func (s *suite) listDir(t *testing.T, b connectors.Bucket, dir string) map[string]connectors.Object {
	t.Helper()
	var mu sync.Mutex
	got := map[string]connectors.Object{}
	err := b.ListDir(t.Context(), dir, func(o connectors.Object) error {
		mu.Lock()
		defer mu.Unlock()
		if _, dup := got[o.Key]; dup {
			t.Errorf("listdir %s: key %s passed twice", quote(dir), quote(o.Key))
		}
		got[o.Key] = o
		return nil
	})
	s.ok(t, err, "listdir "+quote(dir))
	return got
}

// sameKeys reports the keys of got that are not in want and the reverse.
func sameKeys(t *testing.T, what string, got map[string]connectors.Object, want ...string) {
	t.Helper()
	w := map[string]bool{}
	for _, k := range want {
		w[k] = true
		if _, ok := got[k]; !ok {
			t.Errorf("%s: missing %s", what, quote(k))
		}
	}
	for k := range got {
		if !w[k] {
			t.Errorf("%s: unexpected %s", what, quote(k))
		}
	}
}

// quote prints a key, shortening long ones.
func quote(k string) string {
	if len(k) > 80 {
		return fmt.Sprintf("%q…%q (%d bytes)", k[:40], k[len(k)-20:], len(k))
	}
	return fmt.Sprintf("%q", k)
}

// diff says where two contents first differ.
func diff(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("got %d bytes, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at byte %d", i)
		}
	}
	return "equal"
}

// mustNotRead is a body that fails the test if a backend reads it: keys it
// must refuse are refused before anything is sent.
type mustNotRead struct{ t *testing.T }

func (r mustNotRead) Read(p []byte) (int, error) {
	r.t.Error("Put read the body of a request it should have refused")
	return 0, io.ErrUnexpectedEOF
}

func (r mustNotRead) Seek(offset int64, whence int) (int64, error) { return 0, nil }
