package oss

import (
	"context"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// uploadsPage is the most uploads one ListMultipartUploads answer holds
// (0: the server's default, 1,000); tests make it small to page.
var uploadsPage int32

// UploadsOf returns the IDs of the uploads open for exactly key, page by
// page: the listing by prefix also names the keys key is a prefix of,
// which are dropped. One request unless more than a page of uploads of
// key are open.
func (b *bucket) UploadsOf(ctx context.Context, key string) ([]string, error) {
	name, err := b.objectName("list-uploads", key)
	if err != nil {
		return nil, err
	}
	return b.uploadsOf(ctx, key, name)
}

func (b *bucket) uploadsOf(ctx context.Context, key, name string) ([]string, error) {
	req := &oss.ListMultipartUploadsRequest{Bucket: &b.name, Prefix: &name, MaxUploads: uploadsPage}
	var ids []string
	for {
		cctx, cancel := b.call(ctx)
		res, err := b.client.ListMultipartUploads(cctx, req)
		cancel()
		if err != nil {
			return nil, wrap("list-uploads", key, err)
		}
		for _, u := range res.Uploads {
			if oss.ToString(u.Key) == name {
				ids = append(ids, oss.ToString(u.UploadId))
			}
		}
		// Uploads are listed by key, so once a page ends past name there
		// are no more of it (and a server that says truncated without
		// saying where to go on is not listed for ever).
		if !res.IsTruncated || oss.ToString(res.NextKeyMarker) != name || res.NextUploadIdMarker == nil {
			return ids, nil
		}
		req.KeyMarker, req.UploadIdMarker = res.NextKeyMarker, res.NextUploadIdMarker
	}
}

// abortLeft aborts the unfinished uploads to name that an earlier copy,
// killed before it completed or aborted its upload, left behind: the
// object is about to be replaced by this copy, and the parts would
// otherwise be billed until a lifecycle rule drops them. One request where
// none is left; a failure only leaves them as they were.
func (b *bucket) abortLeft(ctx context.Context, key, name string) {
	ids, _ := b.uploadsOf(ctx, key, name)
	for _, id := range ids {
		_ = b.AbortMultipart(ctx, key, id)
	}
}
