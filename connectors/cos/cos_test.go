package cos_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/cos"
	"github.com/mgw-dev/mgw/connectors/cos/costest"
)

const (
	bucketName = "mgw-1250000000"
	secretID   = "AKIDmgwTestSecretId0000000000000"
	secretKey  = "mgw-test-secret-key-4e7d"
	region     = "ap-guangzhou"
)

type env struct {
	srv *costest.Server
	seq atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := costest.NewServer(costest.Config{SecretID: secretID, SecretKey: secretKey, Region: region, Buckets: []string{bucketName}})
	t.Cleanup(srv.Close)
	return &env{srv: srv}
}

func (e *env) addr() connectors.Address {
	return connectors.Address{
		Name: "test", Type: "cos", Endpoint: e.srv.URL(), Region: region, Bucket: bucketName,
		Prefix:      fmt.Sprintf("t%03d/", e.seq.Add(1)),
		AccessKeyID: secretID, AccessKeySecret: secretKey, PageSize: 5,
	}
}

func (e *env) open(t *testing.T, a connectors.Address) connectors.Bucket {
	t.Helper()
	b, err := cos.New(t.Context(), a)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func TestConformance(t *testing.T) {
	e := newEnv(t)
	conformance.Run(t, conformance.Harness{
		New:         func(t *testing.T) connectors.Bucket { return e.open(t, e.addr()) },
		UploadsPage: cos.SetUploadsPage,
		BadKeyID: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.AccessKeyID = "AKIDnoSuchSecretId"
			return e.open(t, a)
		},
		BadSecret: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.AccessKeySecret = "not-the-secret"
			return e.open(t, a)
		},
		NoBucket: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.Bucket = "nosuch-1250000000"
			return e.open(t, a)
		},
		Denied: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			e.srv.Deny(bucketName, a.Prefix)
			return e.open(t, a)
		},
		Secret: secretKey,
	})
}

func wantKind(t *testing.T, err error, want connectors.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if k := connectors.KindOf(err); k != want {
		t.Errorf("kind = %v, want %v (%v)", k, want, err)
	}
	if strings.Contains(err.Error(), secretKey) {
		t.Errorf("the secret appears in %q", err)
	}
}

// A bucket asked for in another region is not found, as on COS.
func TestWrongRegion(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	a.Region = "ap-beijing"
	wantKind(t, e.open(t, a).Check(t.Context()), connectors.KindNoSuchBucket)
}

func TestPrefixIsAnObject(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	e.srv.Seed(bucketName, strings.TrimSuffix(a.Prefix, "/"), []byte("a file"), costest.SeedOptions{})
	wantKind(t, e.open(t, a).Check(t.Context()), connectors.KindNotDir)
}

func TestNewRefusesBadNames(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ bucket, region string }{
		{"mgw", region},               // no APPID
		{"mgw-12ab", region},          // APPID not digits
		{"MGW-1250000000", region},    // upper case
		{bucketName, "guangzhou"},     // not a region
		{bucketName, "ap-guangzhou!"}, // not a region
	} {
		a := e.addr()
		a.Bucket, a.Region = c.bucket, c.region
		_, err := cos.New(t.Context(), a)
		wantKind(t, err, connectors.KindInvalidArgument)
	}
}

func TestThrottledNotRetried(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	ctx := t.Context()
	e.srv.FailNext("PutObject", 1, http.StatusServiceUnavailable, "SlowDown")
	_, err := b.Put(ctx, "k", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{})
	wantKind(t, err, connectors.KindThrottled)
	var ce *connectors.Error
	if !asError(err, &ce) || ce.Code != "SlowDown" || ce.Status != 503 {
		t.Errorf("error %+v, want code SlowDown status 503", err)
	}
	if n := e.srv.Count("PutObject"); n != 1 {
		t.Errorf("%d PutObject requests for one throttled put: the SDK retried", n)
	}
	e.srv.FailNext("GetBucket", 1, http.StatusServiceUnavailable, "SlowDown")
	wantKind(t, b.List(ctx, "", func(connectors.Object) error { return nil }, nil), connectors.KindThrottled)
	if n := e.srv.Count("GetBucket"); n != 1 {
		t.Errorf("%d GetBucket requests for one throttled list: the SDK retried", n)
	}
}

func TestArchived(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	e.srv.Seed(bucketName, a.Prefix+"cold", []byte("frozen"), costest.SeedOptions{StorageClass: "ARCHIVE"})
	var class string
	err := b.List(t.Context(), "", func(o connectors.Object) error { class = o.StorageClass; return nil }, nil)
	if err != nil || class != "ARCHIVE" || !connectors.Archived(class) {
		t.Errorf("List: class %q (archived %v), %v", class, connectors.Archived(class), err)
	}
	_, err = b.Open(t.Context(), "cold", 0, -1)
	wantKind(t, err, connectors.KindInvalidState)
}

