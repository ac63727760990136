// Package gcs is the connector for Google Cloud Storage, over its JSON API
// with net/http, authenticated by a service-account key file. GCS is
// mainly a source: objects are written in one request (there is no
// resumable multipart upload here).
//
// The client never retries: the agent owns retries and throttling, and
// must see every throttle to slow the whole address down.
package gcs

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/transport"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

const (
	maxKeyBytes = 1024 // GCS: object names are 1-1024 bytes of UTF-8
	maxPageSize = 1000
	// maxMetaBytes: MAX_CUSTOM_METADATA_TOTAL_SIZE_BYTES, "the maximum
	// total bytes that can be populated into all field names and values
	// of the custom_metadata for one object. 8 KiB" (Cloud Storage API
	// reference, ServiceConstants.Values).
	maxMetaBytes = 8 << 10

	defaultEndpoint = "https://storage.googleapis.com/storage/v1/"
	defaultTimeout  = time.Minute
	maxIdlePerHost  = 256
)

// Bucket is one bucket (and name prefix) of Google Cloud Storage.
type Bucket struct {
	hc        *http.Client
	transport *http.Transport
	tokens    *tokenSource
	api       string // the JSON API's base URL, ending in "/storage/v1/"
	upload    string // its upload URL: the same host's "/upload/storage/v1/"
	bucket    string
	prefix    string // "" or ending in "/"
	pageSize  int

	// exists is set once the server has shown the bucket exists, after
	// which a 404 means a missing object (see notFound).
	exists atomic.Bool
}

var _ connectors.Bucket = (*Bucket)(nil)

// New opens the bucket of addr with the key file addr.KeyJSON. addr.Endpoint,
// if set, is the JSON API's base URL (https://storage.googleapis.com/storage/v1/
// by default; a bare http://host:port gets /storage/v1/). It sends no
// request: Check does.
func New(ctx context.Context, addr connectors.Address) (connectors.Bucket, error) {
	if addr.Bucket == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", errors.New("no bucket given"))
	}
	key, err := ParseKeyFile(addr.KeyJSON)
	if err != nil {
		return nil, connectors.NewError(connectors.KindBadSecret, "open", "", err)
	}
	api := defaultEndpoint
	if addr.Endpoint != "" {
		u, err := url.Parse(addr.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "open", "",
				errors.New("endpoint must be an http:// or https:// URL without credentials"))
		}
		api = strings.TrimRight(addr.Endpoint, "/") + "/"
		if u.Path == "" || u.Path == "/" {
			api += "storage/v1/"
		}
	}
	u, _ := url.Parse(api)
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	pageSize := addr.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	prefix := strings.TrimLeft(addr.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	tr := transport.New(timeout, maxIdlePerHost)
	// A custom dialer turns net/http's HTTP/2 off; the API offers it.
	tr.ForceAttemptHTTP2 = true
	// The JSON answers (listings, metadata) travel gzipped and are
	// decompressed on the way in; a media read asks for gzip itself
	// (read.go), which keeps net/http from decompressing the object.
	tr.DisableCompression = false
	rt := watchdog.Transport(tr, timeout)
	return &Bucket{
		hc:        &http.Client{Transport: rt},
		transport: tr,
		tokens:    newTokens(key, rt),
		api:       api,
		upload:    u.Scheme + "://" + u.Host + "/upload/storage/v1/",
		bucket:    addr.Bucket,
		prefix:    prefix,
		pageSize:  pageSize,
	}, nil
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
	if _, err := b.listPage(ctx, b.prefix, "", "", 1); err != nil {
		return bucketGone(classify("check", "", err))
	}
	b.exists.Store(true)
	if b.prefix == "" {
		return nil
	}
	file := strings.TrimSuffix(b.prefix, "/")
	var res objectResource
	err := b.getJSON(ctx, b.objectURL(file), nil, &res)
	if err == nil {
		return &connectors.Error{Kind: connectors.KindNotDir, Op: "check", Key: file,
			Err: errors.New("the prefix is an object, not a folder")}
	}
	if err = classify("check", file, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// Close releases the client's idle connections.
func (b *Bucket) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

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
	token := ""
	for {
		page, err := b.listPage(ctx, b.prefix+prefix, delim, token, b.pageSize)
		if err != nil {
			return bucketGone(classify(op, prefix, err))
		}
		b.exists.Store(true)
		for i := range page.Items {
			a := &page.Items[i]
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
		if token = page.NextPageToken; token == "" {
			return nil
		}
	}
}

func object(key string, a *objectResource) connectors.Object {
	o := connectors.Object{
		Key:          key,
		Type:         connectors.Regular,
		Size:         int64(a.Size),
		ModTime:      a.updated(),
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
	var res objectResource
	if err := b.getJSON(ctx, b.objectURL(full), nil, &res); err != nil {
		return connectors.Object{}, b.notFound(ctx, classify("stat", key, err))
	}
	b.exists.Store(true)
	return object(key, &res), nil
}

// errNoBucket is what a 404 of a bucket's own request means.
var errNoBucket = errors.New("the bucket does not exist")

// notFound tells a missing object from a missing bucket: GCS answers 404
// for both. Until the bucket is known to exist, a 404 asks once more.
func (b *Bucket) notFound(ctx context.Context, err error) error {
	if connectors.KindOf(err) != connectors.KindNotFound || b.exists.Load() {
		return err
	}
	var res struct{}
	aerr := b.getJSON(ctx, b.api+"b/"+url.PathEscape(b.bucket), url.Values{"fields": {"name"}}, &res)
	var ae *apiError
	switch {
	case aerr == nil:
		b.exists.Store(true)
	case errors.As(aerr, &ae) && ae.Status == http.StatusNotFound:
		var ce *connectors.Error
		if errors.As(err, &ce) {
			return &connectors.Error{Kind: connectors.KindNoSuchBucket, Op: ce.Op, Key: ce.Key, Status: 404, Code: ce.Code, Err: errNoBucket}
		}
	}
	return err
}

// bucketGone reads a 404 of a request that names no object (a listing, an
// upload) as what it is: the bucket is missing.
func bucketGone(err error) error {
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Status == http.StatusNotFound {
		ce.Kind = connectors.KindNoSuchBucket
	}
	return err
}

// Delete removes the object; a missing one is no error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	full, err := b.objectName("delete", key)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, b.objectURL(full), nil)
	if err != nil {
		return classify("delete", key, err)
	}
	resp, err := b.do(req)
	if err == nil {
		drain(resp.Body)
	}
	err = classify("delete", key, err)
	if connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// drain reads what is left of a small answer and closes it, so its
// connection can serve the next request.
func drain(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}
