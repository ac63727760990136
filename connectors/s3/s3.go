// Package s3 is the connector for Amazon S3 and the many services that speak
// its protocol (MinIO, Ceph RGW, versitygw, and the S3 interfaces of other
// clouds), built on aws-sdk-go-v2.
//
// The SDK's own retries are switched off: the agent owns retries and
// throttling, and must see every throttle to slow the whole address down.
package s3

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/transport"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

const (
	maxKeyBytes    = 1023 // S3's limit on a full key, prefix included
	minPartSize    = 5 << 20
	maxParts       = 10000
	maxPageSize    = 1000
	defaultTimeout = 60 * time.Second
	defaultRegion  = "us-east-1"
	// maxIdlePerHost is high because the agent runs many transfers and
	// parts in parallel against one endpoint; each needs its own connection.
	maxIdlePerHost = 256
)

// Bucket is one bucket (and key prefix) of an S3 service.
type Bucket struct {
	cli       *s3.Client
	transport *http.Transport
	bucket    string
	prefix    string // "" or ending in "/"
	pageSize  int32
	timeout   time.Duration // for an answer, and for each read of a body

	preset      Preset
	unsignedTLS bool // sign UNSIGNED-PAYLOAD for every body (https and a preset that allows it)

	// who is what a server-side copy from another bucket needs in
	// common with it (servercopy.go).
	who connectors.Service

	// exists is set once the server has shown the bucket exists, after
	// which a HEAD answered 404 means a missing key (see headError).
	exists atomic.Bool

	// noCRC32C is set once the server has shown it does not take part
	// checksums (crc32c.go): later uploads send Content-MD5.
	noCRC32C atomic.Bool
}

var _ connectors.Bucket = (*Bucket)(nil)
var _ connectors.MultipartUploader = (*Bucket)(nil)

// New opens the bucket of addr. It sends no request: Check does.
func New(ctx context.Context, addr connectors.Address) (connectors.Bucket, error) {
	if addr.Bucket == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", errors.New("no bucket given"))
	}
	addr, preset, err := Resolve(addr)
	if err != nil {
		return nil, err
	}
	if addr.Endpoint != "" {
		u, err := url.Parse(addr.Endpoint)
		// The URL is not quoted back: it might hold a password.
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "open", "",
				errors.New("endpoint must be an http:// or https:// URL"))
		}
		if u.User != nil {
			return nil, connectors.NewError(connectors.KindBadEndpoint, "open", "",
				errors.New("endpoint must not hold credentials"))
		}
	}
	region := addr.Region
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
	// A custom dialer turns net/http's HTTP/2 off; endpoints that offer it
	// keep it. Compression off changes nothing here: the SDK sends
	// Accept-Encoding: identity itself.
	tr.ForceAttemptHTTP2 = true
	var creds aws.CredentialsProvider = aws.AnonymousCredentials{}
	if addr.AccessKeyID != "" {
		creds = credentials.NewStaticCredentialsProvider(addr.AccessKeyID, addr.AccessKeySecret, "")
	}
	opts := s3.Options{
		Region:       region,
		UsePathStyle: addr.PathStyle,
		Credentials:  creds,
		HTTPClient:   &http.Client{Transport: watchdog.Transport(tr, timeout)},
		Retryer:      aws.NopRetryer{},
		// Checksums only where the API demands them: we send Content-MD5
		// or x-amz-checksum-crc32c ourselves, computed in the one pass
		// that reads a part (the SDK would hash it again), and gateways
		// differ in the newer checksum headers.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	}
	if addr.Endpoint != "" {
		opts.BaseEndpoint = aws.String(strings.TrimRight(addr.Endpoint, "/"))
	}
	unsignedTLS := preset.UnsignedPayloadTLS && strings.HasPrefix(strings.ToLower(addr.Endpoint), "https://")
	return &Bucket{
		preset:      preset,
		unsignedTLS: unsignedTLS,
		cli:         s3.New(opts),
		transport:   tr,
		bucket:      addr.Bucket,
		prefix:      prefix,
		pageSize:    int32(pageSize),
		timeout:     timeout,
		who: connectors.Service{Endpoint: strings.TrimRight(strings.ToLower(addr.Endpoint), "/"), Region: region,
			PathStyle: addr.PathStyle, KeyID: addr.AccessKeyID, Secret: addr.AccessKeySecret},
	}, nil
}

// Features: S3 has resumable multipart uploads with parts of 5 MiB or more,
// whose parts carry CRC32Cs until the server shows it does not check them.
func (b *Bucket) Features() connectors.Features {
	var crc connectors.CRC32CUploader = b
	if b.noCRC32C.Load() {
		crc = nil
	}
	return connectors.Features{
		Multipart: b,
		CRC32C:    crc,
		// Keys are relative to the prefix, which eats into S3's limit.
		MaxKeyBytes:  maxKeyBytes - len(b.prefix),
		UTF8Keys:     true,
		MinPartSize:  minPartSize,
		MaxParts:     maxParts,
		Copier:       b,
		ServerCopier: b,
		WholeReads:   true,
		Metadata:     true,
		MaxMetaBytes: maxMetaBytes,
		Restorer:     b,
		Uploads:      b,
	}
}

// Check lists one key, which tells a bad key ID from a bad secret (a HEAD
// answer has no body, so it cannot), then makes sure the prefix is not an
// object.
func (b *Bucket) Check(ctx context.Context) error {
	_, err := b.cli.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
		Bucket:  &b.bucket,
		Prefix:  aws.String(b.prefix),
		MaxKeys: aws.Int32(1),
	})
	if err != nil {
		return classify("check", "", err)
	}
	b.exists.Store(true)
	if b.prefix == "" {
		return nil
	}
	file := strings.TrimSuffix(b.prefix, "/")
	_, err = b.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: &file})
	if err == nil {
		return &connectors.Error{Kind: connectors.KindNotDir, Op: "check", Key: file,
			Err: errors.New("the prefix is an object, not a folder")}
	}
	if err = b.headError(ctx, "check", file, file, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// Close drops idle connections; the client holds nothing else.
func (b *Bucket) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

// objectKey returns the full key of key, refusing keys S3 cannot store
// before anything is sent.
func (b *Bucket) objectKey(op, key string) (string, error) {
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
			Err: errors.New("key is longer than 1023 bytes")}
	}
	return full, nil
}

// relKey turns a full key back into one relative to the prefix.
func (b *Bucket) relKey(full string) (string, bool) {
	return strings.CutPrefix(full, b.prefix)
}
