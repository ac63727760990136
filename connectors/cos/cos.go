// Package cos is the Tencent Cloud Object Storage backend, built on the
// vendor's SDK (github.com/tencentyun/cos-go-sdk-v5).
//
// A COS bucket is named <name>-<appid> and lives in one region; requests
// go to <bucket>.cos.<region>.myqcloud.com. An address may give another
// endpoint: a domain (cos-internal.<region>.tencentcos.cn, an accelerated
// domain...) is prefixed with the bucket as COS expects; an IP address or
// localhost (a private gateway, the test server) is dialled as it is, with
// the bucket's COS host name sent in the Host header, which is what COS
// reads the bucket from and what the signature covers.
//
// The SDK's retries are off (the agent owns retries and throttling) and so
// is its upload CRC-64 check (the agent verifies every copy itself, with
// the x-cos-hash-crc64ecma COS returns).
package cos

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/transport"
)

// COS limits.
const (
	maxKeyBytes = 850     // an object key is at most 850 bytes of UTF-8
	minPartSize = 1 << 20 // every part but the last
	maxParts    = 10000
	maxListKeys = 1000
	// maxMetaBytes: the x-cos-meta-* headers are limited to 2 KB (PUT
	// Object, request headers); InitiateMultipartUpload allows 2 KB a
	// header and 4 KB in all: 2 KB holds for both.
	maxMetaBytes = 2 << 10
)

// defaultTimeout bounds each wait for the server when the address sets none.
const defaultTimeout = time.Minute

// maxIdlePerHost is high because the agent runs many transfers and parts
// in parallel against one endpoint; each needs its own connection.
const maxIdlePerHost = 256

