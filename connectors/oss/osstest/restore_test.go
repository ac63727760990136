package osstest

import (
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func restoreReq(key string, days int32, tier string) *oss.RestoreObjectRequest {
	req := &oss.RestoreObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)}
	if days > 0 {
		req.RestoreRequest = &oss.RestoreRequest{Days: days}
		if tier != "" {
			req.RestoreRequest.JobParameters = &oss.JobParameters{Tier: oss.Ptr(tier)}
		}
	}
	return req
}

// An archived object goes frozen → restoring → restored as on OSS: 202,
// then 409 while restoring, 200 once restored; GetObject is refused until
// the restore ends, and HEAD and listings tell where it stands.
func TestRestoreLifecycle(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	s.Seed(testBucket, "cold", []byte("frozen"), SeedOptions{StorageClass: "Archive"})
	status := func() string {
		t.Helper()
		h, err := c.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("cold")})
		if err != nil {
			t.Fatalf("head: %v", err)
		}
		if oss.ToString(h.StorageClass) != "Archive" {
			t.Errorf("class %q", oss.ToString(h.StorageClass))
		}
		l, err := c.ListObjectsV2(ctx, &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
		if err != nil || len(l.Contents) != 1 {
			t.Fatalf("list: %v", err)
		}
		if got := oss.ToString(l.Contents[0].RestoreInfo); got != oss.ToString(h.Restore) {
			t.Errorf("RestoreInfo %q, x-oss-restore %q", got, oss.ToString(h.Restore))
		}
		return oss.ToString(h.Restore)
	}
	frozenGet := func() {
		t.Helper()
		_, err := c.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("cold")})
		wantServiceError(t, err, 403, "InvalidObjectState")
	}

	frozenGet()
	if st := status(); st != "" {
		t.Errorf("frozen: x-oss-restore %q", st)
	}
	_, err := c.RestoreObject(ctx, restoreReq("cold", 8, ""))
	wantServiceError(t, err, 400, "InvalidArgument") // Archive keeps a copy 7 days at most
	res, err := c.RestoreObject(ctx, restoreReq("cold", 2, ""))
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("restore: %v", err)
	}
	if st := status(); st != `ongoing-request="true"` {
		t.Errorf("restoring: x-oss-restore %q", st)
	}
	frozenGet()
	_, err = c.RestoreObject(ctx, restoreReq("cold", 2, ""))
	wantServiceError(t, err, 409, "RestoreAlreadyInProgress")

	if n := s.FinishRestores(); n != 1 {
		t.Errorf("FinishRestores ended %d restores, want 1", n)
	}
	if st := status(); !strings.HasPrefix(st, `ongoing-request="false", expiry-date="`) {
		t.Errorf("restored: x-oss-restore %q", st)
	}
	if data, _ := get(t, c, "cold"); string(data) != "frozen" {
		t.Errorf("data = %q", data)
	}
	if res, err = c.RestoreObject(ctx, restoreReq("cold", 0, "")); err != nil || res.StatusCode != 200 {
		t.Errorf("restore of a restored object: %v", err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	s := newTestServer(t)
	c := newClient(s)
	put(t, c, "warm", []byte("warm"))
	s.Seed(testBucket, "deep", []byte("deep"), SeedOptions{StorageClass: "DeepColdArchive"})

	_, err := c.RestoreObject(ctx, restoreReq("warm", 1, ""))
	wantServiceError(t, err, 400, "OperationNotSupported")
	_, err = c.RestoreObject(ctx, restoreReq("missing", 1, ""))
	wantServiceError(t, err, 404, "NoSuchKey")
	_, err = c.RestoreObject(ctx, restoreReq("deep", 1, "Bulk"))
	wantServiceError(t, err, 400, "InvalidArgument") // Deep Cold Archive has no Bulk
	_, err = c.RestoreObject(ctx, restoreReq("deep", 366, "Standard"))
	wantServiceError(t, err, 400, "InvalidArgument")
	if res, err := c.RestoreObject(ctx, restoreReq("deep", 30, "Standard")); err != nil || res.StatusCode != 202 {
		t.Errorf("restore: %v", err)
	}
}
