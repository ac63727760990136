package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// Stat heads the object.
func (b *Bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	full, err := b.objectKey("stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	// Checksum mode asks for the object's CRC32C where it has one (an
	// upload of CRC32C parts); servers without checksums ignore it.
	out, err := b.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &full, ChecksumMode: types.ChecksumModeEnabled})
	if err != nil {
		return connectors.Object{}, b.headError(ctx, "stat", key, full, err)
	}
	b.exists.Store(true)
	return object(key, responseHeader(out.ResultMetadata)), nil
}

// headError classifies a failed HEAD. A HEAD answer has no body, so the
// status is all it tells: 403 may be a denied key, an unknown key ID or a
// wrong secret; 400 a bucket in another region; 404 a missing key or a
// missing bucket. A GET of one byte then asks again, and its error carries
// the code. Once the bucket is known to exist, 404 needs no second request.
func (b *Bucket) headError(ctx context.Context, op, key, full string, err error) error {
	err = classify(op, key, err)
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		return err
	}
	switch ce.Status {
	case http.StatusBadRequest, http.StatusForbidden:
	case http.StatusNotFound:
		if b.exists.Load() {
			return err
		}
	default:
		return err
	}
	out, gerr := b.cli.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: &full, Range: aws.String("bytes=0-0")})
	if gerr == nil {
		out.Body.Close()
		return err // the object appeared meanwhile; keep the first answer
	}
	gerr = classify(op, key, gerr)
	var ge *connectors.Error
	if !errors.As(gerr, &ge) || ge.Code == "" ||
		(ge.Status != ce.Status && ge.Kind != connectors.KindNoSuchBucket) {
		return err
	}
	if ge.Code == "NoSuchKey" {
		b.exists.Store(true)
	}
	return gerr
}

// Open gets a byte range of the object. The reader tells the object as
// the GET's answer describes it (connectors.ObjectReader).
func (b *Bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	full, err := b.objectKey("open", key)
	if err != nil {
		return nil, err
	}
	if rc, done, err := connectors.OpenWithoutRead(ctx, b, key, offset, length); done {
		return rc, err
	}
	in := &s3.GetObjectInput{Bucket: &b.bucket, Key: &full}
	switch {
	case length > 0:
		in.Range = aws.String("bytes=" + strconv.FormatInt(offset, 10) + "-" + strconv.FormatInt(offset+length-1, 10))
	case offset > 0:
		in.Range = aws.String("bytes=" + strconv.FormatInt(offset, 10) + "-")
	}
	// The body gets its own context, so a stalled read can be cut off
	// without looking like the caller's cancellation. The response header
	// timeout bounds the wait for the answer, not the body: a server that
	// stops sending would otherwise hold a transfer forever.
	bctx, w := watchdog.NewForBody(ctx, b.timeout)
	out, err := b.cli.GetObject(bctx, in)
	if err != nil {
		w.Stop()
		err = classify("open", key, err)
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			// Reading at or past the end gives nothing, as a file would.
			if obj, serr := b.Stat(ctx, key); serr == nil && offset >= obj.Size {
				return connectors.NewObjectReader(http.NoBody, obj), nil
			}
		}
		return nil, err
	}
	obj := object(key, responseHeader(out.ResultMetadata))
	// Classified, a connection cut halfway reads as transient, not as the
	// end of the object, and a stall as a timeout.
	body := w.Body(out.Body, out.Body, func(err error) error { return classify("read", key, err) })
	return connectors.NewObjectReader(body, obj), nil
}

// Put uploads the object in one request. With an MD5 the server verifies
// the bytes, so the payload is left unsigned and r is read once; without
// one, the SDK hashes r for the signature (over https it need not).
func (b *Bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	full, err := b.objectKey("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if err := connectors.CheckHeaders(opts); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}
	in := &s3.PutObjectInput{
		Bucket:        &b.bucket,
		Key:           &full,
		Body:          r,
		ContentLength: aws.Int64(size),
		Metadata:      opts.UserMeta(),
	}
	in.ContentType, in.ContentEncoding, in.CacheControl, in.ContentDisposition = standardHeaders(opts.Headers)
	optFns := []func(*s3.Options){withExpires(opts.Headers.Expires)}
	if len(opts.MD5) > 0 {
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(opts.MD5))
		optFns = append(optFns, unsignedPayload)
	} else if b.unsignedTLS {
		optFns = append(optFns, unsignedPayload) // TLS covers the body
	}
	out, err := b.cli.PutObject(ctx, in, optFns...)
	if err != nil {
		return connectors.Object{}, classify("put", key, err)
	}
	b.exists.Store(true)
	return connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: unquote(out.ETag)}, nil
}

// Delete removes the object; S3 itself does not mind a missing key, but
// some gateways answer 404.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	full, err := b.objectKey("delete", key)
	if err != nil {
		return err
	}
	_, err = b.cli.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: &full})
	if err = classify("delete", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// Copy copies srcKey to dstKey on the server (CopyObject), metadata
// included. Objects over 5 GiB are refused by S3 (KindInvalidArgument).
func (b *Bucket) Copy(ctx context.Context, srcKey, dstKey string) error {
	src, err := b.objectKey("copy", srcKey)
	if err != nil {
		return err
	}
	dst, err := b.objectKey("copy", dstKey)
	if err != nil {
		return err
	}
	source := copySource(b.bucket, src)
	_, err = b.cli.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &b.bucket, Key: &dst, CopySource: &source})
	return classify("copy", srcKey, err)
}

// unsignedPayload sends UNSIGNED-PAYLOAD instead of the body's SHA-256,
// for requests whose body is covered by a (signed) Content-MD5.
func unsignedPayload(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

func unquote(etag *string) string {
	return strings.Trim(aws.ToString(etag), `"`)
}

// storageClass normalises a storage class: S3 lists STANDARD where HEAD says
// nothing, and the Object contract spells standard as "".
func storageClass(c string) string {
	if c == "STANDARD" {
		return ""
	}
	return c
}
