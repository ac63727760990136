// Package azblob is the connector for Azure Blob Storage (and Azurite),
// built on the Azure SDK for Go. Objects are block blobs; a multipart
// upload is a set of staged blocks committed at the end.
//
// The SDK's own retries are switched off: the agent owns retries and
// throttling, and must see every throttle to slow the whole address down.
package azblob

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/transport"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

const (
	// Azure counts a blob name's limit in characters of its URL-escaped
	// path; 1024 bytes is the safe reading of it.
	maxKeyBytes    = 1024
	maxParts       = 50000 // blocks in one committed blob
	maxPageSize    = 5000
	defaultTimeout = 60 * time.Second
	maxIdlePerHost = 256
	// maxMetaBytes: "The total size of all metadata pairs can be up to
	// 8KB in size" (Blob service REST API, "Setting and retrieving
	// properties and metadata for Blob service resources").
	maxMetaBytes = 8 << 10
	// publicSuffix is where accounts live when no endpoint is given.
	publicSuffix = "core.windows.net"
)

// Bucket is one container (and blob name prefix) of an Azure account.
type Bucket struct {
	cli       *container.Client
	transport *http.Transport
	prefix    string // "" or ending in "/"
	pageSize  int32
	timeout   time.Duration
}

var _ connectors.Bucket = (*Bucket)(nil)
var _ connectors.MultipartUploader = (*Bucket)(nil)

// New opens the container addr.Bucket. It sends no request: Check does.
// Credentials come from addr.ConnectionString, or addr.Account with
// addr.AccountKey, or addr.SAS; a malformed one is KindBadSecret.
func New(ctx context.Context, addr connectors.Address) (connectors.Bucket, error) {
	if addr.Bucket == "" {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", "", errors.New("no container given"))
	}
	timeout := addr.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	tr := transport.New(timeout, maxIdlePerHost)
	// A custom dialer turns net/http's HTTP/2 off; endpoints that offer it
	// keep it.
	tr.ForceAttemptHTTP2 = true
	opts := &container.ClientOptions{ClientOptions: policy.ClientOptions{
		Transport: &http.Client{Transport: watchdog.Transport(tr, timeout)},
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}}
	cli, err := newClient(addr, opts)
	if err != nil {
		return nil, err
	}
	pageSize := addr.PageSize
	if pageSize <= 0 || pageSize > maxPageSize {
		pageSize = maxPageSize
	}
	prefix := strings.TrimLeft(addr.Prefix, "/")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	return &Bucket{cli: cli, transport: tr, prefix: prefix, pageSize: int32(pageSize), timeout: timeout}, nil
}

// newClient builds the container client from whichever credential the
// address holds. Errors never quote a key or a SAS.
func newClient(addr connectors.Address, opts *container.ClientOptions) (*container.Client, error) {
	bad := func(kind connectors.Kind, msg string) error {
		return connectors.NewError(kind, "open", "", errors.New(msg))
	}
	account, key, sas, endpoint := addr.Account, addr.AccountKey, addr.SAS, addr.Endpoint
	if addr.ConnectionString != "" {
		cs, err := connectors.ParseAzureConnString(addr.ConnectionString)
		if err != nil {
			return nil, connectors.NewError(connectors.KindBadSecret, "open", "", err)
		}
		account, key, sas, endpoint = cs.AccountName, cs.AccountKey, cs.SAS, cs.BlobEndpoint
		if endpoint == "" {
			proto, suffix := cs.Protocol, cs.Suffix
			if proto == "" {
				proto = "https"
			}
			if suffix == "" {
				suffix = publicSuffix
			}
			endpoint = proto + "://" + account + ".blob." + suffix
		}
	}
	if endpoint == "" {
		if account == "" {
			return nil, bad(connectors.KindBadKeyID, "no storage account or endpoint given")
		}
		endpoint = "https://" + account + ".blob." + publicSuffix
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, bad(connectors.KindBadEndpoint, "endpoint must be an http:// or https:// URL without credentials")
	}
	u.RawQuery = ""
	containerURL := strings.TrimRight(u.String(), "/") + "/" + url.PathEscape(addr.Bucket)
	switch {
	case key != "":
		if account == "" {
			return nil, bad(connectors.KindBadKeyID, "an account key needs the account name")
		}
		cred, err := container.NewSharedKeyCredential(account, key)
		if err != nil {
			// The SDK's text names the base64 fault, not the key.
			return nil, bad(connectors.KindBadSecret, "the account key is not valid base64")
		}
		return wrapOpen(container.NewClientWithSharedKeyCredential(containerURL, cred, opts))
	case sas != "":
		return wrapOpen(container.NewClientWithNoCredential(containerURL+"?"+strings.TrimPrefix(sas, "?"), opts))
	}
	return nil, bad(connectors.KindBadSecret, "no account key, SAS or connection string given")
}

func wrapOpen(c *container.Client, err error) (*container.Client, error) {
	if err != nil {
		// Only the URL can be wrong here, and it may carry a SAS.
		return nil, connectors.NewError(connectors.KindBadEndpoint, "open", "", errors.New("cannot build the container URL"))
	}
	return c, nil
}

// Features: staged blocks make resumable multipart uploads; a block may
// be of any size, so there is no minimum part size.
func (b *Bucket) Features() connectors.Features {
	return connectors.Features{
		WholeReads:   true,
		Multipart:    b,
		MaxKeyBytes:  maxKeyBytes - len(b.prefix),
		UTF8Keys:     true,
		MaxParts:     maxParts,
		Metadata:     true,
		MaxMetaBytes: maxMetaBytes,
		Restorer:     b,
	}
}

// Check lists one blob (account, key or SAS, and container in one request
// that a SAS with list permission may make, unlike reading the container's
// properties), then makes sure the prefix is not a blob.
func (b *Bucket) Check(ctx context.Context) error {
	p := b.cli.NewListBlobsFlatPager(&container.ListBlobsFlatOptions{Prefix: to(b.prefix), MaxResults: to(int32(1))})
	if _, err := p.NextPage(ctx); err != nil {
		return classify("check", "", err)
	}
	if b.prefix == "" {
		return nil
	}
	file := strings.TrimSuffix(b.prefix, "/")
	_, err := b.cli.NewBlobClient(file).GetProperties(ctx, nil)
	if err == nil {
		return &connectors.Error{Kind: connectors.KindNotDir, Op: "check", Key: file,
			Err: errors.New("the prefix is a blob, not a folder")}
	}
	if err = classify("check", file, err); connectors.KindOf(err) == connectors.KindNotFound {
		return nil
	}
	return err
}

// Close drops idle connections; the client holds nothing else.
func (b *Bucket) Close() error {
	b.transport.CloseIdleConnections()
	return nil
}

// blobName returns the full name of key, refusing names Azure cannot
// store before anything is sent.
func (b *Bucket) blobName(op, key string) (string, error) {
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
	}
	return full, nil
}
