package e2e

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// An S3 source listed by prefix in parallel: more folders than the walk
// queues, deep and wide, with names that need escaping in a listing. Every
// object is listed exactly once: the run scans and copies exactly the
// bucket's objects, and the destination folder holds nothing else.
func TestS3ParallelListing(t *testing.T) {
	cli, src := newS3Bucket(t)
	files := map[string][]byte{}
	odd := []string{"sp ace", "pct%2Fx", "plus+amp&", "é ü", "q?h#", "semi;colon", "tab\tx", "lt<gt>"}
	for i := range 300 { // the walk queues 256 prefixes: some overflow
		files[fmt.Sprintf("wide/%03d/%s.txt", i, odd[i%len(odd)])] = randomBytes(uint64(i), i%50)
	}
	for i, n := range odd {
		files[fmt.Sprintf("deep/%s/a/b/%s/c/%d", n, n, i)] = randomBytes(uint64(400+i), 10)
		files[n] = randomBytes(uint64(500+i), 3)              // at the root
		files[n+"-/"+n+"/"+n] = randomBytes(uint64(600+i), 4) // a folder sharing a root object's prefix
	}
	for k, b := range files {
		if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &src, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %q: %v", k, err)
		}
	}
	s := newSetup(t)
	dst := t.TempDir()
	s.write(t, []address{s3Addr("src", src), localAddr("dst", dst)}, newJob("list-s3", "src", "dst"))
	r := s.mgw(t, "run", "list-s3")
	wantExit(t, r, 0)
	wantCount(t, r, "files scanned", len(files))
	wantCopied(t, r, len(files))
	wantFolderHolds(t, dst, files)
	r = s.mgw(t, "run", "list-s3")
	wantExit(t, r, 0)
	wantCount(t, r, "files scanned", len(files))
	wantCount(t, r, "unchanged", len(files))
}
