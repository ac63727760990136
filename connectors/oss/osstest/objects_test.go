package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func TestPutGetHead(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(5000)
	res, err := c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dir/file.bin"), Body: bytes.NewReader(data),
		Metadata:    map[string]string{"mtime": "1700000000", "Owner": "ops"},
		ContentType: oss.Ptr("application/x-test"),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Simple uploads: the ETag is the quoted upper-case hex MD5; every
	// upload answer carries the CRC64-ECMA of what was stored.
	if got := oss.ToString(res.ETag); got != md5ETag(data) {
		t.Errorf("put ETag = %s, want %s", got, md5ETag(data))
	}
	if got := oss.ToString(res.HashCRC64); got != crcString(data) {
		t.Errorf("put CRC = %s, want %s", got, crcString(data))
	}

	got, g := get(t, c, "dir/file.bin")
	if !bytes.Equal(got, data) {
		t.Fatal("data differs")
	}
	if g.ContentLength != int64(len(data)) || oss.ToString(g.ETag) != md5ETag(data) || oss.ToString(g.HashCRC64) != crcString(data) {
		t.Errorf("get: length %d ETag %s CRC %s", g.ContentLength, oss.ToString(g.ETag), oss.ToString(g.HashCRC64))
	}
	if oss.ToString(g.ContentType) != "application/x-test" || g.Metadata["mtime"] != "1700000000" || g.Metadata["owner"] != "ops" {
		t.Errorf("get: type %q meta %v", oss.ToString(g.ContentType), g.Metadata)
	}
	if oss.ToString(g.StorageClass) != "Standard" || oss.ToString(g.ObjectType) != "Normal" {
		t.Errorf("get: class %q type %q", oss.ToString(g.StorageClass), oss.ToString(g.ObjectType))
	}
	// Last-Modified is an RFC 1123 GMT date.
	lm := g.Headers.Get("Last-Modified")
	if _, err := time.Parse(http.TimeFormat, lm); err != nil || !strings.HasSuffix(lm, " GMT") {
		t.Errorf("Last-Modified %q", lm)
	}

	h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("dir/file.bin")})
	if err != nil {
		t.Fatal(err)
	}
	if h.ContentLength != int64(len(data)) || oss.ToString(h.ETag) != md5ETag(data) || oss.ToString(h.HashCRC64) != crcString(data) || h.Metadata["owner"] != "ops" {
		t.Errorf("head: length %d ETag %s CRC %s meta %v", h.ContentLength, oss.ToString(h.ETag), oss.ToString(h.HashCRC64), h.Metadata)
	}
	if !h.LastModified.Equal(*g.LastModified) {
		t.Errorf("head Last-Modified %v, get %v", h.LastModified, g.LastModified)
	}

	stored, meta, ok := s.Object(testBucket, "dir/file.bin")
	if !ok || !bytes.Equal(stored, data) || meta["mtime"] != "1700000000" {
		t.Errorf("Object() = %v %v", ok, meta)
	}
	hist := s.History(testBucket, "dir/file.bin")
	if len(hist) != 1 || hist[0] != (Version{Size: 5000, CRC64: crcOf(data), Op: "PutObject"}) {
		t.Errorf("History = %+v", hist)
	}
}

func TestEmptyObject(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	put(t, c, "empty", nil)
	data, g := get(t, c, "empty")
	if len(data) != 0 || g.ContentLength != 0 || oss.ToString(g.HashCRC64) != "0" {
		t.Errorf("len %d, Content-Length %d, CRC %s", len(data), g.ContentLength, oss.ToString(g.HashCRC64))
	}
}

func TestContentMD5(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := []byte("0123456789")
	sum := md5.Sum(data)
	good := base64.StdEncoding.EncodeToString(sum[:])
	if _, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("ok"), Body: bytes.NewReader(data), ContentMD5: oss.Ptr(good)}); err != nil {
		t.Fatal(err)
	}

	other := md5.Sum([]byte("something else"))
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("bad"), Body: bytes.NewReader(data),
		ContentMD5: oss.Ptr(base64.StdEncoding.EncodeToString(other[:]))})
	se := wantServiceError(t, err, 400, "InvalidDigest")
	if se.EC != "0017-00000503" {
		t.Errorf("EC = %q", se.EC)
	}
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("bad"), Body: bytes.NewReader(data),
		ContentMD5: oss.Ptr("not-base64")})
	se = wantServiceError(t, err, 400, "InvalidDigest")
	if se.EC != "0017-00000502" {
		t.Errorf("EC = %q", se.EC)
	}
	if _, _, ok := s.Object(testBucket, "bad"); ok || len(s.History(testBucket, "bad")) != 0 {
		t.Error("a body failing its Content-MD5 became visible")
	}
}

