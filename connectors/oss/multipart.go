package oss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// CreateMultipart starts a multipart upload; the metadata is given now
// and applies to the object CompleteMultipart assembles.
func (b *bucket) CreateMultipart(ctx context.Context, key string, opts connectors.PutOptions) (string, error) {
	name, err := b.objectName("create-multipart", key)
	if err != nil {
		return "", err
	}
	meta, err := userMeta(opts)
	if err != nil {
		return "", connectors.NewError(connectors.KindInvalidArgument, "create-multipart", key, err)
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	req := &oss.InitiateMultipartUploadRequest{Bucket: &b.name, Key: &name, Metadata: meta}
	req.ContentType, req.ContentEncoding, req.CacheControl, req.ContentDisposition, req.Expires = standardHeaders(opts.Headers)
	res, err := b.client.InitiateMultipartUpload(cctx, req)
	if err != nil {
		return "", wrap("create-multipart", key, err)
	}
	id := oss.ToString(res.UploadId)
	if id == "" {
		return "", connectors.NewError(connectors.KindTransient, "create-multipart", key, errors.New("OSS returned no upload ID"))
	}
	return id, nil
}

// UploadPart sends one part and returns its ETag and CRC-64.
func (b *bucket) UploadPart(ctx context.Context, key, uploadID string, number int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	md5 := sums.MD5 // this backend takes no CRC32C
	const op = "upload-part"
	name, err := b.objectName(op, key)
	if err != nil {
		return connectors.Part{}, err
	}
	if number < 1 || number > maxParts {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, op, key,
			fmt.Errorf("part number %d is outside 1..%d", number, maxParts))
	}
	if size < 0 {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, op, key, errors.New("negative size"))
	}
	contentMD5, err := md5Header(md5)
	if err != nil {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, op, key, err)
	}

	wctx, w := watchdog.New(ctx, b.timeout)
	defer w.Stop()
	res, err := b.client.UploadPart(wctx, &oss.UploadPartRequest{
		Bucket:        &b.name,
		Key:           &name,
		UploadId:      &uploadID,
		PartNumber:    int32(number),
		ContentLength: &size,
		ContentMD5:    contentMD5,
		Body:          &uploadBody{r: w.Source(r), size: size},
	})
	if err != nil {
		return connectors.Part{}, wrap(op, key, w.Check(err))
	}
	p := connectors.Part{Number: number, Size: size, ETag: unquote(oss.ToString(res.ETag))}
	p.CRC64, p.HasCRC64 = parseCRC64(res.HashCRC64)
	return p, nil
}

// ListParts pages through the parts OSS holds for the upload.
func (b *bucket) ListParts(ctx context.Context, key, uploadID string) ([]connectors.Part, error) {
	name, err := b.objectName("list-parts", key)
	if err != nil {
		return nil, err
	}
	req := &oss.ListPartsRequest{Bucket: &b.name, Key: &name, UploadId: &uploadID, MaxParts: maxListKeys}
	var parts []connectors.Part
	for {
		cctx, cancel := b.call(ctx)
		page, err := b.client.ListParts(cctx, req)
		cancel()
		if err != nil {
			return nil, wrap("list-parts", key, err)
		}
		for _, p := range page.Parts {
			part := connectors.Part{Number: int(p.PartNumber), Size: p.Size, ETag: unquote(oss.ToString(p.ETag))}
			part.CRC64, part.HasCRC64 = parseCRC64(p.HashCRC64)
			parts = append(parts, part)
		}
		if !page.IsTruncated || page.NextPartNumberMarker <= req.PartNumberMarker {
			break
		}
		req.PartNumberMarker = page.NextPartNumberMarker
	}
	slices.SortFunc(parts, func(a, b connectors.Part) int { return a.Number - b.Number })
	return parts, nil
}

// CompleteMultipart assembles the given parts, and only those: parts left
// over from an earlier attempt are not swept in. The object's Size is the
// sum of the parts' sizes.
func (b *bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []connectors.Part) (connectors.Object, error) {
	const op = "complete-multipart"
	name, err := b.objectName(op, key)
	if err != nil {
		return connectors.Object{}, err
	}
	if len(parts) == 0 {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, key, errors.New("no parts"))
	}
	list := make([]oss.UploadPart, len(parts))
	var size int64
	for i, p := range parts {
		list[i] = oss.UploadPart{PartNumber: int32(p.Number), ETag: oss.Ptr(`"` + p.ETag + `"`)}
		size += p.Size
	}
	slices.SortFunc(list, func(a, b oss.UploadPart) int { return int(a.PartNumber - b.PartNumber) })

	cctx, cancel := b.call(ctx)
	defer cancel()
	res, err := b.client.CompleteMultipartUpload(cctx, &oss.CompleteMultipartUploadRequest{
		Bucket:                  &b.name,
		Key:                     &name,
		UploadId:                &uploadID,
		CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: list},
	})
	if err != nil {
		return connectors.Object{}, wrap(op, key, err)
	}
	o := connectors.Object{Key: key, Size: size, ETag: unquote(oss.ToString(res.ETag))}
	o.CRC64, o.HasCRC64 = parseCRC64(res.HashCRC64)
	return o, nil
}

// AbortMultipart discards the upload; one OSS no longer knows is gone
// already.
func (b *bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	name, err := b.objectName("abort-multipart", key)
	if err != nil {
		return err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	_, err = b.client.AbortMultipartUpload(cctx, &oss.AbortMultipartUploadRequest{
		Bucket: &b.name, Key: &name, UploadId: &uploadID,
	})
	if err = wrap("abort-multipart", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}
