package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// partsKey is uploaded to the source in 5 MiB parts by the SDK, not by mgw:
// the server-side copy must find that layout itself.
const partsKey = "parts/five-mib.bin"

// putParts uploads b to key of bkt in parts of ps bytes.
func putParts(t *testing.T, cli *s3.Client, bkt, key string, b []byte, ps int) {
	t.Helper()
	up, err := cli.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{Bucket: &bkt, Key: &key})
	if err != nil {
		t.Fatal(err)
	}
	var done []types.CompletedPart
	for n, off := int32(1), 0; off < len(b); n, off = n+1, off+ps {
		end := min(off+ps, len(b))
		out, err := cli.UploadPart(t.Context(), &s3.UploadPartInput{Bucket: &bkt, Key: &key, UploadId: up.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(b[off:end])})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	if _, err := cli.CompleteMultipartUpload(t.Context(), &s3.CompleteMultipartUploadInput{Bucket: &bkt, Key: &key,
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
}

// etags maps every key of bkt to its ETag.
func etags(t *testing.T, cli *s3.Client, bkt string) map[string]string {
	t.Helper()
	m := map[string]string{}
	p := s3.NewListObjectsV2Paginator(cli, &s3.ListObjectsV2Input{Bucket: &bkt})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			m[aws.ToString(o.Key)] = strings.Trim(aws.ToString(o.ETag), `"`)
		}
	}
	return m
}

// Two buckets of one S3 server with the same credentials: every object is
// copied by the server (CopyObject, and UploadPartCopy for objects of
// parts, whatever their part size), byte for byte, counted as such, with
// the source's ETag; a second run finds them unchanged. With
// server_side_copy: false the same job copies through the host.
func TestS3ServerSideCopy(t *testing.T) {
	files := pairFiles(30)
	cli, src := newS3Bucket(t)
	for k, b := range files {
		if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &src, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
	files[partsKey] = randomBytes(31, 12<<20+3)
	putParts(t, cli, src, partsKey, files[partsKey], 5<<20)
	wantS3Multipart(t, cli, src, partsKey)

	_, dst := newS3Bucket(t)
	_, plain := newS3Bucket(t)
	s := newSetup(t)
	off := false
	hostJob := newJob("through-host", "src", "plain")
	hostJob.ServerSideCopy = &off
	s.write(t, []address{s3Addr("src", src), s3Addr("dst", dst), s3Addr("plain", plain)},
		newJob("server-side", "src", "dst"), hostJob)

	r := s.mgw(t, "run", "server-side")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	wantCount(t, r, "copied server-side", len(files))
	wantCount(t, r, "failed", 0)
	wantS3Objects(t, cli, dst, files)
	want, got := etags(t, cli, src), etags(t, cli, dst)
	if len(got) != len(files) {
		t.Errorf("the destination holds %d objects, want %d", len(got), len(files))
	}
	for k, e := range want {
		if got[k] != e {
			t.Errorf("%s: ETag %q at the destination, %q at the source", k, got[k], e)
		}
	}
	ups, err := cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &dst})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) > 0 {
		t.Errorf("%d multipart uploads left open", len(ups.Uploads))
	}
	r = s.mgw(t, "run", "server-side")
	wantExit(t, r, 0)
	wantCopied(t, r, 0)
	wantCount(t, r, "unchanged", len(files))

	r = s.mgw(t, "run", "through-host")
	wantExit(t, r, 0)
	wantCopied(t, r, len(files))
	if strings.Contains(r.stdout, "copied server-side") {
		t.Errorf("server_side_copy: false still copied on the server:\n%s", r)
	}
	wantS3Objects(t, cli, plain, files)
}

// A server-side copy killed with SIGKILL while the server copies parts:
// the next run completes every object byte for byte with the source's
// ETag, and leaves no unfinished upload behind.
func TestS3ServerSideCopyKilled(t *testing.T) {
	cli, src := newS3Bucket(t)
	files := map[string][]byte{}
	for i := range 3 {
		k := fmt.Sprintf("big/%d.bin", i)
		files[k] = randomBytes(uint64(40+i), 30<<20+i)
		putParts(t, cli, src, k, files[k], 5<<20)
	}
	_, dst := newS3Bucket(t)
	s := newSetup(t)
	j := newJob("killed", "src", "dst")
	j.Concurrency = 1
	s.write(t, []address{s3Addr("src", src), s3Addr("dst", dst)}, j)

	c := s.cmd("run", "killed")
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- c.Wait() }()
	// Kill once the server holds a part of an upload not yet completed.
	killed := false
	for !killed {
		select {
		case <-exited:
			t.Fatal("the run ended before any upload was seen in progress")
		default:
		}
		ups, err := cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &dst})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range ups.Uploads {
			parts, err := cli.ListParts(t.Context(), &s3.ListPartsInput{Bucket: &dst, Key: u.Key, UploadId: u.UploadId})
			if err == nil && len(parts.Parts) > 0 {
				_ = c.Process.Kill()
				killed = true
				break
			}
		}
	}
	<-exited

	r := s.mgw(t, "run", "killed")
	wantExit(t, r, 0)
	wantCount(t, r, "failed", 0)
	wantS3Objects(t, cli, dst, files)
	want, got := etags(t, cli, src), etags(t, cli, dst)
	for k, e := range want {
		if got[k] != e {
			t.Errorf("%s: ETag %q at the destination, %q at the source", k, got[k], e)
		}
	}
	if len(got) != len(files) {
		t.Errorf("the destination holds %d objects, want %d", len(got), len(files))
	}
	ups, err := cli.ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: &dst})
	if err != nil {
		t.Fatal(err)
	}
	if len(ups.Uploads) > 0 {
		t.Errorf("%d multipart uploads left open after the second run", len(ups.Uploads))
	}
}
