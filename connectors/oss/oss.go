// Package oss is the Alibaba Cloud Object Storage Service backend, built on
// the vendor's V2 SDK (github.com/aliyun/alibabacloud-oss-go-sdk-v2) with V4
// signatures.
//
// The SDK's own retries are off: the agent owns retries and throttling,
// and a second layer of retries below it would multiply attempts and hide
// throttling from its pacer. The SDK's upload CRC-64 check is off too: the
// agent computes CRC-64/ECMA while it streams and compares it with the
// value OSS returns, which every Put and UploadPart passes back.
package oss

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// OSS limits.
const (
	maxKeyBytes = 1023       // an object name is 1 to 1023 bytes of UTF-8
	minPartSize = 100 * 1024 // every part but the last
	maxParts    = 10000
	maxListKeys = 1000 // the most keys one list request returns
	// maxMetaBytes: "the total size of all user metadata cannot exceed
	// 8 KB" (OSS error page 0011-00000002, PutObject reference).
	maxMetaBytes = 8 << 10
)

// bucket is one OSS bucket, or the part of it under a prefix. Its fields
// are set by New and never change, so it is safe for concurrent use.
type bucket struct {
	client    *oss.Client
	name      string
	prefix    string // "" or ending in "/"
	pageSize  int32
	timeout   time.Duration
	closeIdle func()
	// who is what a server-side copy from another bucket needs in
	// common with this one.
	who          connectors.Service
	copyPartSize int64 // of a server-side copy by UploadPartCopy
}

var (
	_ connectors.Bucket            = (*bucket)(nil)
	_ connectors.MultipartUploader = (*bucket)(nil)
)

// New opens the OSS address addr. It sends nothing: Check verifies the
// address.
func New(ctx context.Context, addr connectors.Address) (connectors.Bucket, error) {
	if addr.Bucket == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "new", "", errors.New("no bucket given"))
	}
	if !oss.IsValidBucketName(&addr.Bucket) {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "new", "",
			errors.New("invalid bucket name "+addr.Bucket))
	}
	// The console shows regions both as "cn-hangzhou" and "oss-cn-hangzhou";
	// V4 signatures need the former.
	region := strings.TrimPrefix(addr.Region, "oss-")
	if region == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "new", "", errors.New("no region given"))
	}

	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	httpClient := newHTTPClient(timeout)

	cfg := oss.NewConfig().
		WithRegion(region).
		WithHttpClient(httpClient).
		WithRetryer(retry.NopRetryer{}).
		WithRetryMaxAttempts(1).
		WithSignatureVersion(oss.SignatureVersionV4).
		WithDisableUploadCRC64Check(true).
		WithUsePathStyle(addr.PathStyle).
		WithUserAgent("mgw")
	var endpoint string
	if addr.Endpoint != "" {
		var err error
		if endpoint, err = parseEndpoint(addr.Endpoint); err != nil {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "new", "", err)
		}
		cfg.WithEndpoint(endpoint)
	}
	if addr.AccessKeyID != "" || addr.AccessKeySecret != "" {
		cfg.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(addr.AccessKeyID, addr.AccessKeySecret))
	} else {
		cfg.WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider())
	}

	prefix := strings.TrimLeft(addr.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	if !utf8.ValidString(prefix) || len(prefix) >= maxKeyBytes {
		return nil, connectors.NewError(connectors.KindUnsupportedName, "new", "",
			errors.New("prefix is not a valid OSS object name"))
	}

	pageSize := addr.PageSize
	if pageSize <= 0 || pageSize > maxListKeys {
		pageSize = maxListKeys
	}
	return &bucket{
		client:    oss.NewClient(cfg),
		name:      addr.Bucket,
		prefix:    prefix,
		pageSize:  int32(pageSize),
		timeout:   timeout,
		closeIdle: httpClient.CloseIdleConnections,
		who: connectors.Service{Endpoint: strings.TrimRight(strings.ToLower(endpoint), "/"), Region: region,
			PathStyle: addr.PathStyle, KeyID: addr.AccessKeyID, Secret: addr.AccessKeySecret},
		copyPartSize: defaultCopyPartSize,
	}, nil
}