func TestStatReadsMetaAndTimes(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	mod := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	e.srv.Seed(bucketName, a.Prefix+"m", []byte("meta"), costest.SeedOptions{ModTime: mod, Meta: map[string]string{"Owner": "bob"}})
	o, err := b.Stat(t.Context(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if !o.ModTime.Equal(mod) || o.Meta["owner"] != "bob" || o.Size != 4 || o.ETag == "" || !o.HasCRC64 {
		t.Errorf("Stat = %+v", o)
	}
}

func asError(err error, target **connectors.Error) bool {
	ce, ok := err.(*connectors.Error)
	*target = ce
	return ok
}

// A server that stops answering is a timeout, not a hang and not a
// cancellation: the agent retries it.
func TestStalledServer(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	a.Timeout = 200 * time.Millisecond
	b := e.open(t, a)
	e.srv.Seed(bucketName, a.Prefix+"k", []byte("data"), costest.SeedOptions{})
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	e.srv.SetHandlerHook(func(op string) {
		if op == "GetObject" || op == "PutObject" {
			<-release
		}
	})
	_, err := b.Open(t.Context(), "k", 0, -1)
	wantKind(t, err, connectors.KindTimeout)
	if connectors.IsCanceled(err) {
		t.Errorf("a stall reads as a cancellation: %v", err)
	}
	_, err = b.Put(t.Context(), "p", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{})
	wantKind(t, err, connectors.KindTimeout)
}

// A listing and a HEAD of one object give the same identity, so the
// agent never mistakes an object for one that changed while copied.
func TestListAndStatAgree(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	e.srv.Seed(bucketName, a.Prefix+"k", []byte("v"), costest.SeedOptions{ModTime: time.Date(2022, 1, 2, 3, 4, 5, 678_000_000, time.UTC)})
	var listed connectors.Object
	if err := b.List(t.Context(), "", func(o connectors.Object) error { listed = o; return nil }, nil); err != nil {
		t.Fatal(err)
	}
	o, err := b.Stat(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	if !listed.ModTime.Equal(o.ModTime) || listed.Size != o.Size || listed.ETag != o.ETag {
		t.Errorf("List gives %v %d %q, Stat %v %d %q", listed.ModTime, listed.Size, listed.ETag, o.ModTime, o.Size, o.ETag)
	}
}

// The server refuses user metadata over COS's limits, and suffixes COS
// cannot take, and stores nothing.
func TestMetadataRefused(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	mp := b.Features().Multipart
	full := map[string]string{"a": strings.Repeat("v", b.Features().MaxMetaBytes-1)}
	if _, err := b.Put(t.Context(), "full", strings.NewReader("x"), 1, connectors.PutOptions{Meta: full}); err != nil {
		t.Fatalf("put with %d bytes of metadata: %v", b.Features().MaxMetaBytes, err)
	}
	for _, c := range []struct {
		name, code string
		meta       map[string]string
	}{
		{"TooLarge", "MetadataTooLarge", map[string]string{"a": strings.Repeat("v", b.Features().MaxMetaBytes)}},
		{"Underscore", "InvalidArgument", map[string]string{"file_type": "x"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := b.Put(t.Context(), "refused", strings.NewReader("x"), 1, connectors.PutOptions{Meta: c.meta})
			wantKind(t, err, connectors.KindInvalidArgument)
			var ce *connectors.Error
			if asError(err, &ce) && ce.Code != c.code {
				t.Errorf("put: code %q, want %s", ce.Code, c.code)
			}
			_, err = mp.CreateMultipart(t.Context(), "refused", connectors.PutOptions{Meta: c.meta})
			wantKind(t, err, connectors.KindInvalidArgument)
		})
	}
	// A multipart upload takes 2 KB a header, 4 KB in all.
	two := map[string]string{"a": strings.Repeat("v", 2000), "b": strings.Repeat("v", 2000)}
	if _, err := mp.CreateMultipart(t.Context(), "multi", connectors.PutOptions{Meta: two}); err != nil {
		t.Errorf("create multipart with two headers of 2 KB: %v", err)
	}
	_, err := b.Put(t.Context(), "refused", strings.NewReader("x"), 1, connectors.PutOptions{Meta: two})
	wantKind(t, err, connectors.KindInvalidArgument)
	_, err = b.Stat(t.Context(), "refused")
	wantKind(t, err, connectors.KindNotFound)
}
