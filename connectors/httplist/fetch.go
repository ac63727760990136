package httplist

import (
	"bytes"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// Stat HEADs the key's URL.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	e, err := b.lookup(ctx, "stat", key)
	if err != nil {
		return connectors.Object{}, err
	}
	return b.head(ctx, "stat", e)
}

// head reads an entry's attributes: Content-Length, Last-Modified, ETag.
// A length the list gives must match.
func (b *bucket) head(ctx context.Context, op string, e Entry) (connectors.Object, error) {
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodHead, e.URL.String(), nil)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, e.Key, errors.New("bad URL at "+e.where()))
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return connectors.Object{}, b.transport(ctx, op, e, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented {
		// A server that refuses HEAD still tells the size of a one-byte GET.
		return b.headByGet(ctx, op, e)
	}
	if resp.StatusCode != http.StatusOK {
		return connectors.Object{}, httpError(op, e.Key, req, resp)
	}
	return b.attributes(op, e, resp, resp.ContentLength)
}

// headByGet asks for the first byte and reads the size from
// Content-Range (or Content-Length when the server ignores the range).
func (b *bucket) headByGet(ctx context.Context, op string, e Entry) (connectors.Object, error) {
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, e.URL.String(), nil)
	if err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, e.Key, errors.New("bad URL at "+e.where()))
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := b.client.Do(req)
	if err != nil {
		return connectors.Object{}, b.transport(ctx, op, e, err)
	}
	resp.Body.Close()
	size := resp.ContentLength
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusPartialContent:
		total, ok := rangeTotal(resp.Header.Get("Content-Range"))
		if !ok {
			total = -1
		}
		size = total
	case http.StatusRequestedRangeNotSatisfiable:
		size = 0 // an empty object has no first byte
	default:
		return connectors.Object{}, httpError(op, e.Key, req, resp)
	}
	return b.attributes(op, e, resp, size)
}

// attributes makes the Object of an answer about e, of size bytes,
// checking the size against the list's.
func (b *bucket) attributes(op string, e Entry, resp *http.Response, size int64) (connectors.Object, error) {
	if size < 0 {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, e.Key,
			fmt.Errorf("%s gave no length for %s", resp.Request.Method, display(e.URL)))
	}
	if e.Size >= 0 && e.Size != size {
		return connectors.Object{}, connectors.NewError(connectors.KindInvalidArgument, op, e.Key,
			fmt.Errorf("%s gives the length %d, the server %d", e.where(), e.Size, size))
	}
	return object(e, resp.Header, size), nil
}

// object reads what the answer to a HEAD or a GET says of e's object, of
// size bytes: the one mapping of the headers to an Object, for Stat and
// Open alike. A web server keeps no user metadata.
func object(e Entry, h http.Header, size int64) connectors.Object {
	o := connectors.Object{
		Key:     e.Key,
		Size:    size,
		ETag:    strings.Trim(strings.TrimPrefix(h.Get("ETag"), "W/"), `"`),
		Headers: connectors.HeadersOf(h),
	}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		o.ModTime = t
	}
	return o
}

// transport classifies an error of the HTTP client, hiding the URL's
// query and user info.
func (b *bucket) transport(ctx context.Context, op string, e Entry, err error) error {
	if ctx.Err() != nil {
		return connectors.NewError(connectors.KindUnknown, op, e.Key, ctx.Err())
	}
	err = transportError(e.URL, err)
	return &connectors.Error{Kind: connectors.Classify(err), Op: op, Key: e.Key, Err: err}
}

