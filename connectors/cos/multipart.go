package cos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// CreateMultipart starts a multipart upload; the metadata given now
// applies to the object CompleteMultipart assembles.
func (b *bucket) CreateMultipart(ctx context.Context, key string, opts connectors.PutOptions) (string, error) {
	const op = "create-multipart"
	name, err := b.objectName(op, key)
	if err != nil {
		return "", err
	}
	opts.MD5 = nil
	hdr, err := putHeaders(opts)
	if err != nil {
		return "", connectors.NewError(connectors.KindInvalidArgument, op, key, err)
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	res, _, err := b.client.Object.InitiateMultipartUpload(cctx, name, &cos.InitiateMultipartUploadOptions{ObjectPutHeaderOptions: hdr})
	if err != nil {
		return "", wrap(op, key, err)
	}
	if res.UploadID == "" {
		return "", connectors.NewError(connectors.KindTransient, op, key, errors.New("COS returned no upload ID"))
	}
	return res.UploadID, nil
}

// UploadPart sends one part and returns its ETag and CRC-64.
func (b *bucket) UploadPart(ctx context.Context, key, uploadID string, number int, r io.ReadSeeker, size int64, sums connectors.PartSums) (connectors.Part, error) {
	md5 := sums.MD5 // this backend takes no CRC32C
	const op = "upload-part"
	name, err := b.objectName(op, key)
	if err != nil {
		return connectors.Part{}, err
	}
	if number < 1 || number > maxParts || size <= 0 {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, op, key,
			fmt.Errorf("part %d of %d bytes: numbers are 1..%d, sizes positive", number, size, maxParts))
	}
	hdr, err := putHeaders(connectors.PutOptions{MD5: md5})
	if err != nil {
		return connectors.Part{}, connectors.NewError(connectors.KindInvalidArgument, op, key, err)
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	defer w.Stop()
	resp, err := b.client.Object.UploadPart(wctx, name, uploadID, number, &uploadBody{r: r, size: size, w: w},
		&cos.ObjectUploadPartOptions{ContentLength: size, ContentMD5: hdr.ContentMD5})
	if err != nil {
		return connectors.Part{}, wrap(op, key, w.Check(err))
	}
	p := connectors.Part{Number: number, Size: size, ETag: unquote(resp.Header.Get("ETag"))}
	p.CRC64, p.HasCRC64 = parseCRC64(resp.Header.Get("x-cos-hash-crc64ecma"))
	return p, nil
}

// ListParts pages through the parts COS holds for the upload.
func (b *bucket) ListParts(ctx context.Context, key, uploadID string) ([]connectors.Part, error) {
	name, err := b.objectName("list-parts", key)
	if err != nil {
		return nil, err
	}
	opt := &cos.ObjectListPartsOptions{MaxParts: strconv.Itoa(maxListKeys)}
	var parts []connectors.Part
	for {
		cctx, cancel := b.call(ctx)
		page, _, err := b.client.Object.ListParts(cctx, name, uploadID, opt)
		cancel()
		if err != nil {
			return nil, wrap("list-parts", key, err)
		}
		for _, p := range page.Parts {
			parts = append(parts, connectors.Part{Number: p.PartNumber, Size: p.Size, ETag: unquote(p.ETag)})
		}
		if !page.IsTruncated || page.NextPartNumberMarker == "" || page.NextPartNumberMarker == opt.PartNumberMarker {
			break
		}
		opt.PartNumberMarker = page.NextPartNumberMarker
	}
	slices.SortFunc(parts, func(a, b connectors.Part) int { return a.Number - b.Number })
	return parts, nil
}

// CompleteMultipart assembles the given parts, and only those.
func (b *bucket) CompleteMultipart(ctx context.Context, key, uploadID string, parts []connectors.Part) (connectors.Object, error) {
	const op = "complete-multipart"
	name, err := b.objectName(op, key)
	if err != nil {
		return connectors.Object{}, err
	}
	if len(parts) == 0 {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, key, errors.New("no parts"))
	}
	list := make([]cos.Object, len(parts))
	var size int64
	for i, p := range parts {
		list[i] = cos.Object{PartNumber: p.Number, ETag: `"` + p.ETag + `"`}
		size += p.Size
	}
	slices.SortFunc(list, func(a, b cos.Object) int { return a.PartNumber - b.PartNumber })
	cctx, cancel := b.call(ctx)
	defer cancel()
	res, resp, err := b.client.Object.CompleteMultipartUpload(cctx, name, uploadID, &cos.CompleteMultipartUploadOptions{Parts: list})
	if err != nil {
		return connectors.Object{}, wrap(op, key, err)
	}
	o := connectors.Object{Key: key, Size: size, ETag: unquote(res.ETag)}
	o.CRC64, o.HasCRC64 = parseCRC64(resp.Header.Get("x-cos-hash-crc64ecma"))
	return o, nil
}

// AbortMultipart discards the upload; one COS no longer knows is gone.
func (b *bucket) AbortMultipart(ctx context.Context, key, uploadID string) error {
	name, err := b.objectName("abort-multipart", key)
	if err != nil {
		return err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	_, err = b.client.Object.AbortMultipartUpload(cctx, name, uploadID)
	if err = wrap("abort-multipart", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}