// parseEndpoint returns the scheme and host of an endpoint URL. A bare
// host name, as the OSS console shows endpoints, means https.
func parseEndpoint(s string) (string, error) {
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		// Not quoted: a URL that does not parse might still hold a password.
		return "", errors.New("the endpoint is not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", errors.New("the endpoint must be an http:// or https:// URL, not " + u.Redacted())
	}
	return u.Scheme + "://" + u.Host, nil
}

// Features: OSS has resumable multipart uploads.
func (b *bucket) Features() connectors.Features {
	return connectors.Features{
		WholeReads:   true,
		Multipart:    b,
		MaxKeyBytes:  maxKeyBytes - len(b.prefix), // keys are relative to the prefix
		UTF8Keys:     true,
		MinPartSize:  minPartSize,
		MaxParts:     maxParts,
		CRC64:        true,
		Metadata:     true,
		MaxMetaBytes: maxMetaBytes,
		Restorer:     b,
		ServerCopier: b,
		Uploads:      b,
	}
}

func (b *bucket) Close() error {
	b.closeIdle()
	return nil
}

// objectName is the OSS name of key, or an error of KindUnsupportedName
// if OSS cannot store it, decided before anything is sent.
func (b *bucket) objectName(op, key string) (string, error) {
	switch {
	case key == "":
		return "", unsupportedName(op, key, "empty key")
	case !utf8.ValidString(key):
		return "", unsupportedName(op, key, "OSS object names must be UTF-8")
	}
	name := b.prefix + key
	switch {
	case len(name) > maxKeyBytes:
		return "", unsupportedName(op, key, "OSS object names are at most 1023 bytes")
	case name[0] == '/' || name[0] == '\\':
		return "", unsupportedName(op, key, `OSS object names cannot start with "/" or "\"`)
	}
	return name, nil
}

// relKey is the key of an OSS object name under the prefix.
func (b *bucket) relKey(name string) string {
	return strings.TrimPrefix(name, b.prefix)
}

// call bounds a request whose answer is read whole (no streamed body) by
// the address's timeout. One that runs out fails as a stall, which says
// how long it waited (net/http returns the context's cause).
func (b *bucket) call(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, b.timeout, watchdog.Stalled{After: b.timeout})
}

// Check verifies credentials, bucket and region with GetBucketInfo, that
// the prefix can be listed, then that the prefix is not an object.
func (b *bucket) Check(ctx context.Context) error {
	cctx, cancel := b.call(ctx)
	_, infoErr := b.client.GetBucketInfo(cctx, &oss.GetBucketInfoRequest{Bucket: &b.name})
	cancel()
	infoErr = wrap("check", "", infoErr)
	if infoErr != nil && connectors.KindOf(infoErr) != connectors.KindAccessDenied {
		return infoErr
	}
	// A RAM policy may grant a prefix and not GetBucketInfo, or deny a
	// prefix in a bucket otherwise open: what the agent needs is to list
	// the prefix, so that decides.
	cctx, cancel = b.call(ctx)
	_, err := b.client.ListObjectsV2(cctx, &oss.ListObjectsV2Request{Bucket: &b.name, Prefix: &b.prefix, MaxKeys: 1})
	cancel()
	if err != nil {
		return wrap("check", "", err)
	}
	if b.prefix == "" {
		return nil
	}
	dir := strings.TrimSuffix(b.prefix, "/")
	cctx, cancel = b.call(ctx)
	defer cancel()
	_, err = b.client.HeadObject(cctx, &oss.HeadObjectRequest{Bucket: &b.name, Key: &dir})
	if err == nil {
		return connectors.NewError(connectors.KindNotDir, "check", "",
			errors.New("the prefix "+b.prefix+" is an object, not a folder"))
	}
	switch err = wrap("check", "", err); connectors.KindOf(err) {
	case connectors.KindNotFound:
		return nil
	case connectors.KindAccessDenied:
		// A policy granting "prefix/*" hides the name beside it; the
		// listing above showed the prefix is usable.
		return nil
	}
	return err
}