func TestMissingKey(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("nope")})
	se := wantServiceError(t, err, 404, "NoSuchKey")
	if se.EC != "0026-00000001" {
		t.Errorf("EC = %q", se.EC)
	}
	// HEAD has no body: the SDK reads the error from x-oss-err.
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("nope")})
	se = wantServiceError(t, err, 404, "NoSuchKey")
	if se.EC != "0026-00000001" {
		t.Errorf("HEAD EC = %q", se.EC)
	}
	// Deleting a missing key succeeds with 204.
	res, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("nope")})
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("delete missing: %v", err)
	}
}

func TestDelete(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	put(t, c, "gone", []byte("x"))
	res, err := c.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("gone")})
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("delete: %v", err)
	}
	if len(s.Keys(testBucket)) != 0 {
		t.Error("object still there")
	}
	if s.Count("DeleteObject", "gone") != 1 || s.Count("PutObject", "") != 1 {
		t.Errorf("counts: delete %d put %d", s.Count("DeleteObject", "gone"), s.Count("PutObject", ""))
	}
}

func TestRangeReads(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(100)
	put(t, c, "r", data)
	for _, tc := range []struct {
		rng        string
		standard   bool
		status     int
		start, end int // inclusive; -1 for an error answer
	}{
		{"bytes=0-9", false, 206, 0, 9},
		{"bytes=90-", false, 206, 90, 99},
		{"bytes=-10", false, 206, 90, 99},
		{"bytes=10-19,30-39", false, 206, 10, 19}, // only the first range
		{"bytes=95-200", false, 200, 0, 99},       // out of bounds: ignored
		{"bytes=95-200", true, 206, 95, 99},       // standard: cut to the end
		{"bytes=100-", false, 200, 0, 99},
		{"bytes=100-", true, 416, -1, -1},
		{"bytes=-200", true, 206, 0, 99},
		{"bites=0-9", true, 200, 0, 99}, // malformed: ignored
	} {
		req := &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("r"), Range: oss.Ptr(tc.rng)}
		if tc.standard {
			req.RangeBehavior = oss.Ptr("standard")
		}
		res, err := c.GetObject(ctx, req)
		if tc.status == 416 {
			wantServiceError(t, err, 416, "InvalidRange")
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.rng, err)
		}
		got, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != tc.status || !bytes.Equal(got, data[tc.start:tc.end+1]) || res.ContentLength != int64(len(got)) {
			t.Errorf("%s standard=%v: status %d, %d bytes", tc.rng, tc.standard, res.StatusCode, len(got))
		}
		wantCR := ""
		if tc.status == 206 {
			wantCR = "bytes " + strconv.Itoa(tc.start) + "-" + strconv.Itoa(tc.end) + "/100"
		}
		if got := oss.ToString(res.ContentRange); got != wantCR {
			t.Errorf("%s: Content-Range %q, want %q", tc.rng, got, wantCR)
		}
		// The CRC header is the whole object's, even for a range.
		if oss.ToString(res.HashCRC64) != crcString(data) {
			t.Errorf("%s: CRC %s", tc.rng, oss.ToString(res.HashCRC64))
		}
	}
}

func TestDeniedPrefix(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	s.Deny(testBucket, "private/")
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("private/x"), Body: strings.NewReader("x")})
	wantServiceError(t, err, 403, "AccessDenied")
	_, err = c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("private/x")})
	wantServiceError(t, err, 403, "AccessDenied")
	_, err = c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("private/sub/")})
	wantServiceError(t, err, 403, "AccessDenied")
	put(t, c, "public/x", []byte("x"))
	if _, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("public/")}); err != nil {
		t.Fatal(err)
	}
}

func TestObjectNames(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	long := strings.Repeat("k", 1023)
	put(t, c, long, []byte("x"))
	for _, tc := range []struct{ key, ec string }{
		{long + "k", "0016-00000003"},
		{"bad\xffutf8", "0016-00000002"},
		{"/leading", "0016-00000005"},
		{"\\leading", "0016-00000005"},
	} {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(tc.key), Body: strings.NewReader("x")})
		se := wantServiceError(t, err, 400, "InvalidObjectName")
		if se.EC != tc.ec {
			t.Errorf("%.20q: EC %q, want %q", tc.key, se.EC, tc.ec)
		}
	}
	// Keys with characters that need escaping in a URL or in XML.
	for _, key := range []string{"a b", "a+b", "a%2Fb", "a?b#c", "x&y<z>", "ünï/cödé", "tab\tkey", "ctl\x01key", "dir//double", "sp!c*a'l(c)h;a:r@s=$,[]~"} {
		put(t, c, key, []byte(key))
		if data, _ := get(t, c, key); string(data) != key {
			t.Errorf("%q: got %q", key, data)
		}
	}
}

