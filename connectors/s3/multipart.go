package s3

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
)

// CreateMultipart starts an upload; its metadata is fixed here, not at the end.
func (b *Bucket) CreateMultipart(ctx context.Context, key string, opts connectors.PutOptions) (string, error) {
	in, err := b.createInput(key, opts)
	if err != nil {
		return "", err
	}
	out, err := b.cli.CreateMultipartUpload(ctx, in, withExpires(opts.Headers.Expires))
	if err != nil {
		return "", classify("create-multipart", key, err)
	}
	return aws.ToString(out.UploadId), nil
}

func (b *Bucket) createInput(key string, opts connectors.PutOptions) (*s3.CreateMultipartUploadInput, error) {
	full, err := b.objectKey("create-multipart", key)
	if err != nil {
		return nil, err
	}
	if err := connectors.CheckHeaders(opts); err != nil {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "create-multipart", key, err)
	}
	in := &s3.CreateMultipartUploadInput{
		Bucket:   &b.bucket,
		Key:      &full,
		Metadata: opts.UserMeta(),
	}
	in.ContentType, in.ContentEncoding, in.CacheControl, in.ContentDisposition = standardHeaders(opts.Headers)
	return in, nil
}

// UploadPart sends one part, with Content-MD5 and x-amz-checksum-crc32c
// where sums has them.
func (b *Bucket) UploadPart(ctx context.Context, key, uploadID string, number int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	full, err := b.objectKey("upload-part", key)
	if err != nil {
		return connectors.Part{}, err
	}
	if number < 1 || number > maxParts {
		return connectors.Part{}, &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "upload-part", Key: key,
			Err: errors.New("part number out of range 1-10000")}
	}
	in := &s3.UploadPartInput{
		Bucket:        &b.bucket,
		Key:           &full,
		UploadId:      &uploadID,
		PartNumber:    aws.Int32(int32(number)),
		Body:          r,
		ContentLength: aws.Int64(size),
	}
	var optFns []func(*s3.Options)
	if sums.HasCRC32C {
		in.ChecksumCRC32C = aws.String(encodeCRC32C(sums.CRC32C))
	}
	if len(sums.MD5) > 0 {
		in.ContentMD5 = aws.String(base64.StdEncoding.EncodeToString(sums.MD5))
	}
	if len(sums.MD5) > 0 || sums.HasCRC32C || b.unsignedTLS {
		// The server checks the body against the checksum sent (or TLS
		// covers it): signing its SHA-256 too would hash it again.
		optFns = append(optFns, unsignedPayload)
	}
	out, err := b.cli.UploadPart(ctx, in, optFns...)
	if err != nil {
		return connectors.Part{}, classify("upload-part", key, err)
	}
	p := connectors.Part{Number: number, Size: size, ETag: unquote(out.ETag)}
	p.CRC32C, p.HasCRC32C = decodeCRC32C(aws.ToString(out.ChecksumCRC32C))
	if sums.HasCRC32C && !p.HasCRC32C {
		b.noCRC32C.Store(true) // it may not have checked it: the caller refuses the part
	}
	return p, nil
}

// ListParts pages through the parts the server holds.
func (b *Bucket) ListParts(ctx context.Context, key, uploadID string) ([]connectors.Part, error) {
	full, err := b.objectKey("list-parts", key)
	if err != nil {
		return nil, err
	}
	var parts []connectors.Part
	p := s3.NewListPartsPaginator(b.cli, &s3.ListPartsInput{
		Bucket:   &b.bucket,
		Key:      &full,
		UploadId: &uploadID,
		MaxParts: aws.Int32(b.pageSize),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, classify("list-parts", key, err)
		}
		for _, pt := range page.Parts {
			p := connectors.Part{
				Number: int(aws.ToInt32(pt.PartNumber)),
				Size:   aws.ToInt64(pt.Size),
				ETag:   unquote(pt.ETag),
			}
			p.CRC32C, p.HasCRC32C = decodeCRC32C(aws.ToString(pt.ChecksumCRC32C))
			parts = append(parts, p)
		}
	}
	slices.SortFunc(parts, func(a, b connectors.Part) int { return a.Number - b.Number })
	return parts, nil
}

// CompleteMultipart assembles the parts in number order.
func (b *Bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []connectors.Part) (connectors.Object, error) {
	full, err := b.objectKey("complete-multipart", key)
	if err != nil {
		return connectors.Object{}, err
	}
	sorted := slices.Clone(parts)
	slices.SortFunc(sorted, func(a, b connectors.Part) int { return a.Number - b.Number })
	done := make([]types.CompletedPart, len(sorted))
	var size int64
	withCRC := false
	for i, pt := range sorted {
		done[i] = types.CompletedPart{
			PartNumber: aws.Int32(int32(pt.Number)),
			ETag:       aws.String(`"` + pt.ETag + `"`),
		}
		if pt.HasCRC32C {
			done[i].ChecksumCRC32C = aws.String(encodeCRC32C(pt.CRC32C))
			withCRC = true
		}
		size += pt.Size
	}
	out, err := b.cli.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          &b.bucket,
		Key:             &full,
		UploadId:        &uploadID,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		return connectors.Object{}, classify("complete-multipart", key, err)
	}
	o := connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: unquote(out.ETag), CRC32C: aws.ToString(out.ChecksumCRC32C)}
	if withCRC && o.CRC32C == "" {
		b.noCRC32C.Store(true) // nothing to verify the whole by: the caller refuses it
	}
	return o, nil
}

// AbortMultipart discards the upload; one already gone is not an error.
func (b *Bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	full, err := b.objectKey("abort-multipart", key)
	if err != nil {
		return err
	}
	_, err = b.cli.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
		Bucket:   &b.bucket,
		Key:      &full,
		UploadId: &uploadID,
	})
	if err = classify("abort-multipart", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}
