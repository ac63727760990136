package s3

import (
	"context"
	"errors"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/prefixwalk"
)

// A listing's walk: requests in flight (each holding one page, two while
// it lists an overflowing prefix whole), and prefixes waiting (keys are
// 1 KiB at most: 256 KiB of names at worst).
const (
	listWorkers  = 8
	listQueueMax = 256
)

// List walks the prefixes under prefix in parallel (prefixwalk): each
// prefix is listed with the delimiter "/" and its common prefixes are
// listed concurrently, so a tree of folders costs many pages in flight
// instead of one page after another. Only a page per request in flight is
// in memory. Object stores have no folder that can fail to list on its
// own, so onErr is never called.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	return prefixwalk.Walk(ctx, prefix, listWorkers, listQueueMax, func(ctx context.Context, p string, delimited bool, sub func(string) error) error {
		delim := ""
		if delimited {
			delim = "/"
		}
		return b.list(ctx, "list", p, delim, fn, sub)
	})
}

// ListDir lists the objects directly under dir; sub-folders are left out.
func (b *Bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "listdir", Key: dir,
			Err: errors.New("a folder must end in /")}
	}
	return b.list(ctx, "listdir", dir, "/", fn, nil)
}

// list pages through prefix, passing objects to fn and, with a delimiter,
// common prefixes (relative to the address's prefix) to sub; nil sub
// leaves them out.
func (b *Bucket) list(ctx context.Context, op, prefix, delim string, fn func(connectors.Object) error, sub func(string) error) error {
	in := &s3.ListObjectsV2Input{
		Bucket:  &b.bucket,
		Prefix:  aws.String(b.prefix + prefix),
		MaxKeys: aws.Int32(b.pageSize),
	}
	if b.preset.ListURLEncoding {
		// Keys may hold bytes XML 1.0 cannot carry; servers that honour this
		// say so in the answer, and only then are keys decoded.
		in.EncodingType = types.EncodingTypeUrl
	}
	if delim != "" {
		in.Delimiter = &delim
	}
	if b.preset.ListRestoreStatus {
		in.OptionalObjectAttributes = []types.OptionalObjectAttributes{types.OptionalObjectAttributesRestoreStatus}
	}
	p := s3.NewListObjectsV2Paginator(b.cli, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return classify(op, prefix, err)
		}
		b.exists.Store(true)
		for _, cp := range page.CommonPrefixes {
			if sub == nil {
				break
			}
			full := aws.ToString(cp.Prefix)
			if page.EncodingType == types.EncodingTypeUrl {
				if full, err = url.QueryUnescape(full); err != nil {
					return classify(op, prefix, err)
				}
			}
			if rel, ok := b.relKey(full); ok && rel != prefix {
				if err := sub(rel); err != nil {
					return err
				}
			}
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			if page.EncodingType == types.EncodingTypeUrl {
				if key, err = url.QueryUnescape(key); err != nil {
					return classify(op, prefix, err)
				}
			}
			rel, ok := b.relKey(key)
			if !ok || rel == "" || strings.HasSuffix(rel, "/") {
				continue // a folder marker, or the prefix itself
			}
			obj := connectors.Object{
				Key:          rel,
				Type:         connectors.Regular,
				Size:         aws.ToInt64(o.Size),
				ModTime:      aws.ToTime(o.LastModified),
				ETag:         unquote(o.ETag),
				StorageClass: storageClass(string(o.StorageClass)),
				Restored:     o.RestoreStatus != nil && !aws.ToBool(o.RestoreStatus.IsRestoreInProgress),
			}
			if err := fn(obj); err != nil {
				return err
			}
		}
	}
	return nil
}