var (
	// BucketRE is a COS bucket name: a lower-case name, a hyphen and the
	// account's APPID (digits); at most 50 characters before the APPID.
	BucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,49}-[0-9]{5,}$`)
	// RegionRE is a COS region such as ap-guangzhou or na-siliconvalley.
	RegionRE = regexp.MustCompile(`^[a-z]+(-[a-z]+)+(-[0-9]+)?$`)
)

// bucket is one COS bucket, or the part of it under a prefix. Its fields
// are set by New and never change, so it is safe for concurrent use.
type bucket struct {
	client   *cos.Client
	name     string
	prefix   string // "" or ending in "/"
	pageSize int
	timeout  time.Duration
	http     *http.Client
	exists   atomic.Bool // the bucket answered once: a 404 is a missing key
}

var (
	_ connectors.Bucket            = (*bucket)(nil)
	_ connectors.MultipartUploader = (*bucket)(nil)
)

// New opens the COS address addr. It sends nothing: Check verifies it.
func New(_ context.Context, addr connectors.Address) (connectors.Bucket, error) {
	invalid := func(msg string) error {
		return connectors.NewError(connectors.KindInvalidArgument, "new", "", errors.New(msg))
	}
	if !BucketRE.MatchString(addr.Bucket) {
		return nil, invalid("the bucket must be named <name>-<appid>, as " + addr.Bucket + " is not")
	}
	if !RegionRE.MatchString(addr.Region) {
		return nil, invalid("invalid region " + addr.Region)
	}
	host := addr.Bucket + ".cos." + addr.Region + ".myqcloud.com"
	base := &url.URL{Scheme: "https", Host: host}
	sendHost := ""
	if addr.Endpoint != "" {
		u, err := parseEndpoint(addr.Endpoint)
		if err != nil {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "new", "", err)
		}
		base.Scheme = u.Scheme
		switch h := u.Hostname(); {
		case net.ParseIP(h) != nil || h == "localhost":
			base.Host, sendHost = u.Host, host
		case strings.HasPrefix(h, addr.Bucket+"."):
			base.Host = u.Host
		default:
			base.Host = addr.Bucket + "." + u.Host
		}
	}
	prefix := strings.TrimLeft(addr.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if !utf8.ValidString(prefix) || len(prefix) >= maxKeyBytes {
		return nil, connectors.NewError(connectors.KindUnsupportedName, "new", "", errors.New("the prefix is not a valid COS key"))
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	hc := &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID:  addr.AccessKeyID,
		SecretKey: addr.AccessKeySecret,
		Transport: transport.New(timeout, maxIdlePerHost),
	}}
	c := cos.NewClient(&cos.BaseURL{BucketURL: base}, hc)
	c.Host = sendHost
	c.UserAgent = "mgw"
	c.Conf.RetryOpt.Count = 1
	c.Conf.EnableCRC = false
	// Keys travel with "/" encoded, so "a/../b" is one path segment; keys
	// that are only dots are refused by objectName instead.
	c.Conf.ObjectKeySimplifyCheck = false

	pageSize := addr.PageSize
	if pageSize <= 0 || pageSize > maxListKeys {
		pageSize = maxListKeys
	}
	return &bucket{client: c, name: addr.Bucket, prefix: prefix, pageSize: pageSize, timeout: timeout, http: hc}, nil
}

// parseEndpoint reads an endpoint URL; a bare host name means https.
func parseEndpoint(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("the endpoint is not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("the endpoint must be an http:// or https:// URL, not " + u.Redacted())
	}
	return u, nil
}

// Features: COS has resumable multipart uploads and reports CRC-64.
func (b *bucket) Features() connectors.Features {
	return connectors.Features{
		WholeReads:   true,
		Multipart:    b,
		MaxKeyBytes:  maxKeyBytes - len(b.prefix),
		UTF8Keys:     true,
		MinPartSize:  minPartSize,
		MaxParts:     maxParts,
		CRC64:        true,
		Metadata:     true,
		MaxMetaBytes: maxMetaBytes,
		Restorer:     b,
		Uploads:      b,
	}
}

func (b *bucket) Close() error {
	b.http.CloseIdleConnections()
	return nil
}

// objectName is the COS key of key, or a KindUnsupportedName error
// decided before anything is sent.
func (b *bucket) objectName(op, key string) (string, error) {
	switch {
	case key == "":
		return "", unsupportedName(op, key, "empty key")
	case !utf8.ValidString(key):
		return "", unsupportedName(op, key, "COS keys must be UTF-8")
	}
	name := b.prefix + key
	switch {
	case len(name) > maxKeyBytes:
		return "", unsupportedName(op, key, "COS keys are at most 850 bytes")
	case name == "." || name == "..":
		return "", unsupportedName(op, key, `a COS key cannot be "." or ".."`)
	}
	return name, nil
}

func (b *bucket) relKey(name string) string { return strings.TrimPrefix(name, b.prefix) }

// call bounds a request whose answer is read whole.
func (b *bucket) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, b.timeout)
}

// Check lists the prefix (a GET tells the error code, where a HEAD of the
// bucket would tell only the status), then makes sure the prefix is not
// an object.
func (b *bucket) Check(ctx context.Context) error {
	cctx, cancel := b.call(ctx)
	_, _, err := b.client.Bucket.Get(cctx, &cos.BucketGetOptions{Prefix: b.prefix, MaxKeys: 1})
	cancel()
	if err != nil {
		return wrap("check", "", err)
	}
	b.exists.Store(true)
	if b.prefix == "" {
		return nil
	}
	dir := strings.TrimSuffix(b.prefix, "/")
	cctx, cancel = b.call(ctx)
	defer cancel()
	_, err = b.client.Object.Head(cctx, dir, nil)
	if err == nil {
		return connectors.NewError(connectors.KindNotDir, "check", "", errors.New("the prefix "+b.prefix+" is an object, not a folder"))
	}
	switch err = wrap("check", "", err); connectors.KindOf(err) {
	case connectors.KindNotFound, connectors.KindAccessDenied:
		return nil // the listing above showed the prefix is usable
	}
	return err
}
