package costest

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// sdkClient is the COS SDK talking to s as to the bucket's COS host.
func sdkClient(t *testing.T, s *Server) *cos.Client {
	t.Helper()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{SecretID: testID, SecretKey: testKey}})
	c.Host = testBucket + ".cos." + testRegion + ".myqcloud.com"
	c.Conf.RetryOpt.Count = 1
	return c
}

func wantCOSError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var er *cos.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		t.Fatalf("error %v, want %d %s", err, status, code)
	}
	if er.Response.StatusCode != status || er.Code != code {
		t.Errorf("answer %d %s, want %d %s", er.Response.StatusCode, er.Code, status, code)
	}
}

func restoreOpt(days int, tier string) *cos.ObjectRestoreOptions {
	return &cos.ObjectRestoreOptions{Days: days, Tier: &cos.CASJobParameters{Tier: tier}}
}

// An archived object goes frozen → restoring → restored: 202, then 409
// while restoring, 200 once restored; GET is refused until the restore
// ends and HEAD's x-cos-restore tells where it stands.
func TestRestoreLifecycle(t *testing.T) {
	s := newTestServer(t)
	c := sdkClient(t, s)
	ctx := t.Context()
	s.Seed(testBucket, "cold", []byte("frozen"), SeedOptions{StorageClass: "ARCHIVE"})
	head := func() string {
		t.Helper()
		resp, err := c.Object.Head(ctx, "cold", nil)
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		if got := resp.Header.Get("x-cos-storage-class"); got != "ARCHIVE" {
			t.Errorf("class %q", got)
		}
		return resp.Header.Get("x-cos-restore")
	}
	frozenGet := func() {
		t.Helper()
		_, err := c.Object.Get(ctx, "cold", nil)
		wantCOSError(t, err, 403, "InvalidObjectState")
	}

	frozenGet()
	if h := head(); h != "" {
		t.Errorf("frozen: x-cos-restore %q", h)
	}
	resp, err := c.Object.PostRestore(ctx, "cold", restoreOpt(2, "Standard"))
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("restore: %v", err)
	}
	if h := head(); h != `ongoing-request="true"` {
		t.Errorf("restoring: x-cos-restore %q", h)
	}
	frozenGet()
	_, err = c.Object.PostRestore(ctx, "cold", restoreOpt(2, "Standard"))
	wantCOSError(t, err, 409, "RestoreAlreadyInProgress")

	if n := s.FinishRestores(); n != 1 {
		t.Errorf("FinishRestores ended %d restores, want 1", n)
	}
	if h := head(); !strings.HasPrefix(h, `ongoing-request="false", expiry-date="`) {
		t.Errorf("restored: x-cos-restore %q", h)
	}
	got, err := c.Object.Get(ctx, "cold", nil)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(data) != "frozen" {
		t.Errorf("data %q", data)
	}
	if resp, err = c.Object.PostRestore(ctx, "cold", restoreOpt(3, "Bulk")); err != nil || resp.StatusCode != 200 {
		t.Errorf("restore of a restored object: %v", err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	s := newTestServer(t)
	c := sdkClient(t, s)
	ctx := t.Context()
	s.Seed(testBucket, "deep", []byte("deep"), SeedOptions{StorageClass: "DEEP_ARCHIVE"})

	_, err := c.Object.PostRestore(ctx, "dir/file.txt", restoreOpt(1, "Standard"))
	wantCOSError(t, err, 405, "MethodNotAllowed")
	_, err = c.Object.PostRestore(ctx, "missing", restoreOpt(1, "Standard"))
	wantCOSError(t, err, 404, "NoSuchKey")
	_, err = c.Object.PostRestore(ctx, "deep", restoreOpt(1, "Expedited"))
	wantCOSError(t, err, 400, "InvalidArgument") // DEEP_ARCHIVE has no Expedited mode
	_, err = c.Object.PostRestore(ctx, "deep", &cos.ObjectRestoreOptions{})
	wantCOSError(t, err, 400, "InvalidArgument") // Days is required

	// Signed, but without the Content-MD5 COS requires of the body.
	body := `<RestoreRequest><Days>1</Days></RestoreRequest>`
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/"+testBucket+"/deep?restore", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	status, doc, _ := send(t, s, req, cos.NewAuthTime(time.Minute), testID, testKey, nil)
	if status != 400 || doc.Code != "MissingContentMD5" {
		t.Errorf("restore without Content-MD5: %d %s", status, doc.Code)
	}
	// And a wrong secret is refused before anything else.
	req, _ = http.NewRequest(http.MethodPost, s.URL()+"/"+testBucket+"/deep?restore", strings.NewReader(body))
	if status, doc, _ = send(t, s, req, cos.NewAuthTime(time.Minute), testID, "wrong", nil); status != 403 || doc.Code != "SignatureDoesNotMatch" {
		t.Errorf("restore with a wrong secret: %d %s", status, doc.Code)
	}
	if resp, err := c.Object.PostRestore(ctx, "deep", restoreOpt(1, "")); err != nil || resp.StatusCode != 202 {
		t.Errorf("restore at the default tier: %v", err)
	}
}
