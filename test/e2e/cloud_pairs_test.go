package e2e

import (
	"bytes"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
)

// The cloud-to-cloud pairs the other files do not run through the binary:
// each copies pairFiles whole, byte for byte, with no failure, and a second
// run finds every object unchanged.

// bigKey is more than the agent's single-request limit (8 MiB): it goes in
// parts, whatever the job's part size.
const bigKey = "big/multipart.bin"

// pairFiles is nasFiles' tree (nested keys, spaces, UTF-8) plus an empty
// object and bigKey.
func pairFiles(seed uint64) map[string][]byte {
	files := nasFiles(seed)
	files["empty/zero.txt"] = []byte{}
	files[bigKey] = randomBytes(seed+200, 9<<20+5)
	return files
}

// wantTwoCleanRuns runs the job twice: the first copies all n objects and
// fails none, the second finds all n unchanged and copies nothing.
func (s *setup) wantTwoCleanRuns(t *testing.T, jobName string, n int) {
	t.Helper()
	r := s.mgw(t, "run", jobName)
	wantExit(t, r, 0)
	wantCopied(t, r, n)
	wantCount(t, r, "failed", 0)
	if f := s.failed(t, jobName); len(f) != 0 {
		t.Errorf("failed list after the first run: %v", f)
	}
	r = s.mgw(t, "run", jobName)
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
	wantCount(t, r, "unchanged", n)
	wantCount(t, r, "failed", 0)
	if f := s.failed(t, jobName); len(f) != 0 {
		t.Errorf("failed list after the second run: %v", f)
	}
}

// wantS3Multipart checks versitygw holds key as a multipart upload: its
// ETag ends in the part count.
func wantS3Multipart(t *testing.T, cli *s3.Client, bkt, key string) {
	t.Helper()
	out, err := cli.HeadObject(t.Context(), &s3.HeadObjectInput{Bucket: &bkt, Key: aws.String(key)})
	if err != nil {
		t.Fatalf("head %s: %v", key, err)
	}
	if etag := aws.ToString(out.ETag); !strings.Contains(etag, "-") {
		t.Errorf("%s: ETag %s is not a multipart upload's", key, etag)
	}
}

// versitygw (S3) -> OSS test server.
func TestS3ToOSS(t *testing.T) {
	files := pairFiles(10)
	cli, src := newS3Bucket(t)
	for k, b := range files {
		if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &src, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	dst := newOSS(t)
	s := newSetup(t)
	s.write(t, []address{s3Addr("src", src), ossAddr("dst", dst)}, newJob("s3-to-oss", "src", "dst"))
	s.wantTwoCleanRuns(t, "s3-to-oss", len(files))
	wantBucketHolds(t, dst, files)
	if keys := dst.Keys(bucket); len(keys) != len(files) {
		t.Errorf("the bucket holds %d objects, want %d", len(keys), len(files))
	}
	if parts := dst.PartUploads(bucket, bigKey); len(parts) < 2 {
		t.Errorf("%s went in %d parts, want several", bigKey, len(parts))
	}
}

// fake-gcs-server -> versitygw (S3).
func TestFakeGCSToS3(t *testing.T) {
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	files := pairFiles(20)
	src := newGCSBucket(t, files)
	cli, dst := newS3Bucket(t)
	s := newSetup(t)
	gcs := address{Name: "src", Type: "gcs", Endpoint: gcsEndpoint, Bucket: src, KeyFile: gcsKeyFile(t, tokens, s.dir, false)}
	s.write(t, []address{gcs, s3Addr("dst", dst)}, newJob("gcs-to-s3", "src", "dst"))
	s.wantTwoCleanRuns(t, "gcs-to-s3", len(files))
	wantS3Objects(t, cli, dst, files)
	wantS3Multipart(t, cli, dst, bigKey)
}

// An HTTP URL list -> versitygw (S3): the names in the list are the keys.
func TestHTTPListToS3(t *testing.T) {
	files := pairFiles(30)
	web := urlServer(t, files)
	var list strings.Builder
	for k := range files {
		list.WriteString(web.URL + (&url.URL{Path: "/" + k}).EscapedPath() + "\t" + k + "\n")
	}
	cli, dst := newS3Bucket(t)
	s := newSetup(t)
	writeFile(t, filepath.Join(s.dir, "urls.tsv"), []byte(list.String()))
	urls := address{Name: "urls", Type: "httplist", ListFile: "urls.tsv"}
	s.write(t, []address{urls, s3Addr("dst", dst)}, newJob("urls-to-s3", "urls", "dst"))
	s.wantTwoCleanRuns(t, "urls-to-s3", len(files))
	wantS3Objects(t, cli, dst, files)
	wantS3Multipart(t, cli, dst, bigKey)
}
