package azblob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// Stat reads the blob's properties.
func (b *Bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	full, err := b.blobName("stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	var raw *http.Response
	_, err = b.cli.NewBlobClient(full).GetProperties(policy.WithCaptureResponse(ctx, &raw), nil)
	if err != nil {
		return connectors.Object{}, classify("stat", key, err)
	}
	return object(key, raw.Header), nil
}

// object reads what the answer to a HEAD or a GET says of the blob: the
// one mapping of Azure's headers to an Object, for Stat and Open alike.
// The SDK's typed responses differ between the two calls, the headers do
// not. Azure keeps no Expires.
func object(key string, h http.Header) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Type:         connectors.Regular,
		Size:         connectors.ObjectSize(h),
		ETag:         strings.Trim(h.Get("ETag"), `"`),
		StorageClass: tier(h.Get("x-ms-access-tier")),
		Meta:         connectors.MetaOf(h, "x-ms-meta-"),
		Headers:      connectors.HeadersOf(h),
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.ModTime = t
	}
	return o
}

// Open downloads a byte range of the blob. The reader tells the blob as
// the answer describes it (connectors.ObjectReader).
func (b *Bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	full, err := b.blobName("open", key)
	if err != nil {
		return nil, err
	}
	if rc, done, err := connectors.OpenWithoutRead(ctx, b, key, offset, length); done {
		return rc, err
	}
	opts := &blob.DownloadStreamOptions{}
	if offset > 0 || length > 0 {
		opts.Range = blob.HTTPRange{Offset: offset, Count: max(length, 0)}
	}
	// The body gets its own context, so a stalled read can be cut off
	// without looking like the caller's cancellation. The response header
	// timeout bounds the wait for the answer, not the body: a server that
	// stops sending would otherwise hold a transfer forever.
	bctx, w := watchdog.NewForBody(ctx, b.timeout)
	var raw *http.Response
	resp, err := b.cli.NewBlobClient(full).DownloadStream(policy.WithCaptureResponse(bctx, &raw), opts)
	if err != nil {
		w.Stop()
		err = classify("open", key, err)
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			// Reading at or past the end gives nothing, as a file would.
			if obj, serr := b.Stat(ctx, key); serr == nil && offset >= obj.Size {
				return connectors.NewObjectReader(http.NoBody, obj), nil
			}
		}
		return nil, err
	}
	// A blob cut halfway must not read as its end: classify says transient.
	body := w.Body(resp.Body, resp.Body, func(err error) error { return classify("read", key, err) })
	return connectors.NewObjectReader(body, object(key, raw.Header)), nil
}

// Put uploads the blob in one Put Blob request, which Azure applies whole
// or not at all. With an MD5 the service checks the bytes (Md5Mismatch).
func (b *Bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	full, err := b.blobName("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if err := connectors.CheckHeaders(opts); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}
	body, err := newSection(r, size)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, "put", key, err)
	}
	uo := &blockblob.UploadOptions{Metadata: metadata(opts), HTTPHeaders: httpHeaders(opts.Headers)}
	if len(opts.MD5) > 0 {
		uo.TransactionalValidation = blob.TransferValidationTypeMD5(opts.MD5)
		// Stored too, so a later Stat and other tools see the object's MD5.
		uo.HTTPHeaders.BlobContentMD5 = opts.MD5
	}
	resp, err := b.cli.NewBlockBlobClient(full).Upload(ctx, streaming.NopCloser(body), uo)
	if err != nil {
		return connectors.Object{}, classify("put", key, err)
	}
	return connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: etag(resp.ETag)}, nil
}

// Delete removes the blob and its snapshots; a missing blob is no error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	full, err := b.blobName("delete", key)
	if err != nil {
		return err
	}
	_, err = b.cli.NewBlobClient(full).Delete(ctx, &blob.DeleteOptions{DeleteSnapshots: to(blob.DeleteSnapshotsOptionTypeInclude)})
	if err = classify("delete", key, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// metadata is the user metadata to store: the caller's, and the mtime.
// Azure metadata names must be C# identifiers: the caller's are passed as
// they are and a name Azure refuses fails the request (InvalidMetadata).
func metadata(opts connectors.PutOptions) map[string]*string {
	um := opts.UserMeta()
	m := make(map[string]*string, len(um))
	for k, v := range um {
		m[k] = to(v)
	}
	return m
}

// httpHeaders are the standard headers to store, as the SDK takes them.
// Azure has no Expires among a blob's properties: it is dropped.
func httpHeaders(h connectors.Headers) *blob.HTTPHeaders {
	ptr := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	return &blob.HTTPHeaders{
		BlobContentType:        ptr(h.ContentType),
		BlobContentEncoding:    ptr(h.ContentEncoding),
		BlobCacheControl:       ptr(h.CacheControl),
		BlobContentDisposition: ptr(h.ContentDisposition),
	}
}

func etag(e *azcore.ETag) string {
	if e == nil {
		return ""
	}
	return strings.Trim(string(*e), `"`)
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// tier is the access tier as Object.StorageClass spells it: "" for Hot,
// the default; Cool, Cold and Archive as Azure names them (Archive blobs
// cannot be read before a rehydration, as connectors.Archived says).
func tier(t string) string {
	if t == "Hot" {
		return ""
	}
	return t
}

func to[T any](v T) *T { return &v }

// section presents size bytes of r from its current position as a stream
// that starts at 0, as the SDK requires of a body (it panics otherwise),
// and that ends after size bytes whatever follows in r.
type section struct {
	r          io.ReadSeeker
	base, size int64
	off        int64 // relative to base
}

func newSection(r io.ReadSeeker, size int64) (*section, error) {
	base, err := r.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, fmt.Errorf("body is not seekable: %w", err)
	}
	return &section{r: r, base: base, size: size}, nil
}

func (s *section) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	if rest := s.size - s.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := s.r.Read(p)
	s.off += int64(n)
	if err == io.EOF && s.off < s.size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (s *section) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	}
	if offset < 0 {
		return 0, errors.New("seek before the start")
	}
	if _, err := s.r.Seek(s.base+offset, io.SeekStart); err != nil {
		return 0, err
	}
	s.off = offset
	return offset, nil
}
