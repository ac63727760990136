package main

// Bucket to bucket: the ceilings cloud.sh measures mgw against.
//
//	copy      GET every object of -from-bucket at -from-endpoint and PUT it
//	          (Content-MD5) into -bucket, -workers objects at a time: the
//	          least a copy through this host can do per object
//	list      list -bucket, each top-level prefix whole, -workers listings
//	          at a time: the least a no-change pass can do (it must list
//	          the source)
//	partcopy  copy every object of -from-bucket into -bucket on the server,
//	          UploadPartCopy in -part-mib parts, -parts in flight over all
//	          objects: the server's own speed for the copy mgw verifies

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// listing sends every object under prefix to fn, page by page.
func listing(ctx context.Context, cli *s3.Client, bucket, prefix string, fn func(types.Object)) error {
	p := s3.NewListObjectsV2Paginator(cli, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		for _, o := range page.Contents {
			fn(o)
		}
	}
	return nil
}

// copyAll copies every object of from's bucket through this host, the
// listing feeding the workers as its pages arrive.
func (l *loop) copyAll(ctx context.Context, from *s3.Client, fromBucket string, workers int) error {
	ch, wait := pool(workers, func(_ int, o types.Object) error { return l.copyOne(ctx, from, fromBucket, o) })
	err := listing(ctx, from, fromBucket, "", func(o types.Object) { ch <- o })
	close(ch)
	if werr := wait(); err == nil {
		err = werr
	}
	return err
}

func (l *loop) copyOne(ctx context.Context, from *s3.Client, fromBucket string, o types.Object) error {
	out, err := from.GetObject(ctx, &s3.GetObjectInput{Bucket: &fromBucket, Key: o.Key})
	if err != nil {
		return fmt.Errorf("get %s: %w", aws.ToString(o.Key), err)
	}
	b, err := io.ReadAll(out.Body)
	out.Body.Close()
	if err != nil {
		return fmt.Errorf("get %s: %w", aws.ToString(o.Key), err)
	}
	_, err = l.cli.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &l.bucket,
		Key:           o.Key,
		Body:          bytes.NewReader(b),
		ContentLength: aws.Int64(int64(len(b))),
		ContentMD5:    contentMD5(b),
	}, unsigned)
	if err != nil {
		return fmt.Errorf("put %s: %w", aws.ToString(o.Key), err)
	}
	l.done(1, int64(len(b)))
	return nil
}

// listAll lists the bucket's top level with the delimiter "/", then each
// prefix it names whole, workers at a time; objects at the top level are
// counted from the first listing.
func (l *loop) listAll(ctx context.Context, workers int) error {
	var prefixes []string
	p := s3.NewListObjectsV2Paginator(l.cli, &s3.ListObjectsV2Input{Bucket: &l.bucket, Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		l.done(int64(len(page.Contents)), 0)
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	ch, wait := pool(workers, func(_ int, prefix string) error {
		var n, size int64
		err := listing(ctx, l.cli, l.bucket, prefix, func(o types.Object) {
			n++
			size += aws.ToInt64(o.Size)
		})
		l.done(n, size)
		return err
	})
	for _, prefix := range prefixes {
		ch <- prefix
	}
	close(ch)
	return wait()
}

// partCopyAll copies every object of fromBucket (on this endpoint) into
// the bucket on the server, in parts of partSize, inFlight at a time.
func (l *loop) partCopyAll(ctx context.Context, fromBucket string, inFlight int, partSize int64) error {
	var objects []types.Object
	if err := listing(ctx, l.cli, fromBucket, "", func(o types.Object) { objects = append(objects, o) }); err != nil {
		return err
	}
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	var fe firstError
	for _, o := range objects {
		size := aws.ToInt64(o.Size)
		out, err := l.cli.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &l.bucket, Key: o.Key})
		if err != nil {
			return fmt.Errorf("create %s: %w", aws.ToString(o.Key), err)
		}
		n := max(1, int((size+partSize-1)/partSize))
		parts := make([]types.CompletedPart, n)
		var pending atomic.Int32
		pending.Store(int32(n))
		source := fromBucket + "/" + aws.ToString(o.Key)
		for i := range n {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				off := int64(i) * partSize
				end := min(off+partSize, size) - 1
				pc, err := l.cli.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
					Bucket: &l.bucket, Key: o.Key, UploadId: out.UploadId, PartNumber: aws.Int32(int32(i + 1)),
					CopySource: &source, CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
				})
				if err != nil {
					fe.set(fmt.Errorf("part %d of %s: %w", i+1, aws.ToString(o.Key), err))
					return
				}
				parts[i] = types.CompletedPart{ETag: pc.CopyPartResult.ETag, PartNumber: aws.Int32(int32(i + 1))}
				l.done(0, end-off+1)
				if pending.Add(-1) > 0 {
					return
				}
				_, err = l.cli.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
					Bucket: &l.bucket, Key: o.Key, UploadId: out.UploadId,
					MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
				})
				if err != nil {
					fe.set(fmt.Errorf("complete %s: %w", aws.ToString(o.Key), err))
					return
				}
				l.done(1, 0)
			}()
		}
	}
	wg.Wait()
	return fe.err
}
