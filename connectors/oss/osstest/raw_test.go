package osstest

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// signedRequest builds a request to /bucket/key?query signed by the SDK's
// own V4 signer, for tests that send it with plain net/http.
func signedRequest(t *testing.T, s *Server, method, bucket, key, query string, body []byte, header map[string]string) *http.Request {
	t.Helper()
	u := s.URL() + "/" + bucket + "/" + key
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	sc := &signer.SigningContext{
		Product:     oss.Ptr("oss"),
		Region:      oss.Ptr(testRegion),
		Bucket:      oss.Ptr(bucket),
		Request:     req,
		Credentials: &credentials.Credentials{AccessKeyID: testKeyID, AccessKeySecret: testSecret},
	}
	if key != "" {
		sc.Key = oss.Ptr(key)
	}
	if err := (&signer.SignerV4{}).Sign(ctx, sc); err != nil {
		t.Fatal(err)
	}
	return req
}

type errorDoc struct {
	Code      string
	Message   string
	RequestID string `xml:"RequestId"`
	HostID    string `xml:"HostId"`
	EC        string
}

var requestIDPattern = regexp.MustCompile(`^[0-9A-F]{24}$`)

// checkErrorDoc checks an OSS error answer: status, XML body with Code,
// Message, RequestId (the x-oss-request-id header), HostId, and the EC in
// both body and x-oss-ec header.
func checkErrorDoc(t *testing.T, req *http.Request, status int, h http.Header, body []byte, wantStatus int, wantCode, wantEC string) errorDoc {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d, want %d: %s", status, wantStatus, body)
	}
	var doc errorDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("body is not an XML error: %v: %s", err, body)
	}
	id := h.Get("x-oss-request-id")
	if !requestIDPattern.MatchString(id) || doc.RequestID != id {
		t.Errorf("request id: header %q, body %q", id, doc.RequestID)
	}
	if doc.Code != wantCode || doc.Message == "" || doc.HostID != req.Host {
		t.Errorf("Code %q Message %q HostId %q", doc.Code, doc.Message, doc.HostID)
	}
	if doc.EC != wantEC || h.Get("x-oss-ec") != wantEC {
		t.Errorf("EC: body %q, header %q, want %q", doc.EC, h.Get("x-oss-ec"), wantEC)
	}
	if h.Get("Content-Type") != "application/xml" {
		t.Errorf("Content-Type %q", h.Get("Content-Type"))
	}
	if strings.Contains(string(body), testSecret) {
		t.Error("error body holds the secret")
	}
	return doc
}

func TestRawSignedRequest(t *testing.T) {
	s := newTestServer(t)
	req := signedRequest(t, s, "PUT", testBucket, "raw", "", []byte("hello"), map[string]string{"x-oss-meta-a": "1"})
	status, _, body := doRaw(t, req)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	if data, meta, ok := s.Object(testBucket, "raw"); !ok || string(data) != "hello" || meta["a"] != "1" {
		t.Errorf("stored %q %v", data, meta)
	}
}

func TestRawTamperedSignature(t *testing.T) {
	s := newTestServer(t)
	req := signedRequest(t, s, "GET", testBucket, "", "bucketInfo", nil, nil)
	auth := req.Header.Get("Authorization")
	last := auth[len(auth)-1]
	flipped := byte('0')
	if last == '0' {
		flipped = '1'
	}
	req.Header.Set("Authorization", auth[:len(auth)-1]+string(flipped))
	status, h, body := doRaw(t, req)
	checkErrorDoc(t, req, status, h, body, 403, "SignatureDoesNotMatch", "0002-00000201")
	var detail struct {
		StringToSign     string
		CanonicalRequest string
	}
	if err := xml.Unmarshal(body, &detail); err != nil || !strings.HasPrefix(detail.StringToSign, "OSS4-HMAC-SHA256\n") ||
		!strings.HasPrefix(detail.CanonicalRequest, "GET\n/"+testBucket+"/\nbucketInfo\n") {
		t.Errorf("no StringToSign or CanonicalRequest in %s", body)
	}
}

