// Package gcs is the connector for Google Cloud Storage, built on
// cloud.google.com/go/storage over its JSON API, authenticated by a
// service-account key file. GCS is mainly a source: objects are written
// in one request (there is no resumable multipart upload here).
//
// The client's own retries are switched off: the agent owns retries and
// throttling, and must see every throttle to slow the whole address down.
package gcs

import (
	"context"
	"crypto/md5"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"cloud.google.com/go/storage"
	"google.golang.org/api/iterator"
	"google.golang.org/api/option"

	"github.com/mgw-dev/mgw/connectors"
)

const (
	maxKeyBytes = 1024 // GCS: object names are 1-1024 bytes of UTF-8
	maxPageSize = 1000
	// maxMetaBytes: MAX_CUSTOM_METADATA_TOTAL_SIZE_BYTES, "the maximum
	// total bytes that can be populated into all field names and values
	// of the custom_metadata for one object. 8 KiB" (Cloud Storage API
	// reference, ServiceConstants.Values).
	maxMetaBytes = 8 << 10
)

// Bucket is one bucket (and name prefix) of Google Cloud Storage.
type Bucket struct {
	cli      *storage.Client
	bkt      *storage.BucketHandle
	prefix   string // "" or ending in "/"
	pageSize int

	// exists is set once the server has shown the bucket exists, after
	// which a 404 means a missing object (see notFound).
	exists atomic.Bool
}

var _ connectors.Bucket = (*Bucket)(nil)

// New opens the bucket of addr with the key file addr.KeyJSON. addr.Endpoint,
// if set, is the JSON API's base URL (https://storage.googleapis.com/storage/v1/
// by default). It sends no request: Check does.
func New(ctx context.Context, addr connectors.Address) (connectors.Bucket, error) {
	if addr.Bucket == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", errors.New("no bucket given"))
	}
	if _, err := ParseKeyFile(addr.KeyJSON); err != nil {
		return nil, connectors.NewError(connectors.KindBadSecret, "open", "", err)
	}
	opts := []option.ClientOption{
		option.WithAuthCredentialsJSON(option.ServiceAccount, addr.KeyJSON),
		option.WithTelemetryDisabled(),
	}
	if addr.Endpoint != "" {
		u, err := url.Parse(addr.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "open", "",
				errors.New("endpoint must be an http:// or https:// URL without credentials"))
		}
		ep := addr.Endpoint
		if u.Path == "" || u.Path == "/" {
			ep = strings.TrimRight(ep, "/") + "/storage/v1/"
		}
		opts = append(opts, option.WithEndpoint(ep))
	}
	cli, err := storage.NewClient(ctx, opts...)
	if err != nil {
		return nil, connectors.NewError(connectors.KindBadSecret, "open", "", errors.New("cannot build a client from the key file"))
	}
	pageSize := addr.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	prefix := strings.TrimLeft(addr.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	bkt := cli.Bucket(addr.Bucket).Retryer(storage.WithPolicy(storage.RetryNever))
	return &Bucket{cli: cli, bkt: bkt, prefix: prefix, pageSize: pageSize}, nil
}

// Features: keys are UTF-8 of at most 1024 bytes; no multipart upload.
// Metadata: GCS keeps no Expires among its fixed-key metadata (Cache-
// Control, Content-Disposition, -Encoding, -Language, -Type, Custom-Time).
func (b *Bucket) Features() connectors.Features {
	return connectors.Features{
		WholeReads:   true,
		MaxKeyBytes:  maxKeyBytes - len(b.prefix),
		UTF8Keys:     true,
		Metadata:     true,
		MaxMetaBytes: maxMetaBytes,
	}
}

