package conformance

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// metaHeaders sets every standard header. Content-Encoding is gzip over
// bytes that are not gzip: a client that would decompress on the way,
// or drop the header, is caught.
var metaHeaders = connectors.Headers{
	ContentType:        "text/plain; charset=utf-8",
	ContentEncoding:    "gzip",
	CacheControl:       "public, max-age=60",
	ContentDisposition: `attachment; filename="report.txt"`,
	Expires:            "Thu, 01 Jan 2037 00:00:00 GMT",
}

// metaUser is the user metadata stored besides the mtime: names every
// service takes (Azure wants C# identifiers, OSS and COS no "_").
var metaUser = map[string]string{"project": "apollo", "owner42": "Ada Lovelace"}

// testMetadata checks that a backend with Features().Metadata keeps the
// standard headers and the user metadata of a Put and of a multipart
// upload, and gives them back from Stat and from the reader Open returns.
func (s *suite) testMetadata(t *testing.T) {
	b := s.bucket(t)
	if !b.Features().Metadata {
		t.Skip("backend keeps no metadata (Features().Metadata is false)")
	}
	opts := connectors.PutOptions{ModTime: mtime, Meta: metaUser, Headers: metaHeaders}
	content := data(3000, 9)
	s.put(t, b, "meta.txt", content, opts)
	st := s.stat(t, b, "meta.txt", int64(len(content)))
	s.checkMeta(t, "stat", st)
	s.checkReaders(t, b, "meta.txt", content, st)

	for k, o := range s.list(t, b, "") {
		if !o.Headers.IsZero() {
			t.Errorf("list: %s has headers %+v; listings do not carry them", quote(k), o.Headers)
		}
	}

	// A line break cannot travel in an HTTP header: a backend that sends
	// metadata as headers refuses it before sending; one that does not
	// (GCS's JSON API) must keep it intact.
	t.Run("LineBreak", func(t *testing.T) {
		opts := connectors.PutOptions{Meta: map[string]string{"note": "two\nlines"}}
		_, err := b.Put(t.Context(), "newline", bytes.NewReader(content), int64(len(content)), opts)
		if err != nil {
			s.wantKind(t, err, connectors.KindInvalidArgument, "put with a line break in metadata")
			_, err = b.Stat(t.Context(), "newline")
			s.wantKind(t, err, connectors.KindNotFound, "stat after a refused put")
		} else if o := s.stat(t, b, "newline", int64(len(content))); o.Meta["note"] != opts.Meta["note"] {
			t.Errorf("metadata with a line break stored as %q", o.Meta["note"])
		}
		if mp := b.Features().Multipart; mp != nil {
			id, err := mp.CreateMultipart(t.Context(), "newline-multi", opts)
			if err == nil {
				mp.AbortMultipart(t.Context(), "newline-multi", id)
			} else {
				s.wantKind(t, err, connectors.KindInvalidArgument, "create multipart with a line break in metadata")
			}
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		mp := b.Features().Multipart
		if mp == nil {
			t.Skip("backend has no multipart upload")
		}
		const key = "multi.txt"
		id, err := mp.CreateMultipart(t.Context(), key, opts)
		s.ok(t, err, "create multipart")
		t.Cleanup(func() { mp.AbortMultipart(context.Background(), key, id) })
		part, err := mp.UploadPart(t.Context(), key, id, 1, bytes.NewReader(content), int64(len(content)), connectors.PartSums{})
		s.ok(t, err, "upload part")
		_, err = mp.CompleteMultipart(t.Context(), key, id, []connectors.Part{part})
		s.ok(t, err, "complete multipart")
		s.checkMeta(t, "stat after multipart upload", s.stat(t, b, key, int64(len(content))))
	})
}

// testObjectReader checks, on a backend with Features().Metadata, that
// Open returns a connectors.ObjectReader telling what Stat tells, whatever
// the range read.
func (s *suite) testObjectReader(t *testing.T) {
	content := data(3000, 10)
	b := s.seeded(t, map[string][]byte{"r": content})
	if !b.Features().Metadata {
		t.Skip("backend keeps no metadata (Features().Metadata is false)")
	}
	s.checkReaders(t, b, "r", content, s.stat(t, b, "r", int64(len(content))))
}

// checkReaders reads key whole, in part and not at all, and checks the
// content and that each reader tells the object st (what Stat said).
func (s *suite) checkReaders(t *testing.T, b connectors.Bucket, key string, content []byte, st connectors.Object) {
	t.Helper()
	for _, r := range []struct {
		name        string
		off, length int64
	}{{"Whole", 0, -1}, {"Range", 100, 50}, {"Empty", 0, 0}} {
		t.Run("Open"+r.name, func(t *testing.T) {
			o, got := s.openObject(t, b, key, r.off, r.length)
			want := content[r.off:]
			if r.length >= 0 {
				want = want[:r.length]
			}
			if !bytes.Equal(got, want) {
				t.Errorf("content: %s", diff(got, want))
			}
			if o.Key != st.Key || o.Size != st.Size || o.ETag != st.ETag || !o.ModTime.Equal(st.ModTime) ||
				o.Headers != st.Headers || !maps.Equal(o.Meta, st.Meta) {
				t.Errorf("the reader tells\n %+v\nStat tells\n %+v", o, st)
			}
		})
	}
}

// openObject reads length bytes of key from offset through a reader that
// must be a connectors.ObjectReader, and returns the object it tells.
func (s *suite) openObject(t *testing.T, b connectors.Bucket, key string, offset, length int64) (connectors.Object, []byte) {
	t.Helper()
	rc, err := b.Open(t.Context(), key, offset, length)
	s.ok(t, err, "open "+quote(key))
	defer rc.Close()
	got, err := io.ReadAll(rc)
	s.ok(t, err, "read "+quote(key))
	or, ok := rc.(connectors.ObjectReader)
	if !ok {
		t.Fatalf("open %s returned a %T, not a connectors.ObjectReader", quote(key), rc)
	}
	return or.Object(), got
}

// checkMeta checks that o carries metaHeaders, metaUser and the mtime.
// Expires is compared as text; a service that rewrites the date in its
// own form passes if it names the same instant. A harness with NoExpires
// expects none.
func (s *suite) checkMeta(t *testing.T, what string, o connectors.Object) {
	t.Helper()
	want := metaHeaders
	if s.h.NoExpires {
		want.Expires = ""
	}
	got := o.Headers
	if got.Expires != want.Expires && sameTime(got.Expires, want.Expires) {
		got.Expires = want.Expires
	}
	if got != want {
		t.Errorf("%s %s: headers\n %+v, want\n %+v", what, quote(o.Key), o.Headers, want)
	}
	user := maps.Clone(o.Meta)
	delete(user, connectors.MetaMtime)
	if !maps.Equal(user, metaUser) {
		t.Errorf("%s %s: user metadata %v, want %v (and mtime)", what, quote(o.Key), user, metaUser)
	}
	checkModTime(t, o, mtime)
}

// sameTime reports whether a and b are HTTP dates of the same instant.
func sameTime(a, b string) bool {
	ta, errA := http.ParseTime(a)
	tb, errB := http.ParseTime(b)
	return errA == nil && errB == nil && ta.Equal(tb)
}
