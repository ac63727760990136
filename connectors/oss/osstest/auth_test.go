package osstest

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

func TestGetBucketInfo(t *testing.T) {
	s := newTestServer(t)
	res, err := newClient(s).GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	if err != nil {
		t.Fatal(err)
	}
	if got := oss.ToString(res.BucketInfo.Name); got != testBucket {
		t.Errorf("Name = %q", got)
	}
	// "GetBucketInfo": Location is the region prefixed with "oss-".
	if got := oss.ToString(res.BucketInfo.Location); got != "oss-"+testRegion {
		t.Errorf("Location = %q", got)
	}
	if got := oss.ToString(res.BucketInfo.ACL); got != "private" {
		t.Errorf("ACL = %q", got)
	}
	if n := s.Count("GetBucketInfo", ""); n != 1 {
		t.Errorf("Count = %d", n)
	}
}

func TestBadAccessKeyID(t *testing.T) {
	s := newTestServer(t)
	_, err := newClient(s, withCredentials("LTAI5tUnknownKey0000009", testSecret)).
		GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	se := wantServiceError(t, err, 403, "InvalidAccessKeyId")
	if se.EC != "0002-00000902" || se.Headers.Get("x-oss-ec") != se.EC {
		t.Errorf("EC = %q, header %q", se.EC, se.Headers.Get("x-oss-ec"))
	}
}

func TestBadSecret(t *testing.T) {
	s := newTestServer(t)
	_, err := newClient(s, withCredentials(testKeyID, "not-the-secret")).
		PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("a"), Body: strings.NewReader("x")})
	se := wantServiceError(t, err, 403, "SignatureDoesNotMatch")
	if strings.Contains(string(se.Snapshot), testSecret) || strings.Contains(string(se.Snapshot), "not-the-secret") {
		t.Error("error body holds a secret")
	}
	if len(s.Keys(testBucket)) != 0 {
		t.Error("refused put stored an object")
	}
}

func TestWrongRegion(t *testing.T) {
	s := newTestServer(t)
	_, err := newClient(s, func(c *oss.Config) { c.WithRegion("cn-beijing") }).
		GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	// As OSS answers a V4 signature scoped to another region (EC 0002-00000226).
	se := wantServiceError(t, err, 400, "InvalidArgument")
	if se.EC != "0002-00000226" {
		t.Errorf("EC = %q", se.EC)
	}
}

func TestRequestTimeTooSkewed(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	// The SDK signs with the time given in x-oss-date (client.go, sendRequest).
	at := func(d time.Duration) map[string]string {
		return map[string]string{"x-oss-date": time.Now().Add(d).UTC().Format(http.TimeFormat)}
	}
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("late"), Body: strings.NewReader("x"),
		RequestCommon: oss.RequestCommon{Headers: at(-20 * time.Minute)},
	})
	wantServiceError(t, err, 403, "RequestTimeTooSkewed")
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("early"), Body: strings.NewReader("x"),
		RequestCommon: oss.RequestCommon{Headers: at(20 * time.Minute)},
	})
	wantServiceError(t, err, 403, "RequestTimeTooSkewed")
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("fine"), Body: strings.NewReader("x"),
		RequestCommon: oss.RequestCommon{Headers: at(-10 * time.Minute)},
	})
	if err != nil {
		t.Fatalf("10 minutes off must pass: %v", err)
	}
	if got := s.Keys(testBucket); len(got) != 1 || got[0] != "fine" {
		t.Errorf("keys = %q", got)
	}
}

func TestAnonymousRequestDenied(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s, func(c *oss.Config) { c.WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider()) })
	_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
	wantServiceError(t, err, 403, "AccessDenied")
}

func TestNoSuchBucket(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	_, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr("missing-bucket")})
	se := wantServiceError(t, err, 404, "NoSuchBucket")
	if se.EC != "0015-00000101" {
		t.Errorf("EC = %q", se.EC)
	}
	_, err = c.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("missing-bucket"), Key: oss.Ptr("k"), Body: strings.NewReader("x")})
	wantServiceError(t, err, 404, "NoSuchBucket")
	_, err = c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr("missing-bucket"), Key: oss.Ptr("k")})
	wantServiceError(t, err, 404, "NoSuchBucket")
}

