// Command sdkloop is the bare aws-sdk-go-v2 client the benchmark measures
// mgw against: the S3 server's ceiling for one client on this machine, with
// no planning, index or verification beyond the Content-MD5 each request
// carries (as mgw's and rclone's do).
//
//	sdkloop [flags] put DIR        PutObject every file under DIR, -workers at a time
//	sdkloop [flags] multipart DIR  multipart upload every file, -parts parts in flight,
//	                               each part with Content-MD5, or with -crc32c a
//	                               CRC32C the server checks (as mgw sends to S3)
//	sdkloop [flags] copy           GET every object of -from-bucket, PUT it into -bucket
//	sdkloop [flags] list           list -bucket, its top-level prefixes in parallel
//	sdkloop [flags] partcopy       copy -from-bucket into -bucket on the server, in parts
//	                               (bucket.go: the ceilings of bucket to bucket)
//	sdkloop [flags] mkbucket       create the bucket
//	sdkloop [flags] purge          delete every object, upload and the bucket
//	sdkloop [flags] watchlat DIR   rewrite a file under DIR/lat every -every for -window,
//	                               and time each change's arrival in the bucket under
//	                               -prefix, as a mirroring tool copies it (watchlat.go)
//
// Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, so they
// stay out of the process list. put, multipart, copy, list and partcopy
// print one line: files=N bytes=N seconds=S.
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:7070", "S3 endpoint URL")
	region := flag.String("region", "us-east-1", "region")
	bucket := flag.String("bucket", "", "bucket")
	workers := flag.Int("workers", 64, "put: files in flight")
	parts := flag.Int("parts", 8, "multipart: parts in flight, over all files")
	partMiB := flag.Int64("part-mib", 16, "multipart: part size in MiB")
	crc := flag.Bool("crc32c", false, "multipart: a CRC32C on each part instead of Content-MD5")
	prefix := flag.String("prefix", "", "watchlat: where the tool mirrors DIR in the bucket")
	window := flag.Duration("window", time.Minute, "watchlat: how long to change files")
	every := flag.Duration("every", 100*time.Millisecond, "watchlat: one change this often")
	wait := flag.Duration("wait", 30*time.Second, "watchlat: a change not arrived after this is lost")
	latFiles := flag.Int("files", 100, "watchlat: the files changed in turn")
	fromEndpoint := flag.String("from-endpoint", "", "copy: the source's endpoint (default -endpoint)")
	fromBucket := flag.String("from-bucket", "", "copy, partcopy: the source bucket")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: sdkloop [flags] put DIR | multipart DIR | copy | list | partcopy | mkbucket | purge | watchlat DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *bucket == "" || flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	conns := max(*workers, *parts)
	cli := client(*endpoint, *region, conns)
	l := &loop{cli: cli, bucket: *bucket, crc32c: *crc}
	ctx := context.Background()

	var err error
	cmd, dir := flag.Arg(0), flag.Arg(1)
	start := time.Now()
	switch {
	case cmd == "mkbucket":
		_, err = cli.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: bucket})
	case cmd == "purge":
		err = l.purge(ctx)
	case cmd == "put" && dir != "":
		err = l.putAll(ctx, dir, *workers)
	case cmd == "watchlat" && dir != "":
		err = l.watchLatency(ctx, dir, *prefix, *window, *every, *wait, *latFiles)
	case cmd == "multipart" && dir != "":
		err = l.multipartAll(ctx, dir, *parts, *partMiB<<20)
	case cmd == "copy" && *fromBucket != "":
		from := cli
		if *fromEndpoint != "" {
			from = client(*fromEndpoint, *region, conns)
		}
		err = l.copyAll(ctx, from, *fromBucket, *workers)
	case cmd == "list":
		err = l.listAll(ctx, *workers)
	case cmd == "partcopy" && *fromBucket != "":
		err = l.partCopyAll(ctx, *fromBucket, *parts, *partMiB<<20)
	default:
		flag.Usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkloop:", err)
		os.Exit(1)
	}
	if cmd != "mkbucket" && cmd != "purge" && cmd != "watchlat" {
		fmt.Printf("files=%d bytes=%d seconds=%.3f\n", l.files, l.bytes, time.Since(start).Seconds())
	}
}

