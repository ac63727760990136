package upyun

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/watchdog"
)

// file is what an answer about a file says: the Object, and the MD5 of its
// content where the answer gives one (Content-MD5, else an ETag that is
// an MD5), which a whole read is checked against.
type file struct {
	o   connectors.Object
	md5 []byte
}

// Stat HEADs the file. A folder is KindNotFound wrapping
// connectors.ErrIsFolder.
func (b *bucket) Stat(ctx context.Context, key string) (connectors.Object, error) {
	f, err := b.head(ctx, "stat", key)
	return f.o, err
}

func (b *bucket) head(ctx context.Context, op, key string) (file, error) {
	if err := checkKey(op, key); err != nil {
		return file{}, err
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return file{}, isFolder(op, key)
	}
	cctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	req, err := b.apiRequest(cctx, http.MethodHead, key)
	if err != nil {
		return file{}, err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return file{}, transport(ctx, op, key, err)
	}
	if resp.StatusCode != http.StatusOK {
		err := answerError(op, key, resp)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			err = b.explain(cctx, op, key, err)
		}
		return file{}, err
	}
	resp.Body.Close()
	if resp.Header.Get("X-Upyun-File-Type") == "folder" {
		return file{}, isFolder(op, key)
	}
	size := resp.ContentLength
	if n, err := strconv.ParseInt(resp.Header.Get("X-Upyun-File-Size"), 10, 64); err == nil {
		size = n
	}
	return describe(key, resp.Header, size), nil
}

// explain asks again, as a GET of the first byte, why a HEAD of key was
// refused: a HEAD answer has no body for UPYUN's code, which tells an
// unknown operator from a blocked one or a wrong password. It returns
// the GET's error, or headErr when the GET tells nothing more.
func (b *bucket) explain(ctx context.Context, op, key string, headErr error) error {
	req, err := b.apiRequest(ctx, http.MethodGet, key)
	if err != nil {
		return headErr
	}
	req.Header.Set("Range", "bytes=0-0")
	resp, err := b.client.Do(req)
	if err != nil {
		return headErr
	}
	if resp.StatusCode == http.StatusOK || resp.StatusCode == http.StatusPartialContent {
		resp.Body.Close()
		return headErr
	}
	if err := answerError(op, key, resp); err.(*connectors.Error).Code != "" {
		return err
	}
	return headErr
}

func isFolder(op, key string) error {
	return connectors.NewError(connectors.KindNotFound, op, key, connectors.ErrIsFolder)
}

// describe reads what the answer to a HEAD or a GET says of the file key,
// of size bytes: the one mapping of UPYUN's headers, for Stat and Open
// alike.
func describe(key string, h http.Header, size int64) file {
	f := file{o: connectors.Object{
		Key:     key,
		Size:    size,
		ETag:    strings.Trim(strings.TrimPrefix(h.Get("ETag"), "W/"), `"`),
		Headers: connectors.HeadersOf(h),
		Meta:    connectors.MetaOf(h, "x-upyun-meta-"),
	}}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		f.o.ModTime = t.UTC()
	} else if n, err := strconv.ParseInt(h.Get("X-Upyun-File-Date"), 10, 64); err == nil {
		f.o.ModTime = time.Unix(n, 0).UTC()
	}
	for _, v := range []string{h.Get("Content-MD5"), f.o.ETag} {
		if sum, err := hex.DecodeString(strings.Trim(v, `"`)); err == nil && len(sum) == md5.Size {
			f.md5 = sum
			break
		}
	}
	if f.o.ETag == "" && f.md5 != nil {
		f.o.ETag = hex.EncodeToString(f.md5)
	}
	return f
}

// Open reads length bytes of key from offset (to the end when length < 0)
// with a Range GET of the API, or of the CDN domain when the address has
// one. The reader tells the file (connectors.ObjectReader); a whole read
// is checked against the file's MD5.
func (b *bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	if err := checkKey("open", key); err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", key, errors.New("negative offset"))
	}
	if length == 0 {
		return b.openEmpty(ctx, key)
	}
	if b.cdn != nil {
		return b.openCDN(ctx, key, offset, length)
	}
	if key == "" || strings.HasSuffix(key, "/") {
		return nil, isFolder("open", key)
	}
	wctx, w := watchdog.New(ctx, b.timeout)
	req, err := b.apiRequest(wctx, http.MethodGet, key)
	if err != nil {
		w.Stop()
		return nil, err
	}
	setRange(req, offset, length)
	resp, err := b.client.Do(req)
	if err != nil {
		w.Stop()
		return nil, transport(ctx, "open", key, w.Check(err))
	}
	switch {
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && offset > 0:
		w.Stop()
		resp.Body.Close()
		return b.openEmptyAt(ctx, key, offset) // reading from the very end is reading nothing
	case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusPartialContent:
		err := answerError("open", key, resp) // read before the request's context ends
		w.Stop()
		return nil, err
	case resp.Header.Get("X-Upyun-List-Iter") != "" || resp.Header.Get("X-Upyun-File-Type") == "folder":
		w.Stop()
		resp.Body.Close()
		return nil, isFolder("open", key) // the folder's listing came
	}
	f := describe(key, resp.Header, connectors.ObjectSize(resp.Header))
	fail := func(err error) error { return transport(ctx, "read", key, err) }
	return b.reader(resp, offset, length, f, w, fail, connectors.KindTransient)
}

// openEmpty is the reader of no bytes of key: there is no range to ask
// for, so a HEAD describes the file.
func (b *bucket) openEmpty(ctx context.Context, key string) (io.ReadCloser, error) {
	f, err := b.head(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	return connectors.NewObjectReader(http.NoBody, f.o), nil
}

// openEmptyAt is openEmpty for a read from offset, which must be the end.
func (b *bucket) openEmptyAt(ctx context.Context, key string, offset int64) (io.ReadCloser, error) {
	f, err := b.head(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	return emptyAt(f, offset)
}

// emptyAt is the reader of f from offset, at or past its end: nothing,
// or an error past it.
func emptyAt(f file, offset int64) (io.ReadCloser, error) {
	if offset != f.o.Size {
		return nil, connectors.NewError(connectors.KindInvalidArgument, "open", f.o.Key,
			fmt.Errorf("offset %d is past the end of the file (%d bytes)", offset, f.o.Size))
	}
	return connectors.NewObjectReader(http.NoBody, f.o), nil
}

// setRange asks for length bytes from offset, or all the rest when
// length < 0 (no Range at all from 0).
func setRange(req *http.Request, offset, length int64) {
	switch {
	case length > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
}

// reader brings the answer resp (200 or 206) to offset and returns its
// body, limited to length, read under w, telling f.o, a whole read checked
// against f.md5. A read that does not match fails with mismatch (the
// kind of a body damaged on the way, or of a stale copy). On an error the
// body is closed.
func (b *bucket) reader(resp *http.Response, offset, length int64, f file, w *watchdog.Dog, fail func(error) error, mismatch connectors.Kind) (io.ReadCloser, error) {
	bad := func(err error) (io.ReadCloser, error) {
		w.Stop()
		resp.Body.Close()
		return nil, err
	}
	key := f.o.Key
	if resp.StatusCode == http.StatusPartialContent {
		if start, ok := connectors.RangeStart(resp.Header.Get("Content-Range")); !ok || start != offset {
			return bad(connectors.NewError(connectors.KindTransient, "open", key,
				fmt.Errorf("asked for bytes from %d, the server sent %q", offset, resp.Header.Get("Content-Range"))))
		}
	} else if offset > 0 {
		// The server ignored the range: skip to the offset here.
		if _, err := io.CopyN(io.Discard, resp.Body, offset); err != nil {
			return bad(fail(w.Check(err)))
		}
	}
	var r io.Reader = resp.Body
	if length > 0 {
		r = io.LimitReader(r, length)
	}
	rd := &reader{Body: w.Body(r, resp.Body, fail), f: f, kind: mismatch}
	if offset == 0 && length < 0 && f.md5 != nil {
		rd.sum = md5.New()
	}
	return rd, nil
}

// reader is a file's content as it arrives.
type reader struct {
	*watchdog.Body
	f    file
	sum  hash.Hash // the MD5 of a whole read, checked at the end
	kind connectors.Kind
}

func (r *reader) Object() connectors.Object { return r.f.o }

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.Body.Read(p)
	if r.sum != nil {
		r.sum.Write(p[:n])
		if err == io.EOF && !bytes.Equal(r.sum.Sum(nil), r.f.md5) {
			err = connectors.NewError(r.kind, "read", r.f.o.Key,
				fmt.Errorf("the content's MD5 is %x, not the file's %x", r.sum.Sum(nil), r.f.md5))
		}
	}
	return n, err
}
