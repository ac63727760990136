package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

const kib = 1024

func initiate(t *testing.T, c *oss.Client, key string) string {
	t.Helper()
	res, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Metadata: map[string]string{"mtime": "7"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(res.Key) != key || oss.ToString(res.UploadId) == "" {
		t.Fatalf("initiate: key %q id %q", oss.ToString(res.Key), oss.ToString(res.UploadId))
	}
	return oss.ToString(res.UploadId)
}

func uploadPart(t *testing.T, c *oss.Client, key, id string, n int, data []byte) oss.UploadPart {
	t.Helper()
	res, err := c.UploadPart(ctx, &oss.UploadPartRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: int32(n), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("part %d: %v", n, err)
	}
	if oss.ToString(res.ETag) != md5ETag(data) || oss.ToString(res.HashCRC64) != crcString(data) {
		t.Errorf("part %d: ETag %s CRC %s", n, oss.ToString(res.ETag), oss.ToString(res.HashCRC64))
	}
	return oss.UploadPart{PartNumber: int32(n), ETag: res.ETag}
}

func complete(c *oss.Client, key, id string, parts ...oss.UploadPart) (*oss.CompleteMultipartUploadResult, error) {
	return c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id),
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts},
	})
}

var multipartETag = regexp.MustCompile(`^"[0-9A-F]{32}-[0-9]+"$`)

func TestMultipartUpload(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	key := "big/object"
	id := initiate(t, c, key)
	p1, p2, p3 := pattern(100*kib), pattern(150*kib), []byte("tail")
	parts := []oss.UploadPart{uploadPart(t, c, key, id, 1, p1), uploadPart(t, c, key, id, 2, p2), uploadPart(t, c, key, id, 5, p3)}
	uploadPart(t, c, key, id, 2, p2) // sent twice, as a retry would
	if got := s.Uploads(testBucket); len(got) != 1 || got[0] != key {
		t.Errorf("Uploads = %q", got)
	}
	if _, _, ok := s.Object(testBucket, key); ok {
		t.Error("object visible before completion")
	}

	lp, err := c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 3 || lp.Parts[1].PartNumber != 2 || lp.Parts[1].Size != 150*kib ||
		oss.ToString(lp.Parts[2].ETag) != md5ETag(p3) || oss.ToString(lp.Parts[2].HashCRC64) != crcString(p3) {
		t.Errorf("ListParts: %+v", lp.Parts)
	}
	lp, err = c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), MaxParts: 2})
	if err != nil || len(lp.Parts) != 2 || !lp.IsTruncated || lp.NextPartNumberMarker != 2 {
		t.Errorf("ListParts page: %v %+v", err, lp)
	}

	res, err := complete(c, key, id, parts...)
	if err != nil {
		t.Fatal(err)
	}
	whole := append(append(append([]byte(nil), p1...), p2...), p3...)
	// The object's ETag is the MD5 of the part MD5s, "-", the part count.
	var sums []byte
	for _, p := range [][]byte{p1, p2, p3} {
		sum := md5.Sum(p)
		sums = append(sums, sum[:]...)
	}
	sum := md5.Sum(sums)
	wantETag := `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `-3"`
	if got := oss.ToString(res.ETag); got != wantETag || !multipartETag.MatchString(got) {
		t.Errorf("ETag %s, want %s", got, wantETag)
	}
	if oss.ToString(res.HashCRC64) != crcString(whole) || oss.ToString(res.Key) != key || oss.ToString(res.Bucket) != testBucket {
		t.Errorf("complete: CRC %s key %q", oss.ToString(res.HashCRC64), oss.ToString(res.Key))
	}

	data, g := get(t, c, key)
	if !bytes.Equal(data, whole) || oss.ToString(g.ObjectType) != "Multipart" || g.Metadata["mtime"] != "7" || oss.ToString(g.ETag) != wantETag {
		t.Errorf("get: %d bytes, type %q, meta %v", len(data), oss.ToString(g.ObjectType), g.Metadata)
	}
	if got := s.Uploads(testBucket); len(got) != 0 {
		t.Errorf("upload still open: %q", got)
	}
	if hist := s.History(testBucket, key); len(hist) != 1 || hist[0] != (Version{Size: int64(len(whole)), CRC64: crcOf(whole), Op: "CompleteMultipartUpload"}) {
		t.Errorf("History = %+v", hist)
	}
	if pu := s.PartUploads(testBucket, key); pu[1] != 1 || pu[2] != 2 || pu[5] != 1 || len(pu) != 3 {
		t.Errorf("PartUploads = %v", pu)
	}
	// The upload is gone once completed.
	_, err = complete(c, key, id, parts...)
	wantServiceError(t, err, 404, "NoSuchUpload")
}

