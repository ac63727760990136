package cos

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/restore"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// Stat heads the object. A HEAD answer has no body, so a 403 or a 404
// before the bucket is known to exist is asked again with a one-byte GET,
// whose error document tells the code (InvalidAccessKeyId,
// SignatureDoesNotMatch, NoSuchBucket...).
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	name, err := b.objectName("stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	resp, err := b.client.Object.Head(cctx, name, nil)
	if err != nil {
		return connectors.Object{}, b.headError(cctx, key, name, wrap("stat", key, err))
	}
	b.exists.Store(true)
	return fromHeader(key, resp.Header), nil
}

func (b *bucket) headError(ctx context.Context, key, name string, err error) error {
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != "" {
		return err
	}
	switch {
	case ce.Status == http.StatusForbidden, ce.Status == http.StatusNotFound && !b.exists.Load():
	default:
		return err
	}
	resp, gerr := b.client.Object.Get(ctx, name, &cos.ObjectGetOptions{Range: "bytes=0-0"})
	if gerr == nil {
		resp.Body.Close()
		return err
	}
	gerr = wrap("stat", key, gerr)
	if errors.As(gerr, &ce) && ce.Code != "" {
		if ce.Code == "NoSuchKey" {
			b.exists.Store(true)
		}
		return gerr
	}
	return err
}

// fromHeader reads an object's attributes from a HEAD or GET answer: the
// one mapping of COS's headers to an Object, for Stat and Open alike.
func fromHeader(key string, h http.Header) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Size:         connectors.ObjectSize(h),
		ETag:         unquote(h.Get("ETag")),
		StorageClass: storageClass(h.Get("x-cos-storage-class")),
		Restored:     restore.Parse(h.Get("x-cos-restore")) == restore.Restored,
		Meta:         connectors.MetaOf(h, "x-cos-meta-"),
		Headers:      connectors.HeadersOf(h),
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.ModTime = t
	}
	o.CRC64, o.HasCRC64 = parseCRC64(h.Get("x-cos-hash-crc64ecma"))
	return o
}

// Open reads length bytes from offset with a ranged GET. The reader
// tells the object as the answer describes it (connectors.ObjectReader).
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	name, err := b.objectName("open", key)
	if err != nil {
		return nil, err
	}
	if rc, done, err := connectors.OpenWithoutRead(ctx, b, key, offset, length); done {
		return rc, err
	}
	opt := &cos.ObjectGetOptions{}
	switch {
	case length > 0:
		opt.Range = fmt.Sprintf("bytes=%d-%d", offset, offset+length-1)
	case offset > 0:
		opt.Range = fmt.Sprintf("bytes=%d-", offset)
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	resp, err := b.client.Object.Get(wctx, name, opt)
	if err != nil {
		w.Stop()
		err = wrap("open", key, w.Check(err))
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			if o, serr := b.Stat(ctx, key); serr == nil && o.Size == offset {
				return connectors.NewObjectReader(http.NoBody, o), nil // reading from the very end
			}
		}
		return nil, err
	}
	var r io.Reader = resp.Body
	if resp.StatusCode == http.StatusOK && offset > 0 {
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			w.Stop()
			resp.Body.Close()
			return nil, wrap("open", key, w.Check(err))
		}
	}
	w.Pause()
	if length > 0 {
		r = io.LimitReader(r, length)
	}
	return &downloadBody{r: r, body: resp.Body, w: w, key: key, obj: fromHeader(key, resp.Header)}, nil
}

// downloadBody is an object's content as it arrives; the watchdog runs
// while it waits on the network, not while the caller holds the bytes.
type downloadBody struct {
	r    io.Reader
	body io.Closer
	w    *watchdog.Dog
	key  string
	obj  connectors.Object // as the GET's answer describes it
}

func (d *downloadBody) Object() connectors.Object { return d.obj }

func (d *downloadBody) Read(p []byte) (int, error) {
	d.w.Kick()
	n, err := d.r.Read(p)
	d.w.Pause()
	if err != nil && err != io.EOF {
		err = wrap("read", d.key, d.w.Check(err))
	}
	return n, err
}

func (d *downloadBody) Close() error {
	d.w.Stop()
	return d.body.Close()
}

