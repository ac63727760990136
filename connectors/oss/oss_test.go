package oss_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"hash/crc64"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

const (
	bucketName = "mgw-test"
	keyID      = "LTAI5tMgwTestKeyId"
	secret     = "mgw-test-secret-9f3c"
	region     = "cn-hangzhou"
)

var ecma = crc64.MakeTable(crc64.ECMA)

// env is one OSS test server and the addresses tests open on it.
type env struct {
	srv *osstest.Server
	seq atomic.Int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := osstest.NewServer(osstest.Config{
		AccessKeyID: keyID, AccessKeySecret: secret, Region: region, Buckets: []string{bucketName},
	})
	t.Cleanup(srv.Close)
	return &env{srv: srv}
}

// addr is an address on a fresh prefix.
func (e *env) addr() connectors.Address {
	return connectors.Address{
		Name: "test", Type: "oss", Endpoint: e.srv.URL(), Region: region, Bucket: bucketName,
		Prefix:    fmt.Sprintf("t%03d/", e.seq.Add(1)),
		PathStyle: true, AccessKeyID: keyID, AccessKeySecret: secret, PageSize: 5,
	}
}

func (e *env) open(t *testing.T, a connectors.Address) connectors.Bucket {
	t.Helper()
	b, err := oss.New(t.Context(), a)
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
		UploadsPage: oss.SetUploadsPage,
		BadKeyID: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.AccessKeyID = "LTAI5tNoSuchKeyId"
			return e.open(t, a)
		},
		BadSecret: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.AccessKeySecret = "not-the-secret"
			return e.open(t, a)
		},
		NoBucket: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			a.Bucket = "mgw-no-such-bucket"
			return e.open(t, a)
		},
		Denied: func(t *testing.T) connectors.Bucket {
			a := e.addr()
			e.srv.Deny(bucketName, a.Prefix)
			return e.open(t, a)
		},
		Secret: secret,
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
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the secret appears in %q", err)
	}
}