func TestMultipartPartChecks(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	key := "checks"
	id := initiate(t, c, key)
	big := pattern(100 * kib)
	p1 := uploadPart(t, c, key, id, 1, big)
	p2 := uploadPart(t, c, key, id, 2, []byte("small"))
	p3 := uploadPart(t, c, key, id, 3, []byte("last"))

	// The SDK sorts the list, so a repeated number is how it sends one out of order.
	_, err := complete(c, key, id, p1, p2, p2)
	se := wantServiceError(t, err, 400, "InvalidPartOrder")
	if se.EC != "0042-00000209" {
		t.Errorf("EC = %q", se.EC)
	}
	_, err = complete(c, key, id, p1, oss.UploadPart{PartNumber: 2, ETag: oss.Ptr(`"00000000000000000000000000000000"`)})
	wantServiceError(t, err, 400, "InvalidPart")
	_, err = complete(c, key, id, p1, oss.UploadPart{PartNumber: 4, ETag: p3.ETag})
	wantServiceError(t, err, 400, "InvalidPart")
	// Every part but the last must hold 100 KB.
	_, err = complete(c, key, id, p1, p2, p3)
	se = wantServiceError(t, err, 400, "EntityTooSmall")
	if se.EC != "0042-00000213" {
		t.Errorf("EC = %q", se.EC)
	}
	if _, _, ok := s.Object(testBucket, key); ok {
		t.Error("a refused completion made the object visible")
	}

	// Part numbers run from 1 to 10,000 (EC 0017-00000220).
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), UploadId: oss.Ptr(id), PartNumber: 10001, Body: strings.NewReader("x")})
	se = wantServiceError(t, err, 400, "InvalidArgument")
	if se.EC != "0017-00000220" {
		t.Errorf("EC = %q", se.EC)
	}
	// The SDK refuses 0 itself; send it, a non-number and none raw.
	for _, q := range []string{"partNumber=0&uploadId=" + id, "partNumber=abc&uploadId=" + id, "uploadId=" + id} {
		req := signedRequest(t, s, "PUT", testBucket, key, q, []byte("x"), nil)
		status, h, body := doRaw(t, req)
		ec := "0017-00000220"
		if !strings.Contains(q, "partNumber") {
			ec = "0017-00000219"
		}
		checkErrorDoc(t, req, status, h, body, 400, "InvalidArgument", ec)
	}
	uploadPart(t, c, key, id, 10000, []byte("highest"))

	// The small part is fine as the last one.
	if _, err := complete(c, key, id, p1, p2); err != nil {
		t.Fatal(err)
	}
	if data, _, _ := s.Object(testBucket, key); !bytes.Equal(data, append(append([]byte(nil), big...), "small"...)) {
		t.Error("object is not parts 1 and 2")
	}
}

func TestMultipartOutOfOrderRaw(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	id := initiate(t, c, "raw")
	p1 := uploadPart(t, c, "raw", id, 1, pattern(100*kib))
	p2 := uploadPart(t, c, "raw", id, 2, []byte("end"))
	body := "<CompleteMultipartUpload>" +
		"<Part><PartNumber>2</PartNumber><ETag>" + oss.ToString(p2.ETag) + "</ETag></Part>" +
		"<Part><PartNumber>1</PartNumber><ETag>" + oss.ToString(p1.ETag) + "</ETag></Part>" +
		"</CompleteMultipartUpload>"
	req := signedRequest(t, s, "POST", testBucket, "raw", "uploadId="+id, []byte(body), nil)
	status, h, resp := doRaw(t, req)
	checkErrorDoc(t, req, status, h, resp, 400, "InvalidPartOrder", "0042-00000209")

	req = signedRequest(t, s, "POST", testBucket, "raw", "uploadId="+id, []byte("<CompleteMultipartUpload><Part>"), nil)
	status, h, resp = doRaw(t, req)
	checkErrorDoc(t, req, status, h, resp, 400, "MalformedXML", "0031-00000001")
}