// Put stores the object with one PUT; Content-MD5 lets COS refuse a body
// damaged on the way, and the mtime goes in x-cos-meta-mtime.
func (b *bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	name, err := b.objectName("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if size < 0 {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, errors.New("negative size"))
	}
	hdr, err := putHeaders(opts)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}
	hdr.ContentLength = size
	if err := ctx.Err(); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnknown, "put", key, err)
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	defer w.Stop()
	var body io.Reader = strings.NewReader("") // the SDK sends no body for it
	if size > 0 {
		body = &uploadBody{r: r, size: size, w: w}
	}
	resp, err := b.client.Object.Put(wctx, name, body, &cos.ObjectPutOptions{ObjectPutHeaderOptions: hdr})
	if err != nil {
		return connectors.Object{}, wrap("put", key, w.Check(err))
	}
	o := connectors.Object{Key: key, Size: size, ETag: unquote(resp.Header.Get("ETag"))}
	o.CRC64, o.HasCRC64 = parseCRC64(resp.Header.Get("x-cos-hash-crc64ecma"))
	return o, nil
}

// putHeaders are the headers of a PUT or an InitiateMultipartUpload:
// standard headers, user metadata, the source mtime, Content-MD5.
func putHeaders(opts connectors.PutOptions) (*cos.ObjectPutHeaderOptions, error) {
	if err := connectors.CheckHeaders(opts); err != nil {
		return nil, err
	}
	hdr := &cos.ObjectPutHeaderOptions{
		ContentType:        opts.Headers.ContentType,
		ContentEncoding:    opts.Headers.ContentEncoding,
		CacheControl:       opts.Headers.CacheControl,
		ContentDisposition: opts.Headers.ContentDisposition,
		Expires:            opts.Headers.Expires,
	}
	meta := http.Header{}
	for k, v := range opts.Meta {
		meta.Set("x-cos-meta-"+strings.ToLower(k), v)
	}
	if !opts.ModTime.IsZero() {
		meta.Set("x-cos-meta-"+connectors.MetaMtime, connectors.FormatMtime(opts.ModTime))
	}
	if len(meta) > 0 {
		hdr.XCosMetaXXX = &meta
	}
	switch len(opts.MD5) {
	case 0:
	case 16:
		hdr.ContentMD5 = base64.StdEncoding.EncodeToString(opts.MD5)
	default:
		return nil, fmt.Errorf("an MD5 sum is 16 bytes, not %d", len(opts.MD5))
	}
	return hdr, nil
}

// Delete removes the object; COS answers 204 for a missing one too.
func (b *bucket) Delete(ctx context.Context, key string) error {
	name, err := b.objectName("delete", key)
	if err != nil {
		return err
	}
	cctx, cancel := b.call(ctx)
	defer cancel()
	_, err = b.client.Object.Delete(cctx, name)
	if err = wrap("delete", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// uploadBody is a request body of size bytes that fails if the source
// ends early (it shrank since its size was taken), hiding Seek so the SDK
// never rewinds it to retry on its own. The watchdog's clock runs while
// the transport sends, not while the source is read.
type uploadBody struct {
	r    io.Reader
	size int64
	read int64
	w    *watchdog.Dog
}

func (b *uploadBody) Read(p []byte) (int, error) {
	b.w.Pause()
	n, err := b.r.Read(p)
	b.w.Kick()
	b.read += int64(n)
	if err == io.EOF && b.read < b.size {
		err = errShortBody{got: b.read, want: b.size}
	}
	return n, err
}

// storageClass keeps COS's names (STANDARD_IA, ARCHIVE, DEEP_ARCHIVE,
// INTELLIGENT_TIERING...) except STANDARD, which Object spells "".
func storageClass(s string) string {
	if strings.EqualFold(s, "STANDARD") {
		return ""
	}
	return s
}

func unquote(etag string) string { return strings.Trim(etag, `"`) }

func parseCRC64(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 10, 64)
	return v, err == nil
}

// lastModified parses the times of a listing. COS keeps whole seconds;
// the fraction is dropped so that a listing and a HEAD (RFC 1123, whole
// seconds) of the same object always agree.
func lastModified(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t.Truncate(time.Second)
}
