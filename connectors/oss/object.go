package oss

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// Stat reads the object's attributes with HeadObject. An archived object
// is stat'ed like any other: its StorageClass tells the agent it cannot
// be read before a restore, and Open fails with KindInvalidState.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	name, err := b.objectName("stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	h, err := b.client.HeadObject(cctx, &oss.HeadObjectRequest{Bucket: &b.name, Key: &name})
	if err != nil {
		return connectors.Object{}, wrap("stat", key, err)
	}
	return object(key, h.Headers), nil
}

// object reads what the answer to a HEAD or a GET says of the object:
// the one mapping of OSS's headers to an Object, for Stat and Open alike.
func object(key string, h http.Header) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Size:         connectors.ObjectSize(h),
		ETag:         unquote(h.Get("ETag")),
		StorageClass: storageClass(h.Get("x-oss-storage-class")),
		Restored:     restore.Parse(h.Get("x-oss-restore")) == restore.Restored,
		Meta:         connectors.MetaOf(h, "x-oss-meta-"),
		Headers:      connectors.HeadersOf(h),
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.ModTime = t
	}
	o.CRC64, o.HasCRC64 = parseCRC64(oss.Ptr(h.Get("x-oss-hash-crc64ecma")))
	return o
}

// Open reads length bytes from offset with a ranged GetObject. The
// reader tells the object as the answer describes it
// (connectors.ObjectReader). The watchdog runs while the request waits on
// the network, not while the caller holds the bytes.
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	name, err := b.objectName("open", key)
	if err != nil {
		return nil, err
	}
	if rc, done, err := connectors.OpenWithoutRead(ctx, b, key, offset, length); done {
		return rc, err
	}
	req := &oss.GetObjectRequest{Bucket: &b.name, Key: &name}
	if offset > 0 || length > 0 {
		req.Range = oss.HTTPRange{Offset: offset, Count: max(length, 0)}.FormatHTTPRange()
		// Without it OSS answers a range it cannot satisfy with the whole object.
		req.RangeBehavior = oss.Ptr("standard")
	}

	wctx, w := watchdog.New(ctx, b.timeout)
	res, err := b.client.GetObject(wctx, req)
	if err != nil {
		w.Stop()
		err = wrap("open", key, w.Check(err))
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			// Reading from the very end is reading nothing, not an error.
			if o, serr := b.Stat(ctx, key); serr == nil && o.Size == offset {
				return connectors.NewObjectReader(http.NoBody, o), nil
			}
		}
		return nil, err
	}
	var r io.Reader = res.Body
	if res.StatusCode == http.StatusOK && offset > 0 {
		// The server ignored the range: skip to the offset ourselves.
		if _, err := io.CopyN(io.Discard, res.Body, offset); err != nil {
			w.Stop()
			res.Body.Close()
			return nil, wrap("open", key, w.Check(err))
		}
	}
	if length > 0 {
		r = io.LimitReader(r, length)
	}
	body := w.Body(r, res.Body, func(err error) error { return wrap("read", key, err) })
	return connectors.NewObjectReader(body, object(key, res.Headers)), nil
}

// Put stores the object with one PutObject. Content-MD5 lets OSS refuse a
// body damaged on the way; the modification time goes in metadata.
func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	name, err := b.objectName("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if size < 0 {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, errors.New("negative size"))
	}
	meta, err := userMeta(opts)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}
	contentMD5, err := md5Header(opts.MD5)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}

	wctx, w := watchdog.New(ctx, b.timeout)
	defer w.Stop()
	req := &oss.PutObjectRequest{
		Bucket:        &b.name,
		Key:           &name,
		ContentLength: &size,
		ContentMD5:    contentMD5,
		Metadata:      meta,
		Body:          &uploadBody{r: w.Source(r), size: size},
	}
	req.ContentType, req.ContentEncoding, req.CacheControl, req.ContentDisposition, req.Expires = standardHeaders(opts.Headers)
	res, err := b.client.PutObject(wctx, req)
	if err != nil {
		return connectors.Object{}, wrap("put", key, w.Check(err))
	}
	o := connectors.Object{Key: key, Size: size, ETag: unquote(oss.ToString(res.ETag))}
	o.CRC64, o.HasCRC64 = parseCRC64(res.HashCRC64)
	return o, nil
}

// Delete removes the object; OSS answers 204 for a missing one too.
func (b *bucket) Delete(ctx context.Context, key string) error {
	name, err := b.objectName("delete", key)
	if err != nil {
		return err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	_, err = b.client.DeleteObject(cctx, &oss.DeleteObjectRequest{Bucket: &b.name, Key: &name})
	if err = wrap("delete", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// userMeta is the metadata stored with an object: opts.Meta and the
// source mtime, with keys in lower case as OSS returns them. It refuses
// what no HTTP header can carry (standard headers included).
func userMeta(opts connectors.PutOptions) (map[string]string, error) {
	if err := connectors.CheckHeaders(opts); err != nil {
		return nil, err
	}
	meta := opts.UserMeta()
	if len(meta) == 0 {
		return nil, nil
	}
	return meta, nil
}

// standardHeaders are the standard headers to store, as the SDK's
// requests take them: nil where not set.
func standardHeaders(h connectors.Headers) (contentType, encoding, cacheControl, disposition, expires *string) {
	ptr := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return ptr(h.ContentType), ptr(h.ContentEncoding), ptr(h.CacheControl), ptr(h.ContentDisposition), ptr(h.Expires)
}

// md5Header is the Content-MD5 value of sum, nil if sum is.
func md5Header(sum []byte) (*string, error) {
	switch len(sum) {
	case 0:
		return nil, nil
	case 16:
		return oss.Ptr(base64.StdEncoding.EncodeToString(sum)), nil
	}
	return nil, fmt.Errorf("an MD5 sum is 16 bytes, not %d", len(sum))
}

// parseCRC64 reads x-oss-hash-crc64ecma, a decimal uint64.
func parseCRC64(s *string) (uint64, bool) {
	if s == nil || *s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(*s, 10, 64)
	return v, err == nil
}
