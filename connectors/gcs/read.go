package gcs

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/mgw-dev/mgw/connectors"
)

// Open reads a byte range of the object, as stored: an object whose
// Content-Encoding is gzip is not decompressed (GCS would transcode it
// for a client that does not accept gzip). The reader tells the object
// (connectors.ObjectReader); GCS's answer to a read does not carry all of
// it (no user metadata), so its attributes are read too, and must be
// those of the generation being read.
func (b *Bucket) Open(ctx context.Context, key string, offset, length int64) (io.ReadCloser, error) {
	full, err := b.objectName("open", key)
	if err != nil {
		return nil, err
	}
	if rc, done, err := connectors.OpenWithoutRead(ctx, b, key, offset, length); done {
		return rc, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.objectURL(full)+"?alt=media", nil)
	if err != nil {
		return nil, classify("open", key, err)
	}
	// Set by hand, gzip also keeps net/http from decompressing the body.
	req.Header.Set("Accept-Encoding", "gzip")
	switch {
	case length > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", offset, offset+length-1))
	case offset > 0:
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", offset))
	}
	resp, err := b.do(req)
	if err != nil {
		err = classify("open", key, err)
		var ce *connectors.Error
		if errors.As(err, &ce) && ce.Status == http.StatusRequestedRangeNotSatisfiable {
			if obj, serr := b.Stat(ctx, key); serr == nil && offset >= obj.Size {
				return connectors.NewObjectReader(http.NoBody, obj), nil
			}
		}
		return nil, b.notFound(ctx, err)
	}
	if offset > 0 && resp.StatusCode != http.StatusPartialContent {
		resp.Body.Close()
		return nil, &connectors.Error{Kind: connectors.KindUnknown, Op: "open", Key: key, Status: resp.StatusCode,
			Err: errors.New("the server ignored the byte range asked for")}
	}
	b.exists.Store(true)
	r := &reader{b: b, ctx: ctx, key: key, full: full, body: resp.Body, resp: answered(key, resp)}
	if length > 0 {
		r.src = io.LimitReader(resp.Body, length)
	} else {
		r.src = resp.Body
	}
	r.gen, _ = strconv.ParseInt(resp.Header.Get("X-Goog-Generation"), 10, 64)
	if offset == 0 && length < 0 && resp.StatusCode == http.StatusOK {
		r.crc, r.wantCRC = storedCRC(resp.Header)
	}
	return r, nil
}

// answered is what a read's answer tells of the object.
func answered(key string, resp *http.Response) connectors.Object {
	o := connectors.Object{Key: key, Type: connectors.Regular, Size: resp.ContentLength,
		Headers: connectors.Headers{ContentType: resp.Header.Get("Content-Type"),
			ContentEncoding: resp.Header.Get("Content-Encoding"), CacheControl: resp.Header.Get("Cache-Control")}}
	if cr := resp.Header.Get("Content-Range"); cr != "" {
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if n, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				o.Size = n
			}
		}
	}
	o.ModTime, _ = http.ParseTime(resp.Header.Get("Last-Modified"))
	return o
}

// storedCRC is the CRC32C GCS keeps of the object (x-goog-hash), with a
// hash to check a whole read against; nil if the answer names none, or
// holds bytes other than those stored (transcoded).
func storedCRC(h http.Header) (hash.Hash32, uint32) {
	if h.Get("X-Goog-Stored-Content-Encoding") == "gzip" && h.Get("Content-Encoding") != "gzip" {
		return nil, 0
	}
	for _, v := range h.Values("X-Goog-Hash") {
		for _, part := range strings.Split(v, ",") {
			enc, ok := strings.CutPrefix(strings.TrimSpace(part), "crc32c=")
			if !ok {
				continue
			}
			sum, err := base64.StdEncoding.DecodeString(enc)
			if err != nil || len(sum) != 4 {
				return nil, 0
			}
			return crc32.New(crc32.MakeTable(crc32.Castagnoli)), binary.BigEndian.Uint32(sum)
		}
	}
	return nil, 0
}

// reader classifies the errors met while the object streams in, and
// checks a whole object's bytes against its stored CRC32C. It is a
// connectors.ObjectReader whose Object asks for the attributes of the
// generation being read only when called: a GCS read's answer lacks the
// user metadata, and a copy to a disk needs none.
type reader struct {
	b         *Bucket
	ctx       context.Context
	key, full string
	body      io.ReadCloser
	src       io.Reader
	gen       int64             // the generation read (x-goog-generation), 0 if not told
	resp      connectors.Object // what the read's answer told

	crc     hash.Hash32
	wantCRC uint32

	once sync.Once
	o    connectors.Object
}

// Object describes the generation being read. If its attributes cannot
// be read (the generation was replaced since, or the server did not say
// which it sent), it tells what the read's answer did, without ETag or
// user metadata, so no version check matches.
func (r *reader) Object() connectors.Object {
	r.once.Do(func() {
		r.o = r.resp
		if r.gen == 0 {
			return
		}
		var res objectResource
		q := url.Values{"generation": {strconv.FormatInt(r.gen, 10)}}
		if r.b.getJSON(r.ctx, r.b.objectURL(r.full), q, &res) == nil {
			r.o = object(r.key, &res)
		}
	})
	return r.o
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.src.Read(p)
	if r.crc != nil {
		r.crc.Write(p[:n])
		if err == io.EOF && r.crc.Sum32() != r.wantCRC {
			return n, &connectors.Error{Kind: connectors.KindTransient, Op: "read", Key: r.key, Code: "BadDigest",
				Err: errors.New("the bytes read do not match the object's CRC32C")}
		}
	}
	if err != nil && err != io.EOF {
		err = classify("read", r.key, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.body.Close() }