// client is an S3 client of endpoint keeping conns idle connections.
func client(endpoint, region string, conns int) *s3.Client {
	// The SDK's default client keeps 10 idle connections per host: with
	// more requests in flight than that, most would open a new connection.
	httpClient := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConnsPerHost = conns
	})
	return s3.New(s3.Options{
		HTTPClient:   httpClient,
		Region:       region,
		BaseEndpoint: &endpoint,
		UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(
			os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		// Content-MD5 covers each body, so neither a SHA-256 of the payload
		// nor the newer checksum headers are computed: the cheapest honest
		// upload, which is what a ceiling should measure.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
}

type loop struct {
	cli    *s3.Client
	bucket string
	crc32c bool // multipart parts carry a CRC32C, not Content-MD5

	mu           sync.Mutex
	files, bytes int64
}

func (l *loop) done(files, n int64) {
	l.mu.Lock()
	l.files += files
	l.bytes += n
	l.mu.Unlock()
}

// unsigned sends UNSIGNED-PAYLOAD: the body is covered by Content-MD5.
func unsigned(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func contentMD5(b []byte) *string {
	sum := md5.Sum(b)
	return aws.String(base64.StdEncoding.EncodeToString(sum[:]))
}

type file struct {
	path, key string
	size      int64
}

// walk lists the regular files under dir, keys relative to it.
func walk(dir string) ([]file, error) {
	var files []file
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, file{path: p, key: filepath.ToSlash(rel), size: info.Size()})
		return nil
	})
	return files, err
}

// pool starts workers goroutines, each running fn on what is sent to in
// (the worker's number passed too, for state of its own); wait, after in
// is closed, waits for them and returns the first error.
func pool[T any](workers int, fn func(worker int, item T) error) (in chan<- T, wait func() error) {
	ch := make(chan T)
	var wg sync.WaitGroup
	var fe firstError
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for item := range ch {
				fe.set(fn(w, item))
			}
		}()
	}
	return ch, func() error {
		wg.Wait()
		return fe.err
	}
}

// firstError keeps the first error of many goroutines.
type firstError struct {
	once sync.Once
	err  error
}

func (f *firstError) set(err error) {
	if err != nil {
		f.once.Do(func() { f.err = err })
	}
}

func (l *loop) putAll(ctx context.Context, dir string, workers int) error {
	files, err := walk(dir)
	if err != nil {
		return err
	}
	ch, wait := pool(workers, func(_ int, f file) error { return l.put(ctx, f) })
	for _, f := range files {
		ch <- f
	}
	close(ch)
	return wait()
}

func (l *loop) put(ctx context.Context, f file) error {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	_, err = l.cli.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &l.bucket,
		Key:           &f.key,
		Body:          bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))),
		ContentMD5:    contentMD5(b),
	}, unsigned)
	if err != nil {
		return fmt.Errorf("put %s: %w", f.key, err)
	}
	l.done(1, int64(len(b)))
	return nil
}

// upload is one file's multipart upload, shared by the workers sending its parts.
type upload struct {
	file
	once    sync.Once
	id      string
	err     error
	mu      sync.Mutex
	parts   []types.CompletedPart
	pending int
}

type part struct {
	u      *upload
	number int32
	offset int64
	size   int64
}

