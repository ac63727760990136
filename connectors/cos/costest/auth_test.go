package costest

import (
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

const (
	testID     = "AKIDcostestSecretId"
	testKey    = "costest-secret-key"
	testRegion = "ap-guangzhou"
	testBucket = "mgw-1250000000"
)

func newTestServer(t *testing.T) *Server {
	t.Helper()
	s := NewServer(Config{SecretID: testID, SecretKey: testKey, Region: testRegion, Buckets: []string{testBucket}})
	t.Cleanup(s.Close)
	s.Seed(testBucket, "dir/file.txt", []byte("0123456789"), SeedOptions{})
	return s
}

// errorDoc is COS's XML error document.
type errorDoc struct {
	Code, Message, Resource, RequestId, TraceId string
}

// send signs req as the SDK does (unless sign is nil), lets edit change
// it afterwards, and returns the status and the parsed error document.
func send(t *testing.T, s *Server, req *http.Request, sign *cos.AuthTime, id, key string, edit func(*http.Request)) (int, errorDoc, http.Header) {
	t.Helper()
	if sign != nil {
		cos.AddAuthorizationHeader(id, key, "", req, sign)
	}
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc errorDoc
	if resp.StatusCode >= 300 {
		if err := xml.Unmarshal(body, &doc); err != nil {
			t.Fatalf("status %d with a body that is not COS's XML error: %q", resp.StatusCode, body)
		}
		if doc.RequestId == "" || doc.RequestId != resp.Header.Get("x-cos-request-id") {
			t.Errorf("RequestId %q, header x-cos-request-id %q", doc.RequestId, resp.Header.Get("x-cos-request-id"))
		}
	}
	return resp.StatusCode, doc, resp.Header
}

// get is a GET of dir/file.txt, virtual-hosted, with a signed Range.
func get(t *testing.T, s *Server, host string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL()+"/dir%2Ffile.txt?response-content-type=text%2Fplain", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	req.Header.Set("Range", "bytes=2-4")
	return req
}

const vhost = testBucket + ".cos." + testRegion + ".myqcloud.com"

func TestSignature(t *testing.T) {
	s := newTestServer(t)
	now := cos.NewAuthTime(time.Hour)
	for _, c := range []struct {
		name         string
		host         string
		sign         *cos.AuthTime
		id, key      string
		edit         func(*http.Request)
		status       int
		code, msgHas string
	}{
		{"valid", vhost, now, testID, testKey, nil, 206, "", ""},
		{"unsigned", vhost, nil, "", "", nil, 403, "AccessDenied", "Access Denied"},
		{"unknown SecretId", vhost, now, "AKIDother", testKey, nil, 403, "InvalidAccessKeyId", "does not exist"},
		{"wrong SecretKey", vhost, now, testID, "wrong", nil, 403, "SignatureDoesNotMatch", "signature"},
		{"signed header changed", vhost, now, testID, testKey, func(r *http.Request) { r.Header.Set("Range", "bytes=0-9") }, 403, "SignatureDoesNotMatch", ""},
		{"signed parameter changed", vhost, now, testID, testKey, func(r *http.Request) { r.URL.RawQuery = "response-content-type=text%2Fhtml" }, 403, "SignatureDoesNotMatch", ""},
		{"path changed", vhost, now, testID, testKey, func(r *http.Request) { r.URL.Path = "/dir/other.txt"; r.URL.RawPath = "" }, 403, "SignatureDoesNotMatch", ""},
		{"expired", vhost, &cos.AuthTime{SignStartTime: time.Now().Add(-2 * time.Hour), SignEndTime: time.Now().Add(-time.Hour), KeyStartTime: time.Now().Add(-2 * time.Hour), KeyEndTime: time.Now().Add(-time.Hour)}, testID, testKey, nil, 403, "AccessDenied", "expired"},
		{"not sha1", vhost, now, testID, testKey, func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "q-sign-algorithm=sha1", "q-sign-algorithm=md5", 1))
		}, 400, "InvalidArgument", "sha1"},
		{"field missing", vhost, now, testID, testKey, func(r *http.Request) {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, "&q-signature=")])
		}, 403, "AccessDenied", "Authorization"},
		{"other region", testBucket + ".cos.ap-beijing.myqcloud.com", now, testID, testKey, nil, 404, "NoSuchBucket", ""},
		{"no such bucket", "other-1250000000.cos." + testRegion + ".myqcloud.com", now, testID, testKey, nil, 404, "NoSuchBucket", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, doc, h := send(t, s, get(t, s, c.host), c.sign, c.id, c.key, c.edit)
			if status != c.status || doc.Code != c.code || !strings.Contains(doc.Message, c.msgHas) {
				t.Errorf("got %d %s %q, want %d %s containing %q", status, doc.Code, doc.Message, c.status, c.code, c.msgHas)
			}
			if c.status == 206 && h.Get("Content-Range") != "bytes 2-4/10" {
				t.Errorf("Content-Range %q", h.Get("Content-Range"))
			}
		})
	}
}

func TestPathStyle(t *testing.T) {
	s := newTestServer(t)
	req, err := http.NewRequest(http.MethodHead, s.URL()+"/"+testBucket+"/dir%2Ffile.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "cos." + testRegion + ".myqcloud.com"
	if status, _, h := send(t, s, req, cos.NewAuthTime(time.Minute), testID, testKey, nil); status != 200 || h.Get("Content-Length") != "10" {
		t.Errorf("path-style HEAD: %d, Content-Length %q", status, h.Get("Content-Length"))
	}
}

func TestFailNextAndDeny(t *testing.T) {
	s := newTestServer(t)
	s.FailNext("GetObject", 1, 503, "SlowDown")
	if status, doc, _ := send(t, s, get(t, s, vhost), cos.NewAuthTime(time.Hour), testID, testKey, nil); status != 503 || doc.Code != "SlowDown" {
		t.Errorf("injected: %d %s", status, doc.Code)
	}
	if status, _, _ := send(t, s, get(t, s, vhost), cos.NewAuthTime(time.Hour), testID, testKey, nil); status != 206 {
		t.Errorf("after the injected failure: %d", status)
	}
	s.Deny(testBucket, "dir/")
	if status, doc, _ := send(t, s, get(t, s, vhost), cos.NewAuthTime(time.Hour), testID, testKey, nil); status != 403 || doc.Code != "AccessDenied" {
		t.Errorf("denied: %d %s", status, doc.Code)
	}
	if n := s.Count("GetObject"); n != 3 {
		t.Errorf("Count(GetObject) = %d, want 3", n)
	}
}