func TestRawTamperedRequest(t *testing.T) {
	s := newTestServer(t)
	// A signed header changed after signing.
	req := signedRequest(t, s, "PUT", testBucket, "k", "", []byte("x"), map[string]string{"x-oss-meta-a": "1"})
	req.Header.Set("x-oss-meta-a", "2")
	status, h, body := doRaw(t, req)
	checkErrorDoc(t, req, status, h, body, 403, "SignatureDoesNotMatch", "0002-00000201")

	// A query parameter changed after signing.
	req = signedRequest(t, s, "GET", testBucket, "", "list-type=2&max-keys=5", nil, nil)
	req.URL.RawQuery = "list-type=2&max-keys=6"
	status, h, body = doRaw(t, req)
	checkErrorDoc(t, req, status, h, body, 403, "SignatureDoesNotMatch", "0002-00000201")

	// The path changed after signing.
	req = signedRequest(t, s, "GET", testBucket, "k1", "", nil, nil)
	req.URL.Path = "/" + testBucket + "/k2"
	status, h, body = doRaw(t, req)
	checkErrorDoc(t, req, status, h, body, 403, "SignatureDoesNotMatch", "0002-00000201")
	if len(s.Keys(testBucket)) != 0 {
		t.Error("a refused request stored something")
	}
}

func TestRawUnsigned(t *testing.T) {
	s := newTestServer(t)
	req, _ := http.NewRequest("GET", s.URL()+"/"+testBucket+"/k", nil)
	status, h, body := doRaw(t, req)
	checkErrorDoc(t, req, status, h, body, 403, "AccessDenied", "0003-00000001")
}

func TestRawHeadError(t *testing.T) {
	s := newTestServer(t)
	req := signedRequest(t, s, "HEAD", testBucket, "missing", "", nil, nil)
	status, h, body := doRaw(t, req)
	if status != 404 || len(body) != 0 {
		t.Fatalf("status %d, %d body bytes", status, len(body))
	}
	doc, err := base64.StdEncoding.DecodeString(h.Get("x-oss-err"))
	if err != nil {
		t.Fatal(err)
	}
	checkErrorDoc(t, req, status, h, doc, 404, "NoSuchKey", "0026-00000001")
}

// TestRawListEncoding pins the wire form of encoding-type=url: every byte
// but unreserved characters percent-encoded, "/" included.
func TestRawListEncoding(t *testing.T) {
	s := newTestServer(t)
	s.Seed(testBucket, "a/b c+d", nil, SeedOptions{})
	req := signedRequest(t, s, "GET", testBucket, "", "list-type=2&encoding-type=url", nil, nil)
	status, _, body := doRaw(t, req)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	for _, want := range []string{"<Key>a%2Fb%20c%2Bd</Key>", "<EncodingType>url</EncodingType>", "<KeyCount>1</KeyCount>", "<MaxKeys>100</MaxKeys>"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %s in %s", want, body)
		}
	}
}

// TestRawTruncatedBody sends a PutObject whose body stops short of its
// Content-Length: nothing may become visible.
func TestRawTruncatedBody(t *testing.T) {
	s := newTestServer(t)
	req := signedRequest(t, s, "PUT", testBucket, "partial", "", []byte("0123456789"), nil)
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req.ContentLength = 100
	// Write fails on the short body after buffering headers and 10 bytes,
	// which are then sent before the client stops sending.
	bw := bufio.NewWriter(conn)
	if err := req.Write(bw); err == nil {
		t.Fatal("short body written without error")
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(body), "<Code>IncompleteBody</Code>") {
		t.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if len(s.Keys(testBucket)) != 0 || len(s.History(testBucket, "partial")) != 0 {
		t.Error("a partial body became visible")
	}
}