func TestMultipartUnknownUpload(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	const bogus = "0004B9894A22E5B1888A1E29F823ABCD"
	_, err := c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: oss.Ptr(bogus), PartNumber: 1, Body: strings.NewReader("x")})
	se := wantServiceError(t, err, 404, "NoSuchUpload")
	if se.EC != "0017-00000244" {
		t.Errorf("EC = %q", se.EC)
	}
	_, err = c.ListParts(ctx, &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: oss.Ptr(bogus)})
	wantServiceError(t, err, 404, "NoSuchUpload")
	_, err = complete(c, "k", bogus, oss.UploadPart{PartNumber: 1, ETag: oss.Ptr(`"x"`)})
	wantServiceError(t, err, 404, "NoSuchUpload")
	_, err = c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: oss.Ptr(bogus)})
	wantServiceError(t, err, 404, "NoSuchUpload")

	// An upload ID belongs to its key.
	id := initiate(t, c, "mine")
	_, err = c.UploadPart(ctx, &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("yours"), UploadId: oss.Ptr(id), PartNumber: 1, Body: strings.NewReader("x")})
	wantServiceError(t, err, 404, "NoSuchUpload")
	if s.PartUploads(testBucket, "yours")[1] != 0 || s.PartUploads(testBucket, "mine")[1] != 0 {
		t.Error("a refused part was counted")
	}
}

func TestMultipartAbort(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	id := initiate(t, c, "aborted")
	p := uploadPart(t, c, "aborted", id, 1, []byte("x"))
	res, err := c.AbortMultipartUpload(ctx, &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("aborted"), UploadId: oss.Ptr(id)})
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("abort: %v", err)
	}
	if len(s.Uploads(testBucket)) != 0 {
		t.Error("upload still open")
	}
	_, err = complete(c, "aborted", id, p)
	wantServiceError(t, err, 404, "NoSuchUpload")
	if len(s.Keys(testBucket)) != 0 || len(s.History(testBucket, "aborted")) != 0 {
		t.Error("aborted upload left an object")
	}
}

func TestMultipartCompleteAll(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	id := initiate(t, c, "all")
	uploadPart(t, c, "all", id, 2, []byte("b"))
	uploadPart(t, c, "all", id, 1, pattern(100*kib))
	res, err := c.CompleteMultipartUpload(ctx, &oss.CompleteMultipartUploadRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("all"), UploadId: oss.Ptr(id), CompleteAll: oss.Ptr("yes"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(oss.ToString(res.ETag), `-2"`) {
		t.Errorf("ETag %s", oss.ToString(res.ETag))
	}
	if data, _, _ := s.Object(testBucket, "all"); len(data) != 100*kib+1 || data[len(data)-1] != 'b' {
		t.Error("parts not joined in number order")
	}
}

// TestUploader runs the SDK's Uploader: parallel parts, then its own check
// that the CRC64 combined from the parts equals the one OSS reports.
func TestUploader(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(1000*kib + 123)
	res, err := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 100 * kib; o.ParallelNum = 4 }).
		UploadFrom(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("uploaded")}, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if oss.ToString(res.HashCRC64) != crcString(data) || !strings.HasSuffix(oss.ToString(res.ETag), "-11\"") {
		t.Errorf("CRC %s ETag %s", oss.ToString(res.HashCRC64), oss.ToString(res.ETag))
	}
	got, _, _ := s.Object(testBucket, "uploaded")
	if !bytes.Equal(got, data) {
		t.Error("uploaded object differs")
	}
	if n := s.Count("UploadPart", "uploaded"); n != 11 {
		t.Errorf("%d parts sent", n)
	}
	pu := s.PartUploads(testBucket, "uploaded")
	for i := 1; i <= 11; i++ {
		if pu[i] != 1 {
			t.Errorf("part %d received %d times", i, pu[i])
		}
	}
}
