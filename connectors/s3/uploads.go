package s3

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// uploadsPage is the most uploads one ListMultipartUploads answer holds
// (0: the server's default, 1,000); tests make it small to page.
var uploadsPage int32

// UploadsOf returns the IDs of the uploads open for exactly key, page by
// page: the listing by prefix also names the keys key is a prefix of,
// which are dropped. One request unless more than a page of uploads of
// key are open.
func (b *Bucket) UploadsOf(ctx context.Context, key string) ([]string, error) {
	full, err := b.objectKey("list-uploads", key)
	if err != nil {
		return nil, err
	}
	return b.uploadsOf(ctx, key, full)
}

func (b *Bucket) uploadsOf(ctx context.Context, key, full string) ([]string, error) {
	in := &s3.ListMultipartUploadsInput{Bucket: &b.bucket, Prefix: &full}
	if uploadsPage > 0 {
		in.MaxUploads = aws.Int32(uploadsPage)
	}
	var ids []string
	for {
		out, err := b.cli.ListMultipartUploads(ctx, in)
		if err != nil {
			return nil, classify("list-uploads", key, err)
		}
		for _, u := range out.Uploads {
			if aws.ToString(u.Key) == full {
				ids = append(ids, aws.ToString(u.UploadId))
			}
		}
		// Uploads are listed by key, so once a page ends past full there
		// are no more of it (and a server that says truncated without
		// saying where to go on is not listed for ever).
		if !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextKeyMarker) != full || out.NextUploadIdMarker == nil {
			return ids, nil
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
}

// abortLeft aborts the unfinished uploads to full that an earlier copy,
// killed before it completed or aborted its upload, left behind: it is
// about to be replaced by this copy, and the parts would otherwise be
// billed until a lifecycle rule drops them. One request where none is
// left; a failure only leaves them as they were.
func (b *Bucket) abortLeft(ctx context.Context, key, full string) {
	ids, _ := b.uploadsOf(ctx, key, full)
	for _, id := range ids {
		_ = b.AbortMultipart(ctx, key, id)
	}
}