func (l *loop) multipartAll(ctx context.Context, dir string, inFlight int, partSize int64) error {
	files, err := walk(dir)
	if err != nil {
		return err
	}
	bufs := make([][]byte, inFlight)
	ch, wait := pool(inFlight, func(w int, p part) error {
		if bufs[w] == nil {
			bufs[w] = make([]byte, partSize)
		}
		return l.sendPart(ctx, p, bufs[w])
	})
	for _, f := range files {
		n := int((f.size + partSize - 1) / partSize)
		if n == 0 {
			n = 1 // an empty file is one empty part
		}
		u := &upload{file: f, parts: make([]types.CompletedPart, n), pending: n}
		for i := range n {
			off := int64(i) * partSize
			ch <- part{u: u, number: int32(i + 1), offset: off, size: min(partSize, f.size-off)}
		}
	}
	close(ch)
	return wait()
}

// sendPart uploads one part, starting the upload on its first part and
// completing it after its last.
func (l *loop) sendPart(ctx context.Context, p part, buf []byte) error {
	u := p.u
	u.once.Do(func() {
		in := &s3.CreateMultipartUploadInput{Bucket: &l.bucket, Key: &u.key}
		if l.crc32c {
			in.ChecksumAlgorithm = types.ChecksumAlgorithmCrc32c
		}
		out, err := l.cli.CreateMultipartUpload(ctx, in)
		if err != nil {
			u.err = fmt.Errorf("create %s: %w", u.key, err)
			return
		}
		u.id = aws.ToString(out.UploadId)
	})
	if u.err != nil {
		return u.err
	}
	f, err := os.Open(u.path)
	if err != nil {
		return err
	}
	b := buf[:p.size]
	_, err = f.ReadAt(b, p.offset)
	f.Close()
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	in := &s3.UploadPartInput{
		Bucket:        &l.bucket,
		Key:           &u.key,
		UploadId:      &u.id,
		PartNumber:    aws.Int32(p.number),
		Body:          bytes.NewReader(b),
		ContentLength: aws.Int64(p.size),
	}
	if l.crc32c {
		var sum [4]byte
		binary.BigEndian.PutUint32(sum[:], crc32.Checksum(b, castagnoli))
		in.ChecksumCRC32C = aws.String(base64.StdEncoding.EncodeToString(sum[:]))
	} else {
		in.ContentMD5 = contentMD5(b)
	}
	out, err := l.cli.UploadPart(ctx, in, unsigned)
	if err != nil {
		return fmt.Errorf("part %d of %s: %w", p.number, u.key, err)
	}
	l.done(0, p.size)
	u.mu.Lock()
	u.parts[p.number-1] = types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(p.number), ChecksumCRC32C: in.ChecksumCRC32C}
	u.pending--
	last := u.pending == 0
	u.mu.Unlock()
	if !last {
		return nil
	}
	_, err = l.cli.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &l.bucket,
		Key:             &u.key,
		UploadId:        &u.id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: u.parts},
	})
	if err != nil {
		return fmt.Errorf("complete %s: %w", u.key, err)
	}
	l.done(1, 0)
	return nil
}

// purge deletes the bucket with everything in it: objects in batches of
// 1,000, then unfinished uploads, then the bucket.
func (l *loop) purge(ctx context.Context) error {
	p := s3.NewListObjectsV2Paginator(l.cli, &s3.ListObjectsV2Input{Bucket: &l.bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			var nb *types.NoSuchBucket
			if errors.As(err, &nb) {
				return nil
			}
			return err
		}
		if len(page.Contents) == 0 {
			continue
		}
		ids := make([]types.ObjectIdentifier, len(page.Contents))
		for i, o := range page.Contents {
			ids[i] = types.ObjectIdentifier{Key: o.Key}
		}
		// DeleteObjects is one of the calls S3 wants a checksum on.
		_, err = l.cli.DeleteObjects(ctx, &s3.DeleteObjectsInput{
			Bucket: &l.bucket,
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)},
		})
		if err != nil {
			return err
		}
	}
	ups, err := l.cli.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &l.bucket})
	if err != nil {
		return err
	}
	for _, u := range ups.Uploads {
		if _, err := l.cli.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: &l.bucket, Key: u.Key, UploadId: u.UploadId,
		}); err != nil {
			return err
		}
	}
	_, err = l.cli.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &l.bucket})
	return err
}
