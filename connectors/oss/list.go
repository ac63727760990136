package oss

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/prefixwalk"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
)

// A listing's walk: requests in flight (each holding one page, two while
// it lists an overflowing prefix whole), and prefixes waiting (keys are
// 1 KiB at most: 256 KiB of names at worst).
const (
	listWorkers  = 8
	listQueueMax = 256
)

// List walks the prefixes under prefix in parallel (prefixwalk, as the
// S3 connector does): many pages in flight instead of one after another.
// OSS has no folders that could fail alone: a failed page fails the
// listing, and onErr is unused.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, _ func(connectors.ListError)) error {
	return prefixwalk.Walk(ctx, prefix, listWorkers, listQueueMax, func(ctx context.Context, p string, delimited bool, sub func(string) error) error {
		var delim *string
		if delimited {
			delim = oss.Ptr("/")
		}
		return b.list(ctx, "list", p, delim, fn, sub)
	})
}

// ListDir lists the objects directly inside dir, with the delimiter "/".
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return b.list(ctx, "listdir", dir, oss.Ptr("/"), fn, nil)
}

// list pages through prefix, passing objects to fn and, with a delimiter,
// common prefixes (relative to the address's prefix) to sub; nil sub
// leaves them out.
func (b *bucket) list(ctx context.Context, op, prefix string, delimiter *string, fn func(connectors.Object) error, sub func(string) error) error {
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
		for _, cp := range page.CommonPrefixes {
			if sub == nil {
				break
			}
			full := oss.ToString(cp.Prefix)
			if rel := strings.TrimPrefix(full, b.prefix); strings.HasPrefix(full, b.prefix) && rel != prefix {
				if err := sub(rel); err != nil {
					return err
				}
			}
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