// Check lists one object (the key file's token, the bucket and the
// permission to list it in one request), then makes sure the prefix is not
// an object.
func (b *Bucket) Check(ctx context.Context) error {
	it := b.bkt.Objects(ctx, &storage.Query{Prefix: b.prefix})
	it.PageInfo().MaxSize = 1
	if _, err := it.Next(); err != nil && err != iterator.Done {
		return classify("check", "", err)
	}
	if b.prefix == "" {
		return nil
	}
	file := strings.TrimSuffix(b.prefix, "/")
	_, err := b.bkt.Object(file).Attrs(ctx)
	if err == nil {
		return &connectors.Error{Kind: connectors.KindNotDir, Op: "check", Key: file,
			Err: errors.New("the prefix is an object, not a folder")}
	}
	if err = classify("check", file, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// Close releases the client's connections.
func (b *Bucket) Close() error { return b.cli.Close() }

// List pages through the objects under prefix; only one page is in memory
// at a time. onErr is never called.
func (b *Bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	return b.list(ctx, "list", prefix, "", fn)
}

// ListDir lists the objects directly under dir; sub-folders are left out.
func (b *Bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if dir != "" && !strings.HasSuffix(dir, "/") {
		return &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "listdir", Key: dir,
			Err: errors.New("a folder must end in /")}
	}
	return b.list(ctx, "listdir", dir, "/", fn)
}

func (b *Bucket) list(ctx context.Context, op, prefix, delim string, fn func(connectors.Object) error) error {
	q := &storage.Query{Prefix: b.prefix + prefix, Delimiter: delim}
	// Only what an Object holds: smaller pages, faster listings.
	if err := q.SetAttrSelection([]string{"Name", "Size", "Updated", "Etag", "StorageClass"}); err != nil {
		return classify(op, prefix, err)
	}
	it := b.bkt.Objects(ctx, q)
	it.PageInfo().MaxSize = b.pageSize
	for {
		a, err := it.Next()
		if err == iterator.Done {
			return nil
		}
		if err != nil {
			return classify(op, prefix, err)
		}
		b.exists.Store(true)
		if a.Name == "" {
			continue // a sub-folder (a.Prefix) of a delimited listing
		}
		rel, ok := strings.CutPrefix(a.Name, b.prefix)
		if !ok || rel == "" || strings.HasSuffix(rel, "/") {
			continue // a folder marker, or the prefix itself
		}
		// A listing tells neither metadata nor headers (servers that
		// ignore the field selection send them anyway).
		o := object(rel, a)
		o.Meta, o.Headers = nil, connectors.Headers{}
		if err := fn(o); err != nil {
			return err
		}
	}
}

func object(key string, a *storage.ObjectAttrs) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Type:         connectors.Regular,
		Size:         a.Size,
		ModTime:      a.Updated,
		ETag:         strings.Trim(a.Etag, `"`),
		StorageClass: storageClass(a.StorageClass),
		Headers: connectors.Headers{
			ContentType:        a.ContentType,
			ContentEncoding:    a.ContentEncoding,
			CacheControl:       a.CacheControl,
			ContentDisposition: a.ContentDisposition,
		},
	}
	// Every GCS class reads at once, but ARCHIVE is also COS's name for a
	// class that needs a restore: say it is readable.
	o.Restored = connectors.Archived(o.StorageClass)
	if len(a.Metadata) > 0 {
		o.Meta = make(map[string]string, len(a.Metadata))
		for k, v := range a.Metadata {
			o.Meta[strings.ToLower(k)] = v
		}
	}
	return o
}

// storageClass: "" for STANDARD, as the Object contract spells it. GCS's
// NEARLINE, COLDLINE and ARCHIVE are all readable at once (no restore:
// Features.Restorer is nil); connectors.Archived mistakes ARCHIVE for
// COS's class of that name, so object marks it Restored.
func storageClass(c string) string {
	if c == "STANDARD" {
		return ""
	}
	return c
}

// objectName returns the full name of key, refusing names GCS cannot store
// before anything is sent.
func (b *Bucket) objectName(op, key string) (string, error) {
	full := b.prefix + key
	switch {
	case key == "" || strings.HasSuffix(key, "/"):
		return "", &connectors.Error{Kind: connectors.KindInvalidArgument, Op: op, Key: key,
			Err: errors.New("not an object key")}
	case !utf8.ValidString(key):
		return "", &connectors.Error{Kind: connectors.KindUnsupportedName, Op: op, Key: key,
			Err: errors.New("key is not valid UTF-8")}
	case len(full) > maxKeyBytes:
		return "", &connectors.Error{Kind: connectors.KindUnsupportedName, Op: op, Key: key,
			Err: errors.New("key is longer than 1024 bytes")}
	case strings.ContainsAny(key, "\r\n"):
		// GCS refuses carriage returns and line feeds in names.
		return "", &connectors.Error{Kind: connectors.KindUnsupportedName, Op: op, Key: key,
			Err: errors.New("key holds a line break")}
	}
	return full, nil
}

// Stat reads the object's attributes.
func (b *Bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	full, err := b.objectName("stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	a, err := b.bkt.Object(full).Attrs(ctx)
	if err != nil {
		return connectors.Object{}, b.notFound(ctx, classify("stat", key, err))
	}
	b.exists.Store(true)
	return object(key, a), nil
}

// Open reads a byte range of the object, as stored: an object whose
// Content-Encoding is gzip is not decompressed (GCS would transcode it).
// The reader tells the object (connectors.ObjectReader); GCS's answer to
// a read does not carry all of it (no user metadata), so its attributes
// are read too, and must be those of the generation being read.
func (b *Bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	full, err := b.objectName("open", key)
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "open", Key: key,
			Err: errors.New("negative offset")}
	}
	if length == 0 {
		obj, err := b.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		return connectors.NewObjectReader(http.NoBody, obj), nil
	}
	if length < 0 {
		length = -1
	}
	r, err := b.bkt.Object(full).ReadCompressed(true).NewRangeReader(ctx, offset, length)
	if err != nil {
		err = classify("open", key, err)
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			if obj, serr := b.Stat(ctx, key); serr == nil && offset >= obj.Size {
				return connectors.NewObjectReader(http.NoBody, obj), nil
			}
		}
		return nil, b.notFound(ctx, err)
	}
	b.exists.Store(true)
	return &reader{r: r, key: key, ctx: ctx, obj: b.bkt.Object(full).Generation(r.Attrs.Generation)}, nil
}

