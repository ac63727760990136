package osstest

import (
	"strconv"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// A copy whose copy headers were changed after signing is refused, and
// copies nothing: the signature covers x-oss-copy-source and its
// conditions like every x-oss-* header.
func TestCopyHeadersSigned(t *testing.T) {
	s := newTestServer(t)
	s.Seed("other-bucket", "a", []byte("aaa"), SeedOptions{})
	s.Seed("other-bucket", "b", []byte("bbb"), SeedOptions{})
	for _, tamper := range []struct{ name, value string }{
		{"x-oss-copy-source", "/other-bucket/b"},
		{"x-oss-copy-source-if-match", `"00"`},
		{"x-oss-metadata-directive", "REPLACE"},
	} {
		req := signedRequest(t, s, "PUT", testBucket, "dst", "", nil, map[string]string{
			"x-oss-copy-source": "/other-bucket/a", "x-oss-copy-source-if-match": md5ETag([]byte("aaa")),
		})
		req.Header.Set(tamper.name, tamper.value)
		status, h, body := doRaw(t, req)
		checkErrorDoc(t, req, status, h, body, 403, "SignatureDoesNotMatch", "0002-00000201")
	}
	if len(s.Keys(testBucket)) != 0 {
		t.Error("a refused copy stored something")
	}
	// Signed as sent, the same copy is done.
	req := signedRequest(t, s, "PUT", testBucket, "dst", "", nil, map[string]string{"x-oss-copy-source": "/other-bucket/a"})
	if status, _, body := doRaw(t, req); status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if data, _, ok := s.Object(testBucket, "dst"); !ok || string(data) != "aaa" {
		t.Errorf("copied %q", data)
	}
}

// CopyObject across buckets: the source's bytes, ETag and CRC64, a key
// that needs escaping, the metadata directive; a missing source is
// NoSuchKey, a failed if-match 412, an unreadable source AccessDenied.
func TestCopyObject(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(300 << 10)
	key := "dir/a b+c%d é?.bin"
	s.Seed("other-bucket", key, data, SeedOptions{Meta: map[string]string{"m": "1"}, ContentType: "text/x"})
	res, err := c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("copy"),
		SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr(key), IfMatch: oss.Ptr(md5ETag(data))})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(res.ETag) != md5ETag(data) || oss.ToString(res.HashCRC64) != crcString(data) {
		t.Errorf("ETag %s CRC64 %s, want %s %s", oss.ToString(res.ETag), oss.ToString(res.HashCRC64), md5ETag(data), crcString(data))
	}
	got, g := get(t, c, "copy")
	if string(got) != string(data) || g.Metadata["m"] != "1" || oss.ToString(g.ContentType) != "text/x" {
		t.Errorf("copy: %d bytes, meta %v, type %s", len(got), g.Metadata, oss.ToString(g.ContentType))
	}

	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("copy2"),
		SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr(key), MetadataDirective: oss.Ptr("REPLACE"),
		Metadata: map[string]string{"n": "2"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, g := get(t, c, "copy2"); g.Metadata["m"] != "" || g.Metadata["n"] != "2" {
		t.Errorf("REPLACE kept %v", g.Metadata)
	}

	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("x"),
		SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr("missing")})
	wantServiceError(t, err, 404, "NoSuchKey")
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("x"),
		SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr(key), IfMatch: oss.Ptr(`"0123"`)})
	wantServiceError(t, err, 412, "PreconditionFailed")
	s.Deny("other-bucket", "dir/")
	_, err = c.CopyObject(ctx, &oss.CopyObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("x"),
		SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr(key)})
	wantServiceError(t, err, 403, "AccessDenied")
	if _, _, ok := s.Object(testBucket, "x"); ok {
		t.Error("a refused copy stored an object")
	}
}

// UploadPartCopy copies ranges of the source into parts; the completed
// object holds the source's bytes and CRC64. A bad range is refused.
func TestUploadPartCopy(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(700<<10 + 3)
	s.Seed("other-bucket", "src", data, SeedOptions{})
	up, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst")})
	if err != nil {
		t.Fatal(err)
	}
	const ps = 256 << 10
	var parts []oss.UploadPart
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+ps {
		end := min(off+ps, len(data)) - 1
		res, err := c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst"),
			UploadId: up.UploadId, PartNumber: n, SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr("src"),
			Range: oss.Ptr("bytes=" + itoa(off) + "-" + itoa(end)), IfMatch: oss.Ptr(md5ETag(data))})
		if err != nil {
			t.Fatal(err)
		}
		if oss.ToString(res.ETag) != md5ETag(data[off:end+1]) {
			t.Errorf("part %d ETag %s", n, oss.ToString(res.ETag))
		}
		parts = append(parts, oss.UploadPart{PartNumber: n, ETag: res.ETag})
	}
	_, err = c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst"),
		UploadId: up.UploadId, PartNumber: 9, SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr("src"),
		Range: oss.Ptr("bytes=0-" + itoa(len(data)))})
	wantServiceError(t, err, 400, "InvalidArgument")
	_, err = c.UploadPartCopy(ctx, &oss.UploadPartCopyRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst"),
		UploadId: up.UploadId, PartNumber: 9, SourceBucket: oss.Ptr("other-bucket"), SourceKey: oss.Ptr("src"),
		IfMatch: oss.Ptr(`"00"`)})
	wantServiceError(t, err, 412, "PreconditionFailed")

	ups, err := c.ListMultipartUploads(ctx, &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("dst")})
	if err != nil || len(ups.Uploads) != 1 || oss.ToString(ups.Uploads[0].UploadId) != oss.ToString(up.UploadId) {
		t.Fatalf("ListMultipartUploads: %v %+v", err, ups)
	}
	res, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dst"),
		UploadId: up.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(res.HashCRC64) != crcString(data) {
		t.Errorf("CRC64 %s, want %s", oss.ToString(res.HashCRC64), crcString(data))
	}
	if got, _, _ := s.Object(testBucket, "dst"); string(got) != string(data) {
		t.Errorf("copied %d bytes, want %d", len(got), len(data))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
