package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors/conformance"
)

// The S3 test server started by test/servers/versitygw.sh.
const (
	s3Host   = "127.0.0.1:7070"
	s3KeyID  = "testkey"
	s3Secret = "testsecret"
)

// A run of small and multipart files to S3 (versitygw), then a second run
// that finds nothing to copy.
func TestS3(t *testing.T) {
	conformance.RequireServer(t, s3Host)
	cli := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + s3Host),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s3KeyID, s3Secret, ""),
	})
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix)
	name := "mgw-e2e-" + hex.EncodeToString(suffix)
	if _, err := cli.CreateBucket(t.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}

	s := newSetup(t)
	files := map[string][]byte{}
	for i := range 20 {
		files[fmt.Sprintf("small/%02d.dat", i)] = randomBytes(uint64(i), 1+i*997)
	}
	// S3 parts are at least 5 MiB: these go in 3 parts each.
	files["big-1.bin"] = randomBytes(500, 12<<20+3)
	files["deep/big-2.bin"] = randomBytes(501, 9<<20)
	for k, b := range files {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", name)}, newJob("to-s3", "src", "dst"))

	r := s.mgw(t, "run", "to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantS3Objects(t, cli, name, files)
	ups, err := cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &name})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) > 0 {
		t.Errorf("%d multipart uploads left open", len(ups.Uploads))
	}

	r = s.mgw(t, "run", "to-s3")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
}

// wantCopied checks the report printed by mgw run counts n files copied.
func wantCopied(t *testing.T, r result, n int) {
	t.Helper()
	wantCount(t, r, "copied and verified", n)
}

// wantCount checks the line label of the report printed by mgw run
// counts n files.
func wantCount(t *testing.T, r result, label string, n int) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `\s+(\d+)\b`).FindStringSubmatch(r.stdout)
	if m == nil || m[1] != fmt.Sprint(n) {
		t.Errorf("want the report to say %s %d:\n%s", label, n, r)
	}
}

// s3Addr is the versitygw bucket bkt as an address.
func s3Addr(name, bkt string) address {
	return address{Name: name, Type: "s3", Endpoint: "http://" + s3Host, Region: "us-east-1", Bucket: bkt,
		PathStyle: true, AccessKeyID: s3KeyID, AccessKeySecret: s3Secret}
}

// wantS3Objects checks every file is in the S3 bucket with its bytes.
func wantS3Objects(t *testing.T, cli *s3.Client, bkt string, files map[string][]byte) {
	t.Helper()
	for key, want := range files {
		out, err := cli.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bkt, Key: aws.String(key)})
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: read %d bytes (%v), want %d bytes of the source", key, len(got), err, len(want))
		}
	}
}
