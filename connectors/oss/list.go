package oss

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

// List pages through ListObjectsV2 under prefix. OSS has no folders that
// could fail alone: a failed page fails the listing, and onErr is unused.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, _ func(connectors.ListError)) error {
	return b.list(ctx, "list", prefix, nil, fn)
}

// ListDir lists the objects directly inside dir, with the delimiter "/".
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return b.list(ctx, "listdir", dir, oss.Ptr("/"), fn)
}

func (b *bucket) list(ctx context.Context, op, prefix string, delimiter *string, fn func(connectors.Object) error) error {
	if !utf8.ValidString(prefix) {
		return nil // no OSS object name starts with it
	}
	req := &oss.ListObjectsV2Request{
		Bucket:    &b.name,
		Prefix:    oss.Ptr(b.prefix + prefix),
		Delimiter: delimiter,
		MaxKeys:   b.pageSize,
	}
	for {
		cctx, cancel := b.call(ctx)
		page, err := b.client.ListObjectsV2(cctx, req)
		cancel()
		if err != nil {
			return wrap(op, prefix, err)
		}
		for _, p := range page.Contents {
			name := oss.ToString(p.Key)
			if strings.HasSuffix(name, "/") || !strings.HasPrefix(name, b.prefix) {
				continue // a folder marker, not an object
			}
			if err := fn(listed(b.relKey(name), p)); err != nil {
				return err
			}
		}
		next := oss.ToString(page.NextContinuationToken)
		if !page.IsTruncated || next == "" {
			return nil
		}
		req.ContinuationToken = &next
	}
}

// listed is the Object of one listing entry.
func listed(key string, p oss.ObjectProperties) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Size:         p.Size,
		ETag:         unquote(oss.ToString(p.ETag)),
		StorageClass: storageClass(oss.ToString(p.StorageClass)),
		Restored:     restore.Parse(oss.ToString(p.RestoreInfo)) == restore.Restored,
	}
	if p.LastModified != nil {
		o.ModTime = *p.LastModified
	}
	return o
}

// storageClass keeps OSS's names ("IA", "Archive", "ColdArchive",
// "DeepColdArchive"...) except Standard, which Object spells "".
func storageClass(s string) string {
	if strings.EqualFold(s, "Standard") {
		return ""
	}
	return s
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }
