// Package upyun is a read-only source of files in an UPYUN (又拍云) cloud
// storage service, read through UPYUN's REST API: folders listed a page
// at a time with the x-list-iter iterator (JSON answers), files stat'd
// with HEAD (x-upyun-file-type, x-upyun-file-size, Last-Modified, ETag,
// Content-MD5) and read with Range GETs. Put, Delete and multipart
// uploads fail with KindUnsupported.
//
// With a CDN domain set, file content is read through it with plain GETs
// instead, because UPYUN limits the download traffic of its API: the API
// still lists the files and HEADs each one before it is read, and the
// CDN's bytes must match that HEAD (size and ETag, and the MD5 of a whole
// read), so a stale copy in the CDN's cache is refused, never copied.
//
// Requests are signed as UPYUN specifies ("签名认证"):
//
//	Authorization: UPYUN <operator>:Base64(HMAC-SHA1(MD5hex(password), METHOD&URI&Date[&Content-MD5]))
//
// with Date in RFC 1123 GMT; UPYUN refuses a date more than 30 minutes
// off. Only the MD5 of the password is kept, as the signing key.
//
// It is built on net/http, not UPYUN's Go SDK (github.com/upyun/go-sdk):
// the Go module proxy does not serve the SDK, and its List, which walks
// folders into a channel through the same iterator, takes no context,
// retries by itself with sleeps and recurses one folder at a time, where
// mgw needs cancellation, its own pacing and a parallel walk
// (connectors/internal/walk).
//
// UPYUN's error answers ({"msg", "code", "id"} with an HTTP status) are
// classified by their code (errors.go), and mapped to the catalogue's
// YOUPAI codes by the address's Code (address.go).
package upyun

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
	httptransport "github.com/mgw-dev/mgw/connectors/internal/transport"
	"github.com/mgw-dev/mgw/connectors/internal/walk"
)

// defaultTimeout bounds each wait for the server when the address sets none.
const defaultTimeout = time.Minute

// maxPage is the most entries UPYUN gives in one page of a listing
// (x-list-limit): the fewest requests against an API that limits them.
const maxPage = 10000

// listWorkers bounds the folders one List reads at once.
const listWorkers = 8

// maxIdlePerHost is the idle connections kept to the API and to the CDN.
const maxIdlePerHost = 64

type bucket struct {
	api      *url.URL // the REST API's endpoint
	cdn      *url.URL // nil: files are read through the API
	cdnHTTP  *http.Client
	service  string
	prefix   string // "" or ending in "/"
	operator string
	key      []byte // the signing key: the hex MD5 of the password
	client   *http.Client
	timeout  time.Duration
	pageSize int
}

var _ connectors.Bucket = (*bucket)(nil)

// New opens the upyun address a, validated. It sends nothing: Check
// verifies the address.
func New(a connectors.Address) (connectors.Bucket, error) {
	api, err := url.Parse(strings.TrimRight(a.Endpoint, "/"))
	if err != nil || api.Host == "" {
		return nil, connectors.NewError(connectors.KindBadEndpoint, "new", "", errors.New("the endpoint is not a URL"))
	}
	b := &bucket{api: api, service: a.Service, prefix: a.Prefix, operator: a.Operator,
		timeout: a.Timeout, pageSize: a.PageSize}
	if a.CDN != "" {
		if b.cdn, err = url.Parse(strings.TrimRight(a.CDN, "/")); err != nil || b.cdn.Host == "" {
			return nil, connectors.NewError(connectors.KindInvalidArgument, "new", "", &cdnError{host: a.CDN, err: errors.New("not a URL")})
		}
	}
	sum := md5.Sum([]byte(a.Password))
	b.key = []byte(hex.EncodeToString(sum[:]))
	if b.timeout <= 0 {
		b.timeout = defaultTimeout
	}
	if b.pageSize <= 0 || b.pageSize > maxPage {
		b.pageSize = maxPage
	}
	tr := httptransport.New(b.timeout, maxIdlePerHost)
	// Signed requests and CDN reads: none over TLS older than 1.2.
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	b.client = &http.Client{
		Transport: tr,
		// A redirect would take the signature elsewhere: an error to report.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	// A CDN may send a reader to another node; its GETs carry no secret.
	b.cdnHTTP = &http.Client{Transport: b.client.Transport}
	return b, nil
}

// Features: UPYUN keeps a file's Content-Type and x-upyun-meta-* metadata,
// which Stat and Open report; one GET reads one version of a file.
func (b *bucket) Features() connectors.Features {
	return connectors.Features{WholeReads: true, Metadata: true, UTF8Keys: true}
}

func (b *bucket) Close() error {
	b.client.CloseIdleConnections()
	return nil
}

// Put refuses every write; a name UPYUN could not hold is refused as such
// first, as by any backend.
func (b *bucket) Put(_ context.Context, key string, _ io.ReadSeeker, _ int64, _ connectors.PutOptions) (connectors.Object, error) {
	if err := checkKey("put", key); err != nil {
		return connectors.Object{}, err
	}
	return connectors.Object{}, unsupported("put", key)
}

func (b *bucket) Delete(_ context.Context, key string) error { return unsupported("delete", key) }

// checkKey refuses a key that cannot name an UPYUN file: UPYUN's names are
// UTF-8.
func checkKey(op, key string) error {
	if !utf8.ValidString(key) {
		return connectors.NewError(connectors.KindUnsupportedName, op, key, errors.New("UPYUN names are UTF-8"))
	}
	return nil
}

// tree is the walk of the service's folders from the address's prefix.
func (b *bucket) tree() walk.Tree {
	return walk.Tree{Open: b.openDir, Workers: listWorkers}
}

// List walks the folders under prefix, several at once, each a page at a
// time (walk.Tree.List). The address's prefix is a folder: missing, it is
// KindNotFound, so that a vanished folder never looks emptied.
func (b *bucket) List(ctx context.Context, prefix string, fn func(connectors.Object) error, onErr func(connectors.ListError)) error {
	if err := checkKey("list", prefix); err != nil {
		return err
	}
	return b.tree().List(ctx, prefix, fn, onErr)
}

// ListDir lists the files directly inside dir.
func (b *bucket) ListDir(ctx context.Context, dir string, fn func(connectors.Object) error) error {
	if err := checkKey("listdir", dir); err != nil {
		return err
	}
	return b.tree().ListDir(ctx, dir, fn)
}

// Check lists the first entry of the prefix's folder, which tells whether
// the operator, its password and the service are good and the folder is
// there; then, with a CDN domain, reads a first byte through it
// (checkCDN).
func (b *bucket) Check(ctx context.Context) error {
	if _, err := b.openPage(ctx, "check", "", 1); err != nil {
		return err
	}
	if b.cdn == nil {
		return nil
	}
	return b.checkCDN(ctx)
}

// escape is a path as UPYUN's signatures take it: every byte but the
// unreserved characters of RFC 3986 and "/" percent-encoded, in upper-case
// hex, as its SDKs send them.
func escape(p string) string {
	const hexDigits = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~/", c) >= 0 {
			sb.WriteByte(c)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hexDigits[c>>4])
		sb.WriteByte(hexDigits[c&15])
	}
	return sb.String()
}

// apiRequest is a signed request of the API for the path key (relative to
// the address's prefix; "" or ending in "/" for a folder).
func (b *bucket) apiRequest(ctx context.Context, method, key string) (*http.Request, error) {
	p := "/" + b.service + "/" + b.prefix + key
	u := *b.api
	u.Path, u.RawPath = u.Path+p, u.Path+escape(p)
	req, err := http.NewRequestWithContext(ctx, method, u.String(), nil)
	if err != nil {
		return nil, connectors.NewError(connectors.KindInvalidArgument, strings.ToLower(method), key, err)
	}
	date := time.Now().UTC().Format(http.TimeFormat)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", "UPYUN "+b.operator+":"+sign(b.key, method, req.URL.EscapedPath(), date, ""))
	return req, nil
}

// sign is UPYUN's signature of a request: Base64(HMAC-SHA1(key,
// METHOD&URI&DATE[&CONTENT-MD5])), the key being the hex MD5 of the
// operator's password; an empty Content-MD5 is left out with its "&".
func sign(key []byte, method, uri, date, contentMD5 string) string {
	m := hmac.New(sha1.New, key)
	m.Write([]byte(method + "&" + uri + "&" + date))
	if contentMD5 != "" {
		m.Write([]byte("&" + contentMD5))
	}
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// transport classifies an error of the HTTP client: the URL it names
// holds no secret (the signature travels in a header).
func transport(ctx context.Context, op, key string, err error) error {
	if ctx.Err() != nil {
		return connectors.NewError(connectors.KindUnknown, op, key, ctx.Err())
	}
	return &connectors.Error{Kind: connectors.Classify(err), Op: op, Key: key, Err: err}
}
