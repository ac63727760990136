package cos

import (
	"context"

	cos "github.com/tencentyun/cos-go-sdk-v5"
)

// uploadsPage is the most uploads one ListMultipartUploads answer holds
// (0: the server's default, 1,000); tests make it small to page.
var uploadsPage int

// UploadsOf returns the IDs of the uploads open for exactly key, page by
// page: the listing by prefix also names the keys key is a prefix of,
// which are dropped. One request unless more than a page of uploads of
// key are open.
func (b *bucket) UploadsOf(ctx context.Context, key string) ([]string, error) {
	name, err := b.objectName("list-uploads", key)
	if err != nil {
		return nil, err
	}
	opt := &cos.ListMultipartUploadsOptions{Prefix: name, MaxUploads: uploadsPage}
	var ids []string
	for {
		cctx, cancel := b.call(ctx)
		res, _, err := b.client.Bucket.ListMultipartUploads(cctx, opt)
		cancel()
		if err != nil {
			return nil, wrap("list-uploads", key, err)
		}
		for _, u := range res.Uploads {
			if u.Key == name {
				ids = append(ids, u.UploadID)
			}
		}
		// Uploads are listed by key, so once a page ends past name there
		// are no more of it (and a server that says truncated without
		// saying where to go on is not listed for ever).
		if !res.IsTruncated || res.NextKeyMarker != name || res.NextUploadIDMarker == "" {
			return ids, nil
		}
		opt.KeyMarker, opt.UploadIDMarker = res.NextKeyMarker, res.NextUploadIDMarker
	}
}
