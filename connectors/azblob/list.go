package azblob

import (
	"context"
	"errors"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/mgw-dev/mgw/connectors"
)

// List pages through a flat listing, so Azure does the recursion and only
// one page is in memory at a time. onErr is never called: a container has
// no folder that can fail to list on its own.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	p := b.cli.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{
		Prefix:     to(b.prefix + prefix),
		MaxResults: to(b.pageSize),
	})
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return classify("list", prefix, err)
		}
		for _, it := range page.Segment.BlobItems {
			if err := b.emit(it, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// ListDir lists the blobs directly under dir; virtual folders are left out.
func (b *Bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "listdir", Key: dir,
			Err: errors.New("a folder must end in /")}
	}
	p := b.cli.NewListBlobsHierarchyPager("/", &container.ListBlobsHierarchyOptions{
		Prefix:     to(b.prefix + dir),
		MaxResults: to(b.pageSize),
	})
	for p.More() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return classify("listdir", dir, err)
		}
		for _, it := range page.Segment.BlobItems {
			if err := b.emit(it, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// emit passes one listed blob on, skipping folder markers and the prefix.
func (b *Bucket) emit(it *container.BlobItem, fn func(connectors.Object) error) error {
	rel, ok := strings.CutPrefix(deref(it.Name), b.prefix)
	if !ok || rel == "" || strings.HasSuffix(rel, "/") || it.Properties == nil {
		return nil
	}
	p := it.Properties
	return fn(connectors.Object{
		Key:          rel,
		Type:         connectors.Regular,
		Size:         deref(p.ContentLength),
		ModTime:      deref(p.LastModified),
		ETag:         etag(p.ETag),
		StorageClass: tier(string(deref(p.AccessTier))),
	})
}
