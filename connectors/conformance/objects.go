package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

func (s *suite) testCheck(t *testing.T) {
	b := s.bucket(t)
	s.ok(t, b.Check(t.Context()), "check")
}

func (s *suite) testPutStatOpen(t *testing.T) {
	content := data(1000, 1)
	b := s.seeded(t, map[string][]byte{"file.bin": content, "dir/sub/file.txt": []byte("hello")})
	s.stat(t, b, "file.bin", 1000)
	s.checkContent(t, b, "file.bin", content)

	s.stat(t, b, "dir/sub/file.txt", 5)
	s.checkContent(t, b, "dir/sub/file.txt", []byte("hello"))
}

func (s *suite) testPutSizes(t *testing.T) {
	for _, n := range []int{0, 1, 5 << 20} {
		t.Run(fmt.Sprintf("%dB", n), func(t *testing.T) {
			content := data(n, uint64(n))
			key := fmt.Sprintf("size-%d", n)
			b := s.seeded(t, map[string][]byte{key: content})
			s.stat(t, b, key, int64(n))
			s.checkContent(t, b, key, content)
		})
	}
}

func (s *suite) testOverwrite(t *testing.T) {
	b := s.bucket(t)
	s.put(t, b, "k", data(3000, 1), connectors.PutOptions{})
	second := data(1234, 2)
	s.put(t, b, "k", second, connectors.PutOptions{})
	s.stat(t, b, "k", 1234)
	s.checkContent(t, b, "k", second)
	sameKeys(t, "list after overwrite", s.list(t, b, ""), "k")
}

func (s *suite) testDelete(t *testing.T) {
	b := s.bucket(t)
	s.put(t, b, "gone", []byte("x"), connectors.PutOptions{})
	s.put(t, b, "kept", []byte("y"), connectors.PutOptions{})
	s.ok(t, b.Delete(t.Context(), "gone"), "delete")
	_, err := b.Stat(t.Context(), "gone")
	s.wantKind(t, err, connectors.KindNotFound, "stat after delete")
	sameKeys(t, "list after delete", s.list(t, b, ""), "kept")

	s.ok(t, b.Delete(t.Context(), "gone"), "delete again")
	s.ok(t, b.Delete(t.Context(), "never/was"), "delete of a missing key")
}

