package upyun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// openCDN reads key through the CDN domain. The API's HEAD tells the file
// as the service holds it now; the CDN's answer must be that file (its
// size and, where it says, its ETag; a whole read, its MD5), else it is a
// stale copy of the CDN's cache and the read fails with KindChanged, to
// be tried again. The reader tells the file as the HEAD did.
func (b *bucket) openCDN(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	f, err := b.head(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	if offset >= f.o.Size {
		return emptyAt(f, offset)
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	u := *b.cdn
	p := "/" + b.prefix + key
	u.Path, u.RawPath = p, escape(p)
	req, err := http.NewRequestWithContext(wctx, http.MethodGet, u.String(), nil)
	if err != nil {
		w.Stop()
		return nil, b.cdnErr(connectors.KindInvalidArgument, key, 0, err)
	}
	setRange(req, offset, length)
	resp, err := b.cdnHTTP.Do(req)
	if err != nil {
		w.Stop()
		if ctx.Err() != nil {
			return nil, transport(ctx, "open", key, err)
		}
		err = w.Check(err)
		return nil, b.cdnErr(connectors.Classify(err), key, 0, err)
	}
	bad := func(kind connectors.Kind, err error) (io.ReadCloser, error) {
		w.Stop()
		resp.Body.Close()
		return nil, b.cdnErr(kind, key, resp.StatusCode, err)
	}
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusNotFound:
		return bad(connectors.KindInvalidArgument, fmt.Errorf("HTTP 404 for a file service %s holds: is the domain the service's?", b.service))
	default:
		return bad(connectors.HTTPKind(resp.StatusCode), fmt.Errorf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	}
	got := describe(key, resp.Header, connectors.ObjectSize(resp.Header))
	switch {
	case got.o.Size >= 0 && got.o.Size != f.o.Size: // -1: the CDN does not say
		return bad(connectors.KindChanged, fmt.Errorf("a stale copy: %d bytes, the service holds %d", got.o.Size, f.o.Size))
	case got.md5 != nil && f.md5 != nil && string(got.md5) != string(f.md5):
		return bad(connectors.KindChanged, fmt.Errorf("a stale copy: MD5 %x, the service holds %x", got.md5, f.md5))
	}
	fail := func(err error) error {
		if ctx.Err() != nil {
			return transport(ctx, "read", key, err)
		}
		return b.cdnErr(connectors.Classify(err), key, 0, err)
	}
	return b.reader(resp, offset, length, f, w, fail, connectors.KindChanged)
}

// cdnErr is an error of the CDN domain about key, with the HTTP status
// it answered (0: none).
func (b *bucket) cdnErr(kind connectors.Kind, key string, status int, err error) error {
	return &connectors.Error{Kind: kind, Op: "open", Key: key, Status: status, Err: &cdnError{host: b.cdn.Host, err: err}}
}

// errFound ends the search for a first file.
var errFound = errors.New("found")

// checkCDN reads the first byte of the first file under the prefix
// through the CDN domain, as a copy would (openCDN). With no file to read,
// the domain must at least answer over HTTP.
func (b *bucket) checkCDN(ctx context.Context) error {
	var first string
	err := b.List(ctx, "", func(o connectors.Object) error {
		first = o.Key
		return errFound
	}, nil)
	if err != nil && err != errFound {
		return err
	}
	if first == "" {
		return b.reachCDN(ctx)
	}
	rc, err := b.Open(ctx, first, 0, 1)
	if err != nil {
		return err
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return err
	}
	return nil
}

// reachCDN HEADs the CDN domain's root: any HTTP answer will do.
func (b *bucket) reachCDN(ctx context.Context) error {
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodHead, b.cdn.String()+"/", nil)
	if err != nil {
		return b.cdnErr(connectors.KindInvalidArgument, "", 0, err)
	}
	resp, err := b.cdnHTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return transport(ctx, "check", "", err)
		}
		return b.cdnErr(connectors.Classify(err), "", 0, err)
	}
	resp.Body.Close()
	return nil
}