func TestSignatureV1(t *testing.T) {
	s := newTestServer(t)
	v1 := func(c *oss.Config) { c.WithSignatureVersion(oss.SignatureVersionV1) }
	c := newClient(s, v1)
	put(t, c, "dir/a b+c", []byte("v1 data"))
	if data, _ := get(t, c, "dir/a b+c"); string(data) != "v1 data" {
		t.Errorf("data = %q", data)
	}
	res, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("dir/"), MaxKeys: 10})
	if err != nil || len(res.Contents) != 1 {
		t.Fatalf("list: %v", err)
	}
	_, err = newClient(s, v1, withCredentials(testKeyID, "wrong")).
		GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	wantServiceError(t, err, 403, "SignatureDoesNotMatch")
}

// TestVirtualHostedStyle reaches the server as bucket.oss-test.example:PORT,
// the SDK's default URL style, with every connection dialled to the server.
func TestVirtualHostedStyle(t *testing.T) {
	s := newTestServer(t)
	u, _ := url.Parse(s.URL())
	var d net.Dialer
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, u.Host)
		},
	}}
	c := newClient(s, func(c *oss.Config) {
		c.WithEndpoint("http://oss-test.example:" + u.Port()).WithUsePathStyle(false).WithHttpClient(hc)
	})
	put(t, c, "v/h", []byte("hosted"))
	data, _ := get(t, c, "v/h")
	if string(data) != "hosted" {
		t.Errorf("data = %q", data)
	}
	if got, _, ok := s.Object(testBucket, "v/h"); !ok || !bytes.Equal(got, data) {
		t.Error("object not stored under the bucket named by the host")
	}
	if _, err := c.GetBucketInfo(ctx, &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)}); err != nil {
		t.Fatal(err)
	}
}

func TestHandlerHookSeesAuthenticatedRequests(t *testing.T) {
	s := newTestServer(t)
	var mu sync.Mutex
	var calls []string
	s.SetHandlerHook(func(op, bucket, key string) {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, op+" "+bucket+" "+key)
	})
	c := newClient(s)
	put(t, c, "h", []byte("x"))
	_, err := newClient(s, withCredentials(testKeyID, "wrong")).
		DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("h")})
	wantServiceError(t, err, 403, "SignatureDoesNotMatch")
	want := []string{"PutObject " + testBucket + " h"}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(calls, "|") != strings.Join(want, "|") {
		t.Errorf("hook calls = %q, want %q", calls, want)
	}
	// The refused request still counts.
	if n := s.Count("DeleteObject", "h"); n != 1 {
		t.Errorf("Count = %d", n)
	}
}

// TestAdditionalHeaders signs optional headers too, named in the
// Authorization header's AdditionalHeaders.
func TestAdditionalHeaders(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s, func(c *oss.Config) {
		c.WithAdditionalHeaders([]string{"content-disposition", "content-length", "host"})
	})
	_, err := c.PutObject(ctx, &oss.PutObjectRequest{
		Bucket: oss.Ptr(testBucket), Key: oss.Ptr("add"), Body: strings.NewReader("data"),
		ContentDisposition: oss.Ptr("attachment"),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, g := get(t, c, "add")
	if g.Headers.Get("Content-Disposition") != "attachment" {
		t.Errorf("Content-Disposition %q", g.Headers.Get("Content-Disposition"))
	}

	// A signed optional header changed on the way is caught; unsigned, it
	// would not be.
	for _, signed := range []bool{true, false} {
		req, err := http.NewRequest("PUT", s.URL()+"/"+testBucket+"/add2", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Disposition", "inline")
		sc := &signer.SigningContext{
			Product: oss.Ptr("oss"), Region: oss.Ptr(testRegion), Bucket: oss.Ptr(testBucket), Key: oss.Ptr("add2"),
			Request: req, Credentials: &credentials.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
		}
		if signed {
			sc.AdditionalHeaders = []string{"content-disposition"}
		}
		if err := (&signer.SignerV4{}).Sign(ctx, sc); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(req.Header.Get("Authorization"), "AdditionalHeaders=content-disposition"); got != signed {
			t.Fatalf("Authorization %q", req.Header.Get("Authorization"))
		}
		req.Header.Set("Content-Disposition", "attachment")
		status, _, body := doRaw(t, req)
		if want := map[bool]int{true: 403, false: 200}[signed]; status != want {
			t.Errorf("signed=%v: status %d, want %d: %s", signed, status, want, body)
		}
	}
}
