package cos

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
)

// List pages through GET Bucket under prefix. COS has no folders that
// could fail alone: a failed page fails the listing, and onErr is unused.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, _ func(connectors.ListError)) error {
	return b.list(ctx, "list", prefix, "", fn)
}

// ListDir lists the objects directly inside dir, with the delimiter "/".
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	return b.list(ctx, "listdir", dir, "/", fn)
}

// list asks for URL-encoded names (encoding-type=url): XML cannot carry
// every character a key may hold.
func (b *bucket) list(ctx context.Context, op, prefix, delimiter string, fn func(connectors.Object) error) error {
	if !utf8.ValidString(prefix) {
		return nil // no COS key starts with it
	}
	opt := &cos.BucketGetOptions{Prefix: b.prefix + prefix, Delimiter: delimiter, EncodingType: "url", MaxKeys: b.pageSize}
	for {
		cctx, cancel := b.call(ctx)
		page, _, err := b.client.Bucket.Get(cctx, opt)
		cancel()
		if err != nil {
			return wrap(op, prefix, err)
		}
		b.exists.Store(true)
		last := ""
		for _, p := range page.Contents {
			name, err := url.QueryUnescape(p.Key)
			if err != nil {
				name = p.Key
			}
			last = name
			if strings.HasSuffix(name, "/") || !strings.HasPrefix(name, b.prefix) {
				continue // a folder marker, not an object
			}
			o := connectors.Object{
				Key:          b.relKey(name),
				Size:         p.Size,
				ETag:         unquote(p.ETag),
				ModTime:      lastModified(p.LastModified),
				StorageClass: storageClass(p.StorageClass),
			}
			if err := fn(o); err != nil {
				return err
			}
		}
		if !page.IsTruncated {
			return nil
		}
		next := last
		if page.NextMarker != "" {
			if m, err := url.QueryUnescape(page.NextMarker); err == nil {
				next = m
			}
		}
		if next == "" || next <= opt.Marker {
			return nil // no progress: stop rather than loop
		}
		opt.Marker = next
	}
}