func TestFailNext(t *testing.T) {
	s := newTestServer(t)
	s.FailNext("PutObject", 2, 503, "ServiceUnavailable")
	_, err := newClient(s).PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	wantServiceError(t, err, 503, "ServiceUnavailable")

	// The SDK retries a 503; the second failure is used up, the third try stores.
	retrying := newClient(s, func(c *oss.Config) { c.WithRetryMaxAttempts(3) })
	put(t, retrying, "k", []byte("x"))
	if n := s.Count("PutObject", "k"); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
	if h := s.History(testBucket, "k"); len(h) != 1 {
		t.Errorf("History = %+v", h)
	}

	s.FailNext("GetObject", 1, 429, "Throttling")
	_, err = newClient(s).GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
	wantServiceError(t, err, 429, "Throttling")
	get(t, newClient(s), "k")
}

func TestSeed(t *testing.T) {
	s := newTestServer(t)
	mod := time.Date(2021, 3, 4, 5, 6, 7, 0, time.UTC)
	s.Seed(testBucket, "b", []byte("bee"), SeedOptions{ModTime: mod, Meta: map[string]string{"Mtime": "42"}})
	s.Seed(testBucket, "a", []byte("ay"), SeedOptions{})
	if got := s.Keys(testBucket); strings.Join(got, ",") != "a,b" {
		t.Errorf("Keys = %q", got)
	}
	h, err := newClient(s).HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("b")})
	if err != nil {
		t.Fatal(err)
	}
	if !h.LastModified.Equal(mod) || h.Metadata["mtime"] != "42" || h.ContentLength != 3 {
		t.Errorf("head: %v %v %d", h.LastModified, h.Metadata, h.ContentLength)
	}
	if hist := s.History(testBucket, "b"); len(hist) != 1 || hist[0].Op != "Seed" {
		t.Errorf("History = %+v", hist)
	}
}

// TestSDKCRCChecks runs the SDK's own CRC64 verification: PutObject and
// UploadPart compare the server's x-oss-hash-crc64ecma with what they sent,
// GetObjectToFile with what it received.
func TestSDKCRCChecks(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	data := pattern(300 * 1024)
	put(t, c, "crc", data)
	path := filepath.Join(t.TempDir(), "out")
	if _, err := c.GetObjectToFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("crc")}, path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded file differs: %v", err)
	}
	res, err := c.NewDownloader(func(o *oss.DownloaderOptions) { o.PartSize = 64 * 1024; o.ParallelNum = 3 }).
		DownloadFile(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("crc")}, filepath.Join(t.TempDir(), "out2"))
	if err != nil || res.Written != int64(len(data)) {
		t.Fatalf("downloader: %v", err)
	}
}

func TestForbidOverwrite(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	put(t, c, "once", []byte("1"))
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("once"), Body: strings.NewReader("2"), ForbidOverwrite: oss.Ptr("true")})
	wantServiceError(t, err, 409, "FileAlreadyExists")
	put(t, c, "once", []byte("3"))
	if h := s.History(testBucket, "once"); len(h) != 2 {
		t.Errorf("History = %+v", h)
	}
}

func TestConditionalGet(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	res := put(t, c, "cond", []byte("abc"))
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("cond"), IfMatch: oss.Ptr(`"0000"`)})
	wantServiceError(t, err, 412, "PreconditionFailed")
	g, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("cond"), IfMatch: res.ETag})
	if err != nil {
		t.Fatal(err)
	}
	g.Body.Close()
}

func TestUserMetadataRefused(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	putMeta := func(key string, meta map[string]string) error {
		_, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key),
			Body: strings.NewReader("x"), Metadata: meta})
		return err
	}
	// 8 KB of names and values is the most OSS takes.
	full := map[string]string{"a": strings.Repeat("v", 8<<10-1)}
	if err := putMeta("full", full); err != nil {
		t.Fatalf("8 KB of user metadata: %v", err)
	}
	for _, c := range []struct {
		name string
		meta map[string]string
		ec   string
	}{
		{"TooLarge", map[string]string{"a": strings.Repeat("v", 8<<10)}, "0011-00000002"},
		{"Underscore", map[string]string{"file_type": "x"}, "0011-00000004"},
		{"NotASCII", map[string]string{"city": "Zürich"}, "0011-00000005"},
	} {
		t.Run(c.name, func(t *testing.T) {
			se := wantServiceError(t, putMeta("refused", c.meta), 400, "InvalidArgument")
			if se.EC != c.ec {
				t.Errorf("EC = %q, want %s", se.EC, c.ec)
			}
		})
	}
	_, err := c.InitiateMultipartUpload(ctx, &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("refused"),
		Metadata: map[string]string{"a": strings.Repeat("v", 8<<10)}})
	wantServiceError(t, err, 400, "InvalidArgument")
	if _, _, ok := s.Object(testBucket, "refused"); ok || len(s.Uploads(testBucket)) != 0 {
		t.Error("a request with refused metadata left an object or an upload")
	}
}
