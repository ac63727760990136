package e2e

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"

	"github.com/mgw-dev/mgw/connectors/oss/osstest"
)

// putOSSParts uploads b to key of bkt in parts of ps bytes with the SDK,
// not mgw: an object of parts as another uploader makes it.
func putOSSParts(t *testing.T, srv *osstest.Server, bkt, key string, b []byte, ps int) {
	t.Helper()
	cli := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(ossKeyID, ossSecret)).
		WithRegion("cn-hangzhou").WithEndpoint(srv.URL()).WithUsePathStyle(true))
	up, err := cli.InitiateMultipartUpload(t.Context(), &oss.InitiateMultipartUploadRequest{Bucket: &bkt, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	var done []oss.UploadPart
	for n, off := int32(1), 0; off < len(b); n, off = n+1, off+ps {
		res, err := cli.UploadPart(t.Context(), &oss.UploadPartRequest{Bucket: &bkt, Key: &key, UploadId: up.UploadId,
			PartNumber: n, Body: bytes.NewReader(b[off:min(off+ps, len(b))])})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, oss.UploadPart{PartNumber: n, ETag: res.ETag})
	}
	if _, err := cli.CompleteMultipartUpload(t.Context(), &oss.CompleteMultipartUploadRequest{Bucket: &bkt, Key: &key,
		UploadId: up.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
}

// Two buckets of one OSS server with the same credentials: every object is
// copied by the server (CopyObject, and UploadPartCopy for an object of
// parts), byte for byte, counted as such, with no byte read by mgw; a
// second run finds them unchanged. With server_side_copy: false the same
// job copies through the host.
func TestOSSServerSideCopy(t *testing.T) {
	const dstBucket, plainBucket = "mgw-e2e-dst", "mgw-e2e-plain"
	srv := osstest.NewServer(osstest.Config{AccessKeyID: ossKeyID, AccessKeySecret: ossSecret, Region: "cn-hangzhou",
		Buckets: []string{bucket, dstBucket, plainBucket}})
	t.Cleanup(srv.Close)
	files := pairFiles(32)
	for k, b := range files {
		srv.Seed(bucket, k, b, osstest.SeedOptions{})
	}
	files[partsKey] = randomBytes(33, 12<<20+3)
	putOSSParts(t, srv, bucket, partsKey, files[partsKey], 5<<20)

	s := newSetup(t)
	dst, plain := ossAddr("dst", srv), ossAddr("plain", srv)
	dst.Bucket, plain.Bucket = dstBucket, plainBucket
	off := false
	hostJob := newJob("through-host", "src", "plain")
	hostJob.ServerSideCopy = &off
	s.write(t, []address{ossAddr("src", srv), dst, plain}, newJob("server-side", "src", "dst"), hostJob)

	r := s.mgw(t, "run", "server-side")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantCount(t, r, "copied server-side", len(files))
	wantCount(t, r, "failed", 0)
	for k, want := range files {
		if got, _, ok := srv.Object(dstBucket, k); !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes at the destination (found %v), want %d", k, len(got), ok, len(want))
		}
		if n := srv.Count("GetObject", k); n != 0 {
			t.Errorf("%s: read %d times through the host", k, n)
		}
	}
	if got := len(srv.Keys(dstBucket)); got != len(files) {
		t.Errorf("the destination holds %d objects, want %d", got, len(files))
	}
	if srv.Count("UploadPartCopy", partsKey) == 0 || srv.Count("CopyObject", bigKey) != 1 {
		t.Errorf("UploadPartCopy of %s: %d, CopyObject of %s: %d", partsKey, srv.Count("UploadPartCopy", partsKey),
			bigKey, srv.Count("CopyObject", bigKey))
	}
	if ups := srv.Uploads(dstBucket); len(ups) != 0 {
		t.Errorf("multipart uploads left open: %v", ups)
	}
	r = s.mgw(t, "run", "server-side")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
	wantCount(t, r, "unchanged", len(files))

	r = s.mgw(t, "run", "through-host")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	if strings.Contains(r.stdout, "copied server-side") {
		t.Errorf("server_side_copy: false still copied on the server:\n%s", r)
	}
	for k, want := range files {
		if got, _, ok := srv.Object(plainBucket, k); !ok || !bytes.Equal(got, want) {
			t.Errorf("%s: %d bytes through the host (found %v), want %d", k, len(got), ok, len(want))
		}
	}
	if srv.Count("GetObject", partsKey) == 0 {
		t.Error("the copy through the host read nothing from the source")
	}
}

// A server-side copy killed with SIGKILL while OSS copies a part: the
// killed run leaves its upload open, and the next run aborts it, copies
// the object byte for byte and leaves no upload behind.
func TestOSSServerSideCopyKilled(t *testing.T) {
	const dstBucket = "mgw-e2e-dst"
	srv := osstest.NewServer(osstest.Config{AccessKeyID: ossKeyID, AccessKeySecret: ossSecret, Region: "cn-hangzhou",
		Buckets: []string{bucket, dstBucket}})
	t.Cleanup(srv.Close)
	data := randomBytes(34, 3<<20+1)
	putOSSParts(t, srv, bucket, partsKey, data, 1<<20)
	// The first UploadPartCopy waits here until the run is killed.
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv.SetHandlerHook(func(op, _, _ string) {
		if op != "UploadPartCopy" {
			return
		}
		first := false
		once.Do(func() { first = true })
		if first {
			close(entered)
			<-release
		}
	})
	t.Cleanup(func() { // before srv.Close, which waits for the held request
		select {
		case <-release:
		default:
			close(release)
		}
	})

	s := newSetup(t)
	dst := ossAddr("dst", srv)
	dst.Bucket = dstBucket
	s.write(t, []address{ossAddr("src", srv), dst}, newJob("killed", "src", "dst"))
	c := s.cmd("run", "killed")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	select {
	case <-entered:
	case <-exited:
		t.Fatal("the run ended before any part was copied")
	}
	_ = c.Process.Kill()
	<-exited
	if ups := srv.Uploads(dstBucket); len(ups) != 1 {
		t.Fatalf("uploads open after the kill: %v, want the killed copy's", ups)
	}
	close(release)

	r := s.mgw(t, "run", "killed")
	wantExit(t, r, 0)
	wantCount(t, r, "copied server-side", 1)
	wantCount(t, r, "failed", 0)
	if got, _, ok := srv.Object(dstBucket, partsKey); !ok || !bytes.Equal(got, data) {
		t.Errorf("%d bytes at the destination (found %v), want %d", len(got), ok, len(data))
	}
	if ups := srv.Uploads(dstBucket); len(ups) != 0 {
		t.Errorf("uploads left after the second run: %v", ups)
	}
}