// reader classifies the errors met while the object streams in. It is a
// connectors.ObjectReader whose Object asks for the attributes of the
// generation being read only when called: a GCS read's answer lacks the
// user metadata, and a copy to a disk needs none.
type reader struct {
	r   *storage.Reader
	key string

	ctx  context.Context
	obj  *storage.ObjectHandle // the generation read
	once sync.Once
	o    connectors.Object
}

// Object describes the generation being read. If its attributes cannot
// be read (the generation was replaced since), it tells what the read's
// answer did, without ETag or user metadata, so no version check matches.
func (r *reader) Object() connectors.Object {
	r.once.Do(func() {
		if a, err := r.obj.Attrs(r.ctx); err == nil {
			r.o = object(r.key, a)
			return
		}
		ra := r.r.Attrs
		r.o = connectors.Object{Key: r.key, Type: connectors.Regular, Size: ra.Size, ModTime: ra.LastModified,
			Headers: connectors.Headers{ContentType: ra.ContentType, ContentEncoding: ra.ContentEncoding, CacheControl: ra.CacheControl}}
	})
	return r.o
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil && err != io.EOF {
		err = classify("read", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.r.Close() }

// Put uploads the object in one request (ChunkSize 0: no resumable
// session), which GCS applies whole or not at all. With an MD5 the server
// checks the bytes; the MD5 is also computed here while sending, and a
// mismatch cancels the request before it completes, for servers (such as
// emulators) that do not check.
func (b *Bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	full, err := b.objectName("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnknown, "put", key, err)
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := b.bkt.Object(full).NewWriter(wctx)
	w.ChunkSize = 0
	w.Metadata = metadata(opts)
	// Expires has no place in GCS: it is dropped.
	w.ContentType = opts.Headers.ContentType
	w.ContentEncoding = opts.Headers.ContentEncoding
	w.CacheControl = opts.Headers.CacheControl
	w.ContentDisposition = opts.Headers.ContentDisposition
	if len(opts.MD5) > 0 {
		w.MD5 = opts.MD5
	}
	var h hash.Hash
	src := io.LimitReader(r, size)
	if len(opts.MD5) > 0 {
		h = md5.New()
		src = io.TeeReader(src, h)
	}
	n, err := io.Copy(w, src)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil && h != nil && !equal(h.Sum(nil), opts.MD5) {
		err = &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "put", Key: key, Code: "BadDigest",
			Err: errors.New("the content does not match the MD5 given")}
	}
	if err != nil {
		cancel()
		w.Close()
		if ctx.Err() != nil {
			return connectors.Object{}, connectors.NewError(connectors.KindUnknown, "put", key, ctx.Err())
		}
		return connectors.Object{}, classify("put", key, err)
	}
	if err := w.Close(); err != nil {
		err = classify("put", key, err)
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
			// An upload has no object to miss: its bucket is gone.
			ce.Kind = connectors.KindNoSuchBucket
		}
		return connectors.Object{}, err
	}
	b.exists.Store(true)
	a := w.Attrs()
	return connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: strings.Trim(a.Etag, `"`)}, nil
}

// notFound tells a missing object from a missing bucket: the client maps
// every 404 of an object request to ErrObjectNotExist, and GCS answers 404
// for both. Until the bucket is known to exist, a 404 asks once more.
func (b *Bucket) notFound(ctx context.Context, err error) error {
	if connectors.KindOf(err) != connectors.KindNotFound || b.exists.Load() {
		return err
	}
	_, aerr := b.bkt.Attrs(ctx)
	switch {
	case aerr == nil:
		b.exists.Store(true)
	case errors.Is(aerr, storage.ErrBucketNotExist):
		var ce *connectors.Error
		if errors.As(err, &ce) {
			return &connectors.Error{Kind: connectors.KindNoSuchBucket, Op: ce.Op, Key: ce.Key, Status: 404, Err: storage.ErrBucketNotExist}
		}
	}
	return err
}

func equal(a, b []byte) bool { return string(a) == string(b) }

// Delete removes the object; a missing one is no error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	full, err := b.objectName("delete", key)
	if err != nil {
		return err
	}
	err = classify("delete", key, b.bkt.Object(full).Delete(ctx))
	if connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// metadata is the user metadata to store: the caller's, and the mtime.
func metadata(opts connectors.PutOptions) map[string]string {
	m := make(map[string]string, len(opts.Meta)+1)
	for k, v := range opts.Meta {
		m[strings.ToLower(k)] = v
	}
	if !opts.ModTime.IsZero() {
		m[connectors.MetaMtime] = connectors.FormatMtime(opts.ModTime)
	}
	return m
}
