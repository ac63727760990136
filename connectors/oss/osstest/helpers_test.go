package osstest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

const (
	testKeyID  = "LTAI5tTestKeyID00000001"
	testSecret = "TestSecret0000000000000000000x"
	testRegion = "cn-hangzhou"
	testBucket = "mgw-test"
)

var ctx = context.Background()

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(Config{
		AccessKeyID:     testKeyID,
		AccessKeySecret: testSecret,
		Region:          testRegion,
		Buckets:         []string{testBucket, "other-bucket"},
	})
	t.Cleanup(s.Close)
	return s
}

// newClient is the SDK client as mgw configures it: static credentials,
// path style, the server's URL as endpoint. Retries are off unless a test
// turns them on, so each call is one request.
func newClient(s *Server, edit ...func(*oss.Config)) *oss.Client {
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(testKeyID, testSecret)).
		WithRegion(testRegion).
		WithEndpoint(s.URL()).
		WithUsePathStyle(true).
		WithRetryMaxAttempts(1)
	for _, e := range edit {
		e(cfg)
	}
	return oss.NewClient(cfg)
}

func withCredentials(id, secret string) func(*oss.Config) {
	return func(c *oss.Config) {
		c.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(id, secret))
	}
}

// wantServiceError checks that err is the OSS error status/code and that
// it carries a request ID, and returns it.
func wantServiceError(t *testing.T, err error, status int, code string) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want service error %d %s", err, status, code)
	}
	if se.StatusCode != status || se.Code != code {
		t.Fatalf("got %d %s (%s), want %d %s", se.StatusCode, se.Code, se.Message, status, code)
	}
	if se.RequestID == "" || se.Headers.Get("x-oss-request-id") != se.RequestID {
		t.Fatalf("request id %q, header %q", se.RequestID, se.Headers.Get("x-oss-request-id"))
	}
	return se
}

func put(t *testing.T, c *oss.Client, key string, data []byte) *oss.PutObjectResult {
	t.Helper()
	res, err := c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data)})
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return res
}

func get(t *testing.T, c *oss.Client, key string) ([]byte, *oss.GetObjectResult) {
	t.Helper()
	res, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return data, res
}

func crcOf(data []byte) uint64 { return crc64.Checksum(data, crc64.MakeTable(crc64.ECMA)) }

func crcString(data []byte) string { return strconv.FormatUint(crcOf(data), 10) }

func md5ETag(data []byte) string {
	sum := md5.Sum(data)
	return `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
}

// pattern returns n bytes that differ from one offset to the next, so a
// range or part in the wrong place shows.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// doRaw sends req with a plain HTTP client and returns status, headers and
// body.
func doRaw(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, body
}
