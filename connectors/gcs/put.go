package gcs

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// upload is the object resource sent ahead of an upload's bytes.
type upload struct {
	Name               string            `json:"name"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	ContentType        string            `json:"contentType,omitempty"`
	ContentEncoding    string            `json:"contentEncoding,omitempty"`
	CacheControl       string            `json:"cacheControl,omitempty"`
	ContentDisposition string            `json:"contentDisposition,omitempty"`
	MD5Hash            string            `json:"md5Hash,omitempty"`
}

// sniffLen is how much of the content names its type when none is given,
// as net/http sniffs it.
const sniffLen = 512

// Put uploads the object in one request (uploadType=multipart: the object
// resource, then the bytes; no resumable session), which GCS applies
// whole or not at all. With an MD5 the server checks the bytes; the MD5
// is also computed here while sending, and a mismatch fails the request
// before its last bytes go out, for servers (such as emulators) that do
// not check.
func (b *Bucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	full, err := b.objectName("put", key)
	if err != nil {
		return connectors.Object{}, err
	}
	if err := ctx.Err(); err != nil {
		return connectors.Object{}, connectors.NewError(connectors.KindUnknown, "put", key, err)
	}
	if size < 0 {
		return connectors.Object{}, &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "put", Key: key,
			Err: errors.New("negative size")}
	}
	src := io.LimitReader(r, size)
	sniff := make([]byte, min(size, sniffLen))
	if _, err := io.ReadFull(src, sniff); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return connectors.Object{}, classify("put", key, err)
	}
	// Expires has no place in GCS: it is dropped.
	meta := upload{
		Name:               full,
		Metadata:           opts.UserMeta(),
		ContentType:        opts.Headers.ContentType,
		ContentEncoding:    opts.Headers.ContentEncoding,
		CacheControl:       opts.Headers.CacheControl,
		ContentDisposition: opts.Headers.ContentDisposition,
	}
	if meta.ContentType == "" {
		meta.ContentType = http.DetectContentType(sniff)
	}
	if len(opts.MD5) > 0 {
		meta.MD5Hash = base64.StdEncoding.EncodeToString(opts.MD5)
	}
	head, tail, boundary, err := multipartFrame(meta)
	if err != nil {
		return connectors.Object{}, classify("put", key, err)
	}
	body := &putBody{r: io.MultiReader(bytes.NewReader(sniff), src), size: size, key: key}
	if len(opts.MD5) > 0 {
		body.h, body.want = md5.New(), opts.MD5
	}
	q := url.Values{"uploadType": {"multipart"}, "fields": {"etag"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.upload+"b/"+url.PathEscape(b.bucket)+"/o?"+q.Encode(),
		io.MultiReader(bytes.NewReader(head), body, bytes.NewReader(tail)))
	if err != nil {
		return connectors.Object{}, classify("put", key, err)
	}
	req.ContentLength = int64(len(head)) + size + int64(len(tail))
	req.Header.Set("Content-Type", "multipart/related; boundary="+boundary)
	resp, err := b.do(req)
	if err == nil && body.err != nil {
		drain(resp.Body)
		err = body.err
	}
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return connectors.Object{}, connectors.NewError(connectors.KindUnknown, "put", key, ctx.Err())
	case body.err != nil:
		// The content ran short or did not match its MD5: the request
		// was cut before its end, so nothing was stored.
		return connectors.Object{}, classify("put", key, body.err)
	default:
		// An upload has no object to miss: a 404 is its bucket gone.
		return connectors.Object{}, bucketGone(classify("put", key, err))
	}
	defer drain(resp.Body)
	var res objectResource
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return connectors.Object{}, classify("put", key, err)
	}
	b.exists.Store(true)
	return connectors.Object{Key: key, Type: connectors.Regular, Size: size, ETag: strings.Trim(res.Etag, `"`)}, nil
}

// multipartFrame is what a multipart/related upload sends around the
// object's bytes: before them the object resource and the media part's
// header, after them the closing boundary.
func multipartFrame(meta upload) (head, tail []byte, boundary string, err error) {
	js, err := json.Marshal(meta)
	if err != nil {
		return nil, nil, "", err
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"application/json; charset=UTF-8"}})
	if err != nil {
		return nil, nil, "", err
	}
	pw.Write(js)
	if _, err := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {meta.ContentType}}); err != nil {
		return nil, nil, "", err
	}
	head = bytes.Clone(buf.Bytes())
	buf.Reset()
	mw.Close()
	return head, buf.Bytes(), mw.Boundary(), nil
}

// putBody is an upload's content. At its end it checks the length and the
// MD5, and fails the read if either is wrong, so the request is cut
// before the closing boundary and GCS stores nothing.
type putBody struct {
	r    io.Reader
	size int64
	key  string
	h    hash.Hash // nil without an MD5 to check
	want []byte
	n    int64
	err  error // why the content was refused
}

func (p *putBody) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.h != nil {
		p.h.Write(b[:n])
	}
	switch {
	case err == io.EOF && p.n != p.size:
		err = io.ErrUnexpectedEOF
	case err == io.EOF && p.h != nil && !bytes.Equal(p.h.Sum(nil), p.want):
		err = &connectors.Error{Kind: connectors.KindInvalidArgument, Op: "put", Key: p.key, Code: "BadDigest",
			Err: errors.New("the content does not match the MD5 given")}
	}
	if err != nil && err != io.EOF {
		p.err = err
	}
	return n, err
}