// Open GETs the key's URL with a Range. A server that ignores the range
// answers 200: the bytes before offset are skipped here. A whole read of
// an entry whose MD5 the list gives is checked against it at the end.
// The reader tells the object as the answer describes it
// (connectors.ObjectReader).
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, errors.New("negative offset"))
	}
	e, err := b.lookup(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	if length == 0 {
		return b.openEmpty(ctx, e)
	}
	req, err := rangeGet(ctx, e, key, offset, length)
	if err != nil {
		return nil, err
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	resp, err := b.client.Do(req.WithContext(wctx))
	if err != nil {
		w.Stop()
		return nil, b.transport(ctx, "open", e, w.Check(err))
	}
	ok := false
	defer func() {
		if !ok {
			w.Stop()
		}
	}()
	switch resp.StatusCode {
	case http.StatusOK, http.StatusPartialContent:
	case http.StatusRequestedRangeNotSatisfiable:
		resp.Body.Close()
		// Reading from the very end is reading nothing.
		if total, ok := rangeTotal(resp.Header.Get("Content-Range")); ok && total == offset {
			return b.openEmpty(ctx, e)
		}
		return nil, httpError("open", key, req, resp)
	default:
		resp.Body.Close()
		return nil, httpError("open", key, req, resp)
	}
	if err := b.skipTo(ctx, e, key, resp, offset, w); err != nil {
		return nil, err
	}
	var r io.Reader = resp.Body
	if length > 0 {
		r = io.LimitReader(r, length)
	}
	ok = true
	w.Pause()
	size := connectors.ObjectSize(resp.Header)
	if size < 0 {
		size = e.Size // the server did not say; the list may have
	}
	body := &body{r: r, c: resp.Body, b: b, ctx: ctx, e: e, w: w, obj: object(e, resp.Header, size)}
	if e.MD5 != nil && offset == 0 && length < 0 {
		body.sum = md5.New()
	}
	return body, nil
}

// openEmpty is the reader of no bytes of e: there is no range to ask for,
// so a HEAD describes the object.
func (b *bucket) openEmpty(ctx context.Context, e Entry) (io.ReadCloser, error) {
	o, err := b.head(ctx, "open", e)
	if err != nil {
		return nil, err
	}
	return connectors.NewObjectReader(http.NoBody, o), nil
}

// rangeGet is the GET of e's bytes from offset: length of them, or all the
// rest when length < 0 (no Range at all from 0).
func rangeGet(ctx context.Context, e Entry, key string, offset, length int64) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.URL.String(), nil)
	if err != nil {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, errors.New("bad URL at "+e.where()))
	}
	switch {
	case length > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	return req, nil
}

// skipTo brings the body of a 200 or 206 answer to offset: a 206 must
// start there; a 200 (the range ignored) is read past the bytes before it.
// On an error the body is closed.
func (b *bucket) skipTo(ctx context.Context, e Entry, key string, resp *http.Response, offset int64, w *watchdog.Dog) error {
	if resp.StatusCode == http.StatusPartialContent {
		if start, ok := connectors.RangeStart(resp.Header.Get("Content-Range")); !ok || start != offset {
			resp.Body.Close()
			return connectors.NewError(connectors.KindTransient, "open", key,
				fmt.Errorf("asked for bytes from %d, the server sent %q", offset, resp.Header.Get("Content-Range")))
		}
	} else if offset > 0 {
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			resp.Body.Close()
			return b.transport(ctx, "open", e, w.Check(err))
		}
	}
	return nil
}

// body is an object's content as it arrives; the watchdog runs while it
// waits on the network.
type body struct {
	r   io.Reader
	c   io.Closer
	b   *bucket
	ctx context.Context
	e   Entry
	w   *watchdog.Dog
	sum hash.Hash // MD5 of a whole read, checked at the end
	obj connectors.Object
}

func (d *body) Object() connectors.Object { return d.obj }

func (d *body) Read(p []byte) (int, error) {
	d.w.Kick()
	n, err := d.r.Read(p)
	d.w.Pause()
	if d.sum != nil {
		d.sum.Write(p[:n])
	}
	switch {
	case err == io.EOF && d.sum != nil && !bytes.Equal(d.sum.Sum(nil), d.e.MD5):
		err = connectors.NewError(connectors.KindInvalidArgument, "read", d.e.Key,
			fmt.Errorf("the content's MD5 is not the one %s gives", d.e.where()))
	case err != nil && err != io.EOF:
		err = d.b.transport(d.ctx, "read", d.e, d.w.Check(err))
	}
	return n, err
}

func (d *body) Close() error {
	d.w.Stop()
	return d.c.Close()
}

// rangeTotal reads n of "bytes */n" or "bytes a-b/n".
func rangeTotal(cr string) (int64, bool) {
	_, n, ok := strings.Cut(cr, "/")
	v, err := strconv.ParseInt(n, 10, 64)
	return v, ok && err == nil
}