func TestCRC64(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	ctx := t.Context()
	data := bytes.Repeat([]byte("crc64 "), 1000)
	want := crc64.Checksum(data, ecma)

	o, err := b.Put(ctx, "f", bytes.NewReader(data), int64(len(data)), connectors.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !o.HasCRC64 || o.CRC64 != want {
		t.Errorf("Put: CRC64 %d (known %v), want %d", o.CRC64, o.HasCRC64, want)
	}
	o, err = b.Stat(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if !o.HasCRC64 || o.CRC64 != want {
		t.Errorf("Stat: CRC64 %d (known %v), want %d", o.CRC64, o.HasCRC64, want)
	}
	if o.ETag == "" || strings.Contains(o.ETag, `"`) {
		t.Errorf("Stat: ETag %q, want one without quotes", o.ETag)
	}
}

func TestMultipartResume(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	ctx := t.Context()
	mp := e.open(t, a).Features().Multipart
	const partSize = 100 << 10
	data := make([]byte, 2*partSize+777)
	for i := range data {
		data[i] = byte(i * 7 / 3)
	}
	part := func(n int) []byte { return data[(n-1)*partSize : min(n*partSize, len(data))] }

	const key = "resumed.bin"
	id, err := mp.CreateMultipart(ctx, key, connectors.PutOptions{Meta: map[string]string{"Origin": "nas1"}})
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 2; n++ {
		sum := md5.Sum(part(n))
		p, err := mp.UploadPart(ctx, key, id, n, bytes.NewReader(part(n)), int64(len(part(n))), connectors.PartSums{MD5: sum[:]})
		if err != nil {
			t.Fatal(err)
		}
		if want := crc64.Checksum(part(n), ecma); !p.HasCRC64 || p.CRC64 != want {
			t.Errorf("part %d: CRC64 %d (known %v), want %d", n, p.CRC64, p.HasCRC64, want)
		}
	}

	// The agent restarts: a new bucket on the same address finds the
	// parts from the upload ID alone, and sends only the one missing.
	b := e.open(t, a)
	mp = b.Features().Multipart
	parts, err := mp.ListParts(ctx, key, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 {
		t.Fatalf("ListParts: %d parts, want 2: %+v", len(parts), parts)
	}
	for i, p := range parts {
		n := i + 1
		if p.Number != n || p.Size != partSize || p.ETag == "" {
			t.Errorf("ListParts[%d] = %+v", i, p)
		}
		if want := crc64.Checksum(part(n), ecma); !p.HasCRC64 || p.CRC64 != want {
			t.Errorf("ListParts[%d]: CRC64 %d (known %v), want %d", i, p.CRC64, p.HasCRC64, want)
		}
	}
	last, err := mp.UploadPart(ctx, key, id, 3, bytes.NewReader(part(3)), int64(len(part(3))), connectors.PartSums{})
	if err != nil {
		t.Fatal(err)
	}
	o, err := mp.CompleteMultipart(ctx, key, id, append(parts, last))
	if err != nil {
		t.Fatal(err)
	}
	if want := crc64.Checksum(data, ecma); o.Size != int64(len(data)) || !o.HasCRC64 || o.CRC64 != want {
		t.Errorf("CompleteMultipart = %+v, want size %d CRC64 %d", o, len(data), want)
	}
	for n, times := range e.srv.PartUploads(bucketName, a.Prefix+key) {
		if times != 1 {
			t.Errorf("part %d sent %d times", n, times)
		}
	}
	got, meta, ok := e.srv.Object(bucketName, a.Prefix+key)
	if !ok || !bytes.Equal(got, data) {
		t.Fatalf("stored object: %d bytes (present %v), want %d", len(got), ok, len(data))
	}
	if meta["origin"] != "nas1" {
		t.Errorf("stored metadata %v, want origin=nas1", meta)
	}
	if err := mp.AbortMultipart(ctx, key, id); err != nil {
		t.Errorf("abort of a completed upload: %v", err)
	}
}

func TestArchivedObjects(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	ctx := t.Context()
	classes := []string{"Archive", "ColdArchive", "DeepColdArchive"}
	for _, class := range classes {
		e.srv.Seed(bucketName, a.Prefix+"cold/"+class, []byte("frozen"), osstest.SeedOptions{StorageClass: class})
	}
	e.srv.Seed(bucketName, a.Prefix+"cold/warm", []byte("warm"), osstest.SeedOptions{})

	listed := map[string]string{}
	err := b.List(ctx, "cold/", func(o connectors.Object) error {
		listed[o.Key] = o.StorageClass
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := listed["cold/warm"]; !ok || c != "" {
		t.Errorf("standard object listed with class %q (present %v), want \"\"", c, ok)
	}
	for _, class := range classes {
		key := "cold/" + class
		if listed[key] != class {
			t.Errorf("List: %s has class %q, want %q", key, listed[key], class)
		}
		// Stat works as on OSS, telling the class; reading does not.
		o, err := b.Stat(ctx, key)
		if err != nil {
			t.Errorf("Stat %s: %v", key, err)
		} else if o.StorageClass != class || o.Size != 6 {
			t.Errorf("Stat %s: class %q size %d", key, o.StorageClass, o.Size)
		}
		_, err = b.Open(ctx, key, 0, -1)
		wantKind(t, err, connectors.KindInvalidState)
	}
}

func TestNoRetriesBelowTheAgent(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	ctx := t.Context()
	data := []byte("payload")
	put := func(key string) error {
		_, err := b.Put(ctx, key, bytes.NewReader(data), int64(len(data)), connectors.PutOptions{})
		return err
	}

	e.srv.FailNext("PutObject", 1, 503, "ServiceUnavailable")
	wantKind(t, put("throttled"), connectors.KindThrottled)
	e.srv.FailNext("PutObject", 1, 500, "InternalError")
	wantKind(t, put("broken"), connectors.KindTransient)
	if n := e.srv.Count("PutObject", ""); n != 2 {
		t.Errorf("%d PutObject requests for 2 failing puts: the SDK retried", n)
	}
	if err := put("throttled"); err != nil {
		t.Errorf("put after the failures: %v", err)
	}

	// A request without a body is one the SDK could replay: it must not.
	if err := put("s"); err != nil {
		t.Fatal(err)
	}
	e.srv.FailNext("HeadObject", 1, 503, "ServiceUnavailable")
	_, err := b.Stat(ctx, "s")
	wantKind(t, err, connectors.KindThrottled)
	if n := e.srv.Count("HeadObject", ""); n != 1 {
		t.Errorf("%d HeadObject requests for 1 failing stat: the SDK retried", n)
	}
}

func TestMetadata(t *testing.T) {
	e := newEnv(t)
	a := e.addr()
	b := e.open(t, a)
	ctx := t.Context()
	mtime := time.Date(2020, 1, 2, 3, 4, 5, 600, time.UTC)
	_, err := b.Put(ctx, "m", strings.NewReader("x"), 1, connectors.PutOptions{
		ModTime: mtime, Meta: map[string]string{"Owner": "alice"},
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.Stat(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if o.Meta["owner"] != "alice" || o.Meta[connectors.MetaMtime] != "2020-01-02T03:04:05.0000006Z" {
		t.Errorf("Stat: Meta %v", o.Meta)
	}
	_, err = b.Put(ctx, "bad", strings.NewReader("x"), 1, connectors.PutOptions{Meta: map[string]string{"a b": "c"}})
	wantKind(t, err, connectors.KindInvalidArgument)
	if n := e.srv.Count("PutObject", a.Prefix+"bad"); n != 0 {
		t.Errorf("a put with a bad metadata key was sent")
	}
}

func TestCheck(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	a := e.addr()
	e.srv.Seed(bucketName, strings.TrimSuffix(a.Prefix, "/"), []byte("a file"), osstest.SeedOptions{})
	wantKind(t, e.open(t, a).Check(ctx), connectors.KindNotDir)

	a = e.addr()
	a.Region = "cn-beijing"
	wantKind(t, e.open(t, a).Check(ctx), connectors.KindNoSuchBucket)

	a = e.addr()
	a.Prefix = ""
	if err := e.open(t, a).Check(ctx); err != nil {
		t.Errorf("Check of the bucket root: %v", err)
	}
}

func TestOpenEmptyRanges(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	ctx := t.Context()
	if _, err := b.Put(ctx, "ten", strings.NewReader("0123456789"), 10, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ off, length int64 }{{10, -1}, {3, 0}} {
		rc, err := b.Open(ctx, "ten", c.off, c.length)
		if err != nil {
			t.Errorf("Open at %d for %d: %v", c.off, c.length, err)
			continue
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || len(got) != 0 {
			t.Errorf("Open at %d for %d read %q, %v; want nothing", c.off, c.length, got, err)
		}
	}
	_, err := b.Open(ctx, "ten", 11, -1)
	wantKind(t, err, connectors.KindInvalidArgument)
	_, err = b.Open(ctx, "missing", 0, 0)
	wantKind(t, err, connectors.KindNotFound)
}

func TestCanceledContext(t *testing.T) {
	e := newEnv(t)
	b := e.open(t, e.addr())
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := b.Stat(ctx, "k")
	if !connectors.IsCanceled(err) {
		t.Errorf("Stat with a canceled context: %v, want a cancellation", err)
	}
}
