package s3

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// A fake S3 at the HTTP level, for answers a real server will not give on
// demand: throttling, 5xx, hangs, cut connections, and bodiless HEAD errors.
type fake struct {
	mu   sync.Mutex
	reqs []string // "METHOD /path"
}

func (f *fake) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.reqs)
}

// newFake serves handle and returns a Bucket talking to it.
func newFake(t *testing.T, timeout time.Duration, handle http.HandlerFunc) (*Bucket, *fake) {
	f := &fake{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Method+" "+r.URL.Path)
		f.mu.Unlock()
		io.Copy(io.Discard, r.Body)
		handle(w, r)
	}))
	t.Cleanup(srv.Close)
	b := open(t, connectors.Address{
		Endpoint: srv.URL, Bucket: "b", PathStyle: true,
		AccessKeyID: testKeyID, AccessKeySecret: testSecret, Timeout: timeout,
	})
	return b, f
}

func s3Error(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>`+code+`</Code><Message>no</Message><RequestId>r1</RequestId></Error>`)
}

func kindOf(t *testing.T, err error) *connectors.Error {
	t.Helper()
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v (%T) is not classified", err, err)
	}
	return ce
}

// The SDK must not retry: the agent paces the whole address and needs to
// see each throttle and each failure.
func TestNoSDKRetries(t *testing.T) {
	for _, c := range []struct {
		status int
		code   string
		want   connectors.Kind
	}{
		{503, "SlowDown", connectors.KindThrottled},
		{500, "InternalError", connectors.KindTransient},
		{429, "TooManyRequests", connectors.KindThrottled},
	} {
		t.Run(c.code, func(t *testing.T) {
			b, f := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "2")
				s3Error(w, c.status, c.code)
			})
			_, err := b.Open(t.Context(), "k", 0, -1)
			ce := kindOf(t, err)
			if ce.Kind != c.want || ce.Status != c.status || ce.Code != c.code || ce.RetryAfter != 2*time.Second {
				t.Errorf("open: %+v", ce)
			}
			content := strings.NewReader("some bytes")
			_, err = b.Put(t.Context(), "k", content, content.Size(), connectors.PutOptions{})
			if k := connectors.KindOf(err); k != c.want {
				t.Errorf("put: kind %v, want %v", k, c.want)
			}
			if got := f.requests(); len(got) != 2 {
				t.Errorf("requests %q, want one GET and one PUT", got)
			}
		})
	}
}

// A HEAD error has no body; Stat asks again with a GET to learn the code.
func TestStatAsksAgainAfterBodilessHead(t *testing.T) {
	for _, c := range []struct {
		headStatus int
		getStatus  int
		getCode    string
		want       connectors.Kind
	}{
		{403, 403, "InvalidAccessKeyId", connectors.KindBadKeyID},
		{403, 403, "SignatureDoesNotMatch", connectors.KindBadSecret},
		{403, 403, "AccessDenied", connectors.KindAccessDenied},
		{404, 404, "NoSuchBucket", connectors.KindNoSuchBucket},
		{404, 404, "NoSuchKey", connectors.KindNotFound},
		{400, 400, "AuthorizationHeaderMalformed", connectors.KindNoSuchBucket},
	} {
		t.Run(c.getCode, func(t *testing.T) {
			b, f := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodHead {
					w.WriteHeader(c.headStatus)
					return
				}
				s3Error(w, c.getStatus, c.getCode)
			})
			_, err := b.Stat(t.Context(), "k")
			if ce := kindOf(t, err); ce.Kind != c.want || ce.Code != c.getCode {
				t.Errorf("stat: kind %v code %q, want %v %q", ce.Kind, ce.Code, c.want, c.getCode)
			}
			want := []string{"HEAD /b/k", "GET /b/k"}
			if got := f.requests(); !slices.Equal(got, want) {
				t.Errorf("requests %q, want %q", got, want)
			}
		})
	}
}

// Once the bucket is known to exist, a 404 HEAD is a missing key: no GET.
func TestStatNotFoundOnceBucketKnown(t *testing.T) {
	b, f := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(404)
			return
		}
		s3Error(w, 404, "NoSuchKey")
	})
	for range 3 {
		_, err := b.Stat(t.Context(), "k")
		if k := connectors.KindOf(err); k != connectors.KindNotFound {
			t.Fatalf("stat: kind %v, want not-found", k)
		}
	}
	want := []string{"HEAD /b/k", "GET /b/k", "HEAD /b/k", "HEAD /b/k"}
	if got := f.requests(); !slices.Equal(got, want) {
		t.Errorf("requests %q, want %q", got, want)
	}
}

func TestResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	b, _ := newFake(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	_, err := b.Open(t.Context(), "k", 0, -1)
	if k := connectors.KindOf(err); k != connectors.KindTimeout {
		t.Errorf("open of a server that never answers: kind %v, want timeout (%v)", k, err)
	}
}

// A body cut short must read as a transient error, never as the end.
func TestTruncatedBody(t *testing.T) {
	b, _ := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.WriteHeader(200)
		io.WriteString(w, "ten bytes.")
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	})
	rc, err := b.Open(t.Context(), "k", 0, -1)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if k := connectors.KindOf(err); k != connectors.KindTransient {
		t.Errorf("read of a cut body: %d bytes, kind %v, want transient (%v)", len(got), k, err)
	}
}

// stallingServer sends the headers and a first chunk of an object, then
// nothing until the test ends.
func stallingServer(t *testing.T, timeout time.Duration) *Bucket {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	b, _ := newFake(t, timeout, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(200)
		io.WriteString(w, "first chunk")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	return b
}

// A body that stops flowing is cut off after the timeout, as a timeout.
func TestStalledBody(t *testing.T) {
	b := stallingServer(t, 100*time.Millisecond)
	rc, err := b.Open(t.Context(), "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if k := connectors.KindOf(err); k != connectors.KindTimeout || connectors.IsCanceled(err) {
		t.Errorf("read of a stalled body: %q, kind %v, want timeout (%v)", got, k, err)
	}
	if string(got) != "first chunk" {
		t.Errorf("read %q before the stall", got)
	}
	if want := `read "k": no data from the server for 100ms`; err == nil || err.Error() != want {
		t.Errorf("stall message %q, want %q", err, want)
	}
}

// The caller's cancellation stays a cancellation, never a timeout.
func TestCanceledBody(t *testing.T) {
	b := stallingServer(t, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	rc, err := b.Open(ctx, "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	buf := make([]byte, len("first chunk"))
	if _, err := io.ReadFull(rc, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = io.ReadAll(rc)
	if !connectors.IsCanceled(err) || connectors.KindOf(err) == connectors.KindTimeout {
		t.Errorf("read after cancel: %v (kind %v), want a cancellation", err, connectors.KindOf(err))
	}
}

func TestListDecodesURLEncodedKeys(t *testing.T) {
	b, _ := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("encoding-type") != "url" {
			t.Errorf("list without encoding-type=url: %s", r.URL.RawQuery)
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><EncodingType>url</EncodingType>
<IsTruncated>false</IsTruncated><KeyCount>2</KeyCount>
<Contents><Key>a%20b+c%2Bd%01</Key><Size>3</Size><ETag>"abc"</ETag><StorageClass>GLACIER</StorageClass></Contents>
<Contents><Key>dir%2F</Key><Size>0</Size></Contents>
</ListBucketResult>`)
	})
	var got []connectors.Object
	err := b.List(t.Context(), "", func(o connectors.Object) error {
		got = append(got, o)
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key != "a b c+d\x01" || got[0].ETag != "abc" || got[0].StorageClass != "GLACIER" || got[0].Size != 3 {
		t.Errorf("list: %+v", got)
	}
}

func TestBadEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	b := open(t, connectors.Address{Endpoint: "http://" + addr, Bucket: "b", PathStyle: true,
		AccessKeyID: testKeyID, AccessKeySecret: testSecret})
	if k := connectors.KindOf(b.Check(t.Context())); k != connectors.KindBadEndpoint {
		t.Errorf("check of a closed port: kind %v, want bad-endpoint", k)
	}
	for _, ep := range []string{"ftp://host", "127.0.0.1:7070", "http://", "http://user:hunter2@host"} {
		_, err := New(t.Context(), connectors.Address{Endpoint: ep, Bucket: "b"})
		if connectors.KindOf(err) != connectors.KindBadEndpoint {
			t.Errorf("New with endpoint %q: %v, want bad-endpoint", ep, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("New with endpoint %q: the error repeats the password", ep)
		}
	}
}

// An archived object stats with its class, and reading it before a
// restore is an invalid state, not a missing key or a denial.
func TestArchivedObject(t *testing.T) {
	b, _ := newFake(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.Header().Set("Content-Length", "42")
			w.Header().Set("x-amz-storage-class", "DEEP_ARCHIVE")
			w.Header().Set("Last-Modified", "Tue, 02 Jan 2024 03:04:05 GMT")
			w.Header().Set("x-amz-meta-mtime", "2021-03-04T05:06:07.123456789Z")
			return
		}
		s3Error(w, 403, "InvalidObjectState")
	})
	o, err := b.Stat(t.Context(), "cold")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	if o.StorageClass != "DEEP_ARCHIVE" || o.Size != 42 || !o.ModTime.Equal(want) || o.Meta["mtime"] != "2021-03-04T05:06:07.123456789Z" {
		t.Errorf("stat: %+v", o)
	}
	_, err = b.Open(t.Context(), "cold", 0, -1)
	if k := connectors.KindOf(err); k != connectors.KindInvalidState {
		t.Errorf("open of an archived object: kind %v, want invalid-state", k)
	}
}