func (s *suite) testNotFound(t *testing.T) {
	b := s.seeded(t, objects("present/file"))
	for _, key := range []string{"missing", "present/missing", "absent/dir/file"} {
		_, err := b.Stat(t.Context(), key)
		s.wantKind(t, err, connectors.KindNotFound, "stat "+quote(key))
		rc, err := b.Open(t.Context(), key, 0, -1)
		if err == nil {
			// A backend may defer the request to the first Read.
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		s.wantKind(t, err, connectors.KindNotFound, "open "+quote(key))
		// A read of nothing asks no bytes, but must still find the key.
		rc, err = b.Open(t.Context(), key, 0, 0)
		if err == nil {
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		s.wantKind(t, err, connectors.KindNotFound, "open of nothing of "+quote(key))
	}
}

func (s *suite) testOpenRange(t *testing.T) {
	content := data(10000, 3)
	b := s.seeded(t, map[string][]byte{"r": content})
	for _, c := range []struct {
		name        string
		off, length int64
		want        []byte
	}{
		{"Whole", 0, -1, content},
		{"Head", 0, 100, content[:100]},
		{"Middle", 1234, 4321, content[1234 : 1234+4321]},
		{"ToEnd", 9000, -1, content[9000:]},
		{"LastByte", 9999, 1, content[9999:]},
		{"PastEnd", 9990, 100, content[9990:]},
		{"Nothing", 1234, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := s.read(t, b, "r", c.off, c.length)
			if !bytes.Equal(got, c.want) {
				t.Errorf("open r at %d for %d: %s", c.off, c.length, diff(got, c.want))
			}
		})
	}
	t.Run("NegativeOffset", func(t *testing.T) {
		rc, err := b.Open(t.Context(), "r", -1, 10)
		if err == nil {
			rc.Close()
		}
		s.wantKind(t, err, connectors.KindInvalidArgument, "open r at -1")
	})
}

// mtime has nanoseconds so that a backend rounding to seconds, or storing
// a float, is caught.
var mtime = time.Date(2021, 3, 4, 5, 6, 7, 123456789, time.UTC)

// checkModTime checks that o carries the mtime given to Put: in
// Meta["mtime"] (object stores, RFC 3339 with nanoseconds) or else as the
// file's ModTime (file systems; allowed to round below a microsecond, as
// NTFS keeps 100 ns).
func checkModTime(t *testing.T, o connectors.Object, want time.Time) {
	t.Helper()
	if v, ok := o.Meta["mtime"]; ok {
		got, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			t.Errorf("%s: Meta[mtime] %q is not RFC 3339: %v", quote(o.Key), v, err)
		} else if !got.Equal(want) {
			t.Errorf("%s: Meta[mtime] %q, want %s", quote(o.Key), v, want.Format(time.RFC3339Nano))
		}
		return
	}
	if d := o.ModTime.Sub(want); d <= -time.Microsecond || d >= time.Microsecond {
		t.Errorf("%s: mtime %s, want %s (and no Meta[mtime])", quote(o.Key),
			o.ModTime.UTC().Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
}

func (s *suite) testPutModTime(t *testing.T) {
	b := s.bucket(t)
	s.put(t, b, "dated", []byte("old file"), connectors.PutOptions{ModTime: mtime})
	checkModTime(t, s.stat(t, b, "dated", 8), mtime)

	// Another zone, same instant: what is stored is the instant.
	local := mtime.Add(time.Hour).In(time.FixedZone("X", 3*3600))
	s.put(t, b, "zoned", []byte("z"), connectors.PutOptions{ModTime: local})
	checkModTime(t, s.stat(t, b, "zoned", 1), local)
}

func (s *suite) testPutBadMD5(t *testing.T) {
	b := s.bucket(t)
	wrong := md5sum([]byte("something else"))

	content := data(4096, 4)
	_, err := b.Put(t.Context(), "new", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{MD5: wrong})
	s.wantKind(t, err, connectors.KindInvalidArgument, "put with a wrong MD5")
	_, err = b.Stat(t.Context(), "new")
	s.wantKind(t, err, connectors.KindNotFound, "stat after a put with a wrong MD5")

	old := data(100, 5)
	s.put(t, b, "old", old, connectors.PutOptions{MD5: md5sum(old)})
	_, err = b.Put(t.Context(), "old", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{MD5: wrong})
	s.wantKind(t, err, connectors.KindInvalidArgument, "overwrite with a wrong MD5")
	s.stat(t, b, "old", 100)
	s.checkContent(t, b, "old", old)
	sameKeys(t, "list after puts with a wrong MD5", s.list(t, b, ""), "old")
}

// cancelingReader cancels its context once half of the data has been read,
// then fails the next read as a reader tied to that context would. The
// upload can thus never complete, whichever of the two the backend notices.
type cancelingReader struct {
	*bytes.Reader
	cancel context.CancelFunc
	half   int64
}

func (r *cancelingReader) Read(p []byte) (int, error) {
	if r.Size()-int64(r.Len()) >= r.half {
		r.cancel()
		return 0, context.Canceled
	}
	if rest := r.half - (r.Size() - int64(r.Len())); int64(len(p)) > rest {
		p = p[:rest]
	}
	return r.Reader.Read(p)
}

func (s *suite) testPutCanceled(t *testing.T) {
	content := data(1<<20, 6)

	t.Run("Before", func(t *testing.T) {
		b := s.bucket(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := b.Put(ctx, "k", bytes.NewReader(content), int64(len(content)), connectors.PutOptions{})
		s.noSecret(t, err)
		if err == nil {
			t.Error("put with a canceled context succeeded")
		} else if !connectors.IsCanceled(err) {
			// The agent tells a cancellation from a failure by this.
			t.Errorf("put with a canceled context: IsCanceled is false for %s", s.text(err))
		}
		_, err = b.Stat(t.Context(), "k")
		s.wantKind(t, err, connectors.KindNotFound, "stat after a canceled put")
	})

	t.Run("During", func(t *testing.T) {
		b := s.bucket(t)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		r := &cancelingReader{Reader: bytes.NewReader(content), cancel: cancel, half: int64(len(content) / 2)}
		_, err := b.Put(ctx, "k", r, int64(len(content)), connectors.PutOptions{})
		s.noSecret(t, err)
		if err == nil {
			t.Error("put canceled half way succeeded")
		}
		_, err = b.Stat(t.Context(), "k")
		s.wantKind(t, err, connectors.KindNotFound, "stat after a canceled put")
		sameKeys(t, "list after a canceled put", s.list(t, b, ""))
	})
}

func (s *suite) testConcurrentPuts(t *testing.T) {
	b := s.bucket(t)
	const n = 32
	var wg sync.WaitGroup
	keys := make([]string, n)
	for i := range n {
		keys[i] = fmt.Sprintf("c/%02d", i)
		wg.Go(func() {
			content := data(1000+i, uint64(100+i))
			_, err := b.Put(t.Context(), keys[i], bytes.NewReader(content), int64(len(content)), connectors.PutOptions{})
			s.noSecret(t, err)
			if err != nil {
				t.Errorf("put %s: %s", keys[i], s.text(err))
			}
		})
	}
	wg.Wait()
	got := s.list(t, b, "")
	sameKeys(t, "list after concurrent puts", got, keys...)
	for i, k := range keys {
		if o, ok := got[k]; ok && o.Size != int64(1000+i) {
			t.Errorf("list: %s has size %d, want %d", k, o.Size, 1000+i)
		}
		s.checkContent(t, b, k, data(1000+i, uint64(100+i)))
	}
}
