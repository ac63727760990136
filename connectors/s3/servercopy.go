package s3

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
)

// maxCopyObject is the largest object one CopyObject may copy (S3's limit).
const maxCopyObject = 5 << 30

// partCopiesInFlight bounds the UploadPartCopy requests of one object: they
// move no bytes through this host, only wait on the server.
const partCopiesInFlight = 8

var _ connectors.ServerCopier = (*Bucket)(nil)

// CopiesFrom: src is an S3 bucket of the same service and credentials.
func (b *Bucket) CopiesFrom(src connectors.Bucket) bool {
	s, ok := src.(*Bucket)
	return ok && s.who == b.who
}

// CopyFrom copies o of src into key on the server. A source whose ETag is
// one MD5 is copied by CopyObject, which gives the copy the same MD5; one
// whose ETag is of N parts by UploadPartCopy in the source's own part
// layout (HEAD ?partNumber=1 tells its part size), so the copy's ETag is
// computed from the same part boundaries and equals the source's when the
// bytes do. Every request carries the source's ETag as a condition.
func (b *Bucket) CopyFrom(ctx context.Context, src connectors.Bucket, o connectors.Object, key string, opts connectors.PutOptions) (connectors.Object, error) {
	s, ok := src.(*Bucket)
	if !ok || s.who != b.who {
		return connectors.Object{}, unsupported(key, "not a bucket of the same service")
	}
	full, err := b.objectKey("copy", key)
	if err != nil {
		return connectors.Object{}, err
	}
	srcFull, err := s.objectKey("copy", o.Key)
	if err != nil {
		return connectors.Object{}, err
	}
	if err := connectors.CheckHeaders(opts); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "copy", key, err)
	}
	if o.ETag == "" {
		return connectors.Object{}, unsupported(key, "the source tells no ETag")
	}
	source := copySource(s.bucket, srcFull)
	ifMatch := `"` + o.ETag + `"`
	if _, n, multi := strings.Cut(o.ETag, "-"); multi {
		parts, err := strconv.Atoi(n)
		if err != nil || parts < 1 {
			return connectors.Object{}, unsupported(key, "the source's ETag is of no known form")
		}
		return b.copyParts(ctx, s, srcFull, source, ifMatch, o, parts, key, full, opts)
	}
	if o.Size > maxCopyObject {
		return connectors.Object{}, unsupported(key, "larger than one CopyObject may copy")
	}
	in := &s3.CopyObjectInput{
		Bucket: &b.bucket, Key: &full, CopySource: &source, CopySourceIfMatch: &ifMatch,
		MetadataDirective: types.MetadataDirectiveReplace, Metadata: opts.UserMeta(),
	}
	in.ContentType, in.ContentEncoding, in.CacheControl, in.ContentDisposition = standardHeaders(opts.Headers)
	out, err := b.cli.CopyObject(ctx, in, withExpires(opts.Headers.Expires))
	if err != nil {
		return connectors.Object{}, copyError(key, err)
	}
	got := connectors.Object{Key: key, Type: connectors.Regular, Size: o.Size}
	if out.CopyObjectResult != nil {
		got.ETag = unquote(out.CopyObjectResult.ETag)
	}
	return got, nil
}

// copyParts copies a source of parts part by part, in its own layout.
func (b *Bucket) copyParts(ctx context.Context, s *Bucket, srcFull, source, ifMatch string, o connectors.Object, parts int, key, full string, opts connectors.PutOptions) (connectors.Object, error) {
	head, err := s.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &srcFull, PartNumber: aws.Int32(1), IfMatch: &ifMatch})
	if err != nil {
		return connectors.Object{}, copyError(key, err)
	}
	ps := aws.ToInt64(head.ContentLength)
	// Equal parts but the last is the only layout one size can tell;
	// another (rare) layout is copied through the host.
	if int(aws.ToInt32(head.PartsCount)) != parts || ps <= 0 || (o.Size+ps-1)/ps != int64(parts) {
		return connectors.Object{}, unsupported(key, "the source's parts are not of one size")
	}
	b.abortLeft(ctx, key, full)
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
			out, err := b.cli.UploadPartCopy(ctx, &s3.UploadPartCopyInput{
				Bucket: &b.bucket, Key: &full, UploadId: &id, PartNumber: aws.Int32(int32(i + 1)),
				CopySource: &source, CopySourceIfMatch: &ifMatch,
				CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end)),
			})
			if err == nil && (out.CopyPartResult == nil || out.CopyPartResult.ETag == nil) {
				err = errors.New("the server sent no part ETag")
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if first == nil {
					first = copyError(key, err)
				}
				return
			}
			done[i] = connectors.Part{Number: i + 1, Size: end - off + 1, ETag: unquote(out.CopyPartResult.ETag)}
		}()
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = classify("copy", key, ctx.Err())
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
	got.Size = o.Size
	return got, nil
}

// copySource is the x-amz-copy-source of a key: bucket/key, each segment
// escaped.
func copySource(bucket, full string) string {
	segs := strings.Split(full, "/")
	for i, seg := range segs {
		segs[i] = url.PathEscape(seg)
	}
	return bucket + "/" + strings.Join(segs, "/")
}

// copyError classifies a failed copy request: a source no longer holding
// the listed ETag (412) is a changed source.
func copyError(key string, err error) error {
	err = classify("copy", key, err)
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Status == http.StatusPreconditionFailed {
		ce.Kind = connectors.KindChanged
	}
	return err
}

func unsupported(key, why string) error {
	return connectors.NewError(connectors.KindUnsupported, "copy", key, errors.New(why))
}
