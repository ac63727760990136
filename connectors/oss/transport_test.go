package oss

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// These tests cover what happens below the protocol (connections that
// fail, stall or drop) against plain HTTP servers; the protocol itself is
// tested against the OSS test server in oss_test.go.

const testSecret = "s3cr3t-never-shown"

// rawServer starts handler and returns a bucket on it. release is closed
// before the server shuts down, so handlers may block on it.
func rawServer(t *testing.T, timeout time.Duration, handler func(w http.ResponseWriter, r *http.Request, release <-chan struct{})) connectors.Bucket {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler(w, r, release)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return newTestBucket(t, srv.URL, timeout)
}

func newTestBucket(t *testing.T, endpoint string, timeout time.Duration) connectors.Bucket {
	t.Helper()
	b, err := New(context.Background(), connectors.Address{
		Type: "oss", Endpoint: endpoint, Region: "cn-hangzhou", Bucket: "mgw-test", PathStyle: true,
		AccessKeyID: "id", AccessKeySecret: testSecret, Timeout: timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func wantKind(t *testing.T, err error, want connectors.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if k := connectors.KindOf(err); k != want {
		t.Errorf("kind = %v, want %v (%v)", k, want, err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("the secret appears in %q", err)
	}
}

func TestRefusedConnectionIsBadEndpoint(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	b := newTestBucket(t, "http://"+addr, time.Minute)
	_, err = b.Stat(context.Background(), "k")
	wantKind(t, err, connectors.KindBadEndpoint)
	wantKind(t, b.Check(context.Background()), connectors.KindBadEndpoint)
}

func TestNoAnswerIsTimeout(t *testing.T) {
	b := rawServer(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	_, err := b.Stat(context.Background(), "k")
	wantKind(t, err, connectors.KindTimeout)
	if connectors.IsCanceled(err) {
		t.Error("a timeout reads as the caller's cancellation")
	}
	_, err = b.Put(context.Background(), "k", strings.NewReader("data"), 4, connectors.PutOptions{})
	wantKind(t, err, connectors.KindTimeout)
	if connectors.IsCanceled(err) {
		t.Error("a stalled upload reads as the caller's cancellation")
	}
}

func TestCallerCancelStaysCancel(t *testing.T) {
	started := make(chan struct{})
	b := rawServer(t, time.Minute, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		close(started)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	_, err := b.Open(ctx, "k", 0, -1)
	if !connectors.IsCanceled(err) {
		t.Errorf("err = %v, want the caller's cancellation", err)
	}
}

func TestStalledDownloadIsTimeout(t *testing.T) {
	b := rawServer(t, 50*time.Millisecond, func(w http.ResponseWriter, r *http.Request, release <-chan struct{}) {
		w.Header().Set("Content-Length", "1000")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "first bytes")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	rc, err := b.Open(context.Background(), "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if string(data) != "first bytes" {
		t.Errorf("read %q before the stall", data)
	}
	wantKind(t, err, connectors.KindTimeout)
	if want := `read "k": no progress for 50ms`; err.Error() != want {
		t.Errorf("stall message %q, want %q", err, want)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

func TestTruncatedDownloadIsTransient(t *testing.T) {
	b := rawServer(t, time.Minute, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		writeTruncated(buf)
	})
	rc, err := b.Open(context.Background(), "k", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	_, err = io.ReadAll(rc)
	wantKind(t, err, connectors.KindTransient)
}

func writeTruncated(w *bufio.ReadWriter) {
	io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
	w.Flush()
}

func TestBadNamesSendNothing(t *testing.T) {
	var requests atomic.Int32
	b := rawServer(t, time.Minute, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		requests.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	})
	ctx := context.Background()
	for _, key := range []string{"bad\xffname", strings.Repeat("k", 1024), `\lead`, ""} {
		_, err := b.Put(ctx, key, strings.NewReader("x"), 1, connectors.PutOptions{})
		wantKind(t, err, connectors.KindUnsupportedName)
		_, err = b.Features().Multipart.CreateMultipart(ctx, key, connectors.PutOptions{})
		wantKind(t, err, connectors.KindUnsupportedName)
		_, err = b.Stat(ctx, key)
		wantKind(t, err, connectors.KindUnsupportedName)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent for names OSS cannot hold", n)
	}
}

func TestNewRefusesBadAddresses(t *testing.T) {
	good := connectors.Address{Type: "oss", Region: "cn-hangzhou", Bucket: "mgw-test", AccessKeySecret: testSecret}
	tests := []struct {
		name string
		edit func(*connectors.Address)
		want connectors.Kind
	}{
		{"no bucket", func(a *connectors.Address) { a.Bucket = "" }, connectors.KindInvalidArgument},
		{"bad bucket name", func(a *connectors.Address) { a.Bucket = "Not_Valid" }, connectors.KindInvalidArgument},
		{"no region", func(a *connectors.Address) { a.Region = "" }, connectors.KindInvalidArgument},
		{"ftp endpoint", func(a *connectors.Address) { a.Endpoint = "ftp://host" }, connectors.KindBadEndpoint},
		{"endpoint with a password", func(a *connectors.Address) { a.Endpoint = "ftp://u:" + testSecret + "@host" }, connectors.KindBadEndpoint},
		{"unparsable endpoint", func(a *connectors.Address) { a.Endpoint = "http://u:" + testSecret + "@[::1" }, connectors.KindBadEndpoint},
		{"bad prefix", func(a *connectors.Address) { a.Prefix = "p\xff/" }, connectors.KindUnsupportedName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good
			tt.edit(&a)
			_, err := New(context.Background(), a)
			wantKind(t, err, tt.want)
		})
	}
}

func TestSourceErrorsKeepTheirKind(t *testing.T) {
	var requests atomic.Int32
	b := rawServer(t, time.Minute, func(w http.ResponseWriter, r *http.Request, _ <-chan struct{}) {
		requests.Add(1)
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusOK)
	})
	ctx := context.Background()

	// A source that shrank after its size was taken.
	_, err := b.Put(ctx, "k", strings.NewReader("short"), 10, connectors.PutOptions{})
	wantKind(t, err, connectors.KindChanged)
	_, err = b.Features().Multipart.UploadPart(ctx, "k", "id", 1, strings.NewReader("short"), 10, connectors.PartSums{})
	wantKind(t, err, connectors.KindChanged)

	// A source whose read failed with a classified error of its own.
	denied := connectors.NewError(connectors.KindAccessDenied, "read", "src", io.ErrClosedPipe)
	src := readerFunc(func([]byte) (int, error) { return 0, denied })
	_, err = b.Put(ctx, "k", struct {
		io.Reader
		io.Seeker
	}{src, nil}, 10, connectors.PutOptions{})
	wantKind(t, err, connectors.KindAccessDenied)
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"oss-cn-hangzhou.aliyuncs.com":          "https://oss-cn-hangzhou.aliyuncs.com",
		"http://127.0.0.1:9000/":                "http://127.0.0.1:9000",
		"https://oss-cn-beijing.aliyuncs.com/x": "https://oss-cn-beijing.aliyuncs.com",
	} {
		got, err := parseEndpoint(in)
		if err != nil || got != want {
			t.Errorf("parseEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}
