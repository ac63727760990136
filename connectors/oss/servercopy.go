package oss

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// maxCopyObject is the largest object mgw copies with one CopyObject:
// OSS's UploadPartCopy page sends objects over 1 GB to UploadPartCopy
// (CopyObject allows 5 GB between buckets only without a storage class
// change; 1 GB holds in every case).
const maxCopyObject = 1 << 30

// defaultCopyPartSize is the part size of a copy by UploadPartCopy: the
// bytes never pass through this host, so large parts cost no memory and
// save requests; an object of more than 10,000 of them gets larger parts.
const defaultCopyPartSize = 64 << 20

// partCopiesInFlight bounds the UploadPartCopy requests of one object: they
// move no bytes through this host, only wait on the server.
const partCopiesInFlight = 8

// copyRate is the slowest rate at which the server is assumed to copy: a
// copy request's deadline is the address's timeout plus its size at this
// rate, since OSS answers only once the bytes are copied.
const copyRate = 8 << 20 // bytes per second

var _ connectors.ServerCopier = (*bucket)(nil)

// CopiesFrom: src is an OSS bucket of the same endpoint, region and
// credentials.
func (b *bucket) CopiesFrom(src connectors.Bucket) bool {
	s, ok := src.(*bucket)
	return ok && s.who == b.who
}

// CopyFrom copies o of src into key on the server, every request
// conditioned on the source's listed ETag.
//
// A source of one upload (an ETag that is its MD5) up to maxCopyObject is
// copied by one CopyObject: the copy has the same MD5, so its ETag is the
// source's. A source of parts, or a larger one, is copied by
// UploadPartCopy in mgw's own part layout: OSS has no request that tells
// an object's part sizes (no partNumber on HEAD or GET, unlike S3), so
// the copy's ETag of parts cannot be made equal to the source's. OSS
// gives the CRC64-ECMA of every object instead, whatever made it; the
// returned object carries the copy's CRC64 (CompleteMultipartUpload's
// x-oss-hash-crc64ecma), for the caller to compare with the source's.
func (b *bucket) CopyFrom(ctx context.Context, src connectors.Bucket, o connectors.Object, key string, opts connectors.PutOptions) (connectors.Object, error) {
	s, ok := src.(*bucket)
	if !ok || s.who != b.who {
		return connectors.Object{}, unsupported(key, "not a bucket of the same service")
	}
	name, err := b.objectName("copy", key)
	if err != nil {
		return connectors.Object{}, err
	}
	srcName, err := s.objectName("copy", o.Key)
	if err != nil {
		return connectors.Object{}, err
	}
	if o.ETag == "" {
		return connectors.Object{}, unsupported(key, "the source tells no ETag")
	}
	meta, err := userMeta(opts)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "copy", key, err)
	}
	ifMatch := `"` + o.ETag + `"`
	if strings.Contains(o.ETag, "-") || o.Size > maxCopyObject {
		return b.copyParts(ctx, s, srcName, ifMatch, o, key, name, opts)
	}
	req := &oss.CopyObjectRequest{
		Bucket: &b.name, Key: &name, SourceBucket: &s.name, SourceKey: &srcName, IfMatch: &ifMatch,
		MetadataDirective: oss.Ptr("REPLACE"), Metadata: meta,
	}
	req.ContentType, req.ContentEncoding, req.CacheControl, req.ContentDisposition, req.Expires = standardHeaders(opts.Headers)
	cctx, cancel := b.copyCall(ctx, o.Size)
	defer cancel()
	res, err := b.client.CopyObject(cctx, req)
	if err != nil {
		return connectors.Object{}, copyError(key, err)
	}
	got := connectors.Object{Key: key, Type: connectors.Regular, Size: o.Size, ETag: unquote(oss.ToString(res.ETag))}
	got.CRC64, got.HasCRC64 = parseCRC64(res.HashCRC64)
	return got, nil
}

// copyParts copies o part by part with UploadPartCopy, partCopiesInFlight
// at a time, into a new upload that is aborted if any part fails.
func (b *bucket) copyParts(ctx context.Context, s *bucket, srcName, ifMatch string, o connectors.Object, key, name string, opts connectors.PutOptions) (connectors.Object, error) {
	ps := max(b.copyPartSize, (o.Size+maxParts-1)/maxParts)
	parts := int(max(1, (o.Size+ps-1)/ps))
	b.abortLeft(ctx, key, name)
	id, err := b.CreateMultipart(ctx, key, opts)
	if err != nil {
		return connectors.Object{}, err
	}
	done := make([]connectors.Part, parts)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	sem := make(chan struct{}, partCopiesInFlight)
	for i := range parts {
		sem <- struct{}{}
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			<-sem
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			off := int64(i) * ps
			end := min(off+ps, o.Size) - 1
			req := &oss.UploadPartCopyRequest{
				Bucket: &b.name, Key: &name, UploadId: &id, PartNumber: int32(i + 1),
				SourceBucket: &s.name, SourceKey: &srcName, IfMatch: &ifMatch,
			}
			if o.Size > 0 { // an empty source has no byte range to name
				req.Range = oss.Ptr(fmt.Sprintf("bytes=%d-%d", off, end))
			}
			cctx, cancel := b.copyCall(ctx, end-off+1)
			res, err := b.client.UploadPartCopy(cctx, req)
			cancel()
			if err == nil && oss.ToString(res.ETag) == "" {
				err = errors.New("OSS sent no part ETag")
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = copyError(key, err)
				}
				return
			}
			done[i] = connectors.Part{Number: i + 1, Size: end - off + 1, ETag: unquote(oss.ToString(res.ETag))}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = wrap("copy", key, ctx.Err())
	}
	if first != nil {
		// Not the caller's context: a cancelled copy must still drop its parts.
		_ = b.AbortMultipart(context.WithoutCancel(ctx), key, id)
		return connectors.Object{}, first
	}
	got, err := b.CompleteMultipart(ctx, key, id, done)
	if err != nil {
		_ = b.AbortMultipart(context.WithoutCancel(ctx), key, id)
		return connectors.Object{}, err
	}
	got.Type, got.Size = connectors.Regular, o.Size
	return got, nil
}

// copyCall bounds a copy request of size bytes: OSS answers only once it
// has copied them.
func (b *bucket) copyCall(ctx context.Context, size int64) (context.Context, context.CancelFunc) {
	d := b.timeout + time.Duration(size/copyRate)*time.Second
	return context.WithTimeoutCause(ctx, d, watchdog.Stalled{After: d})
}

// copyError classifies a failed copy request: a source no longer holding
// the listed ETag (412) is a changed source.
func copyError(key string, err error) error {
	err = wrap("copy", key, err)
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Status == http.StatusPreconditionFailed {
		ce.Kind = connectors.KindChanged
	}
	return err
}

func unsupported(key, why string) error {
	return connectors.NewError(connectors.KindUnsupported, "copy", key, errors.New(why))
}
