package testserver

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// ReadBody reads the whole request body and checks it against
// Content-MD5, as both services do before anything becomes visible:
// ErrBadMD5 for a header that is not an MD5, ErrIncomplete for a body
// shorter than its Content-Length, ErrMD5Mismatch for one whose MD5
// differs; any other read error as it came.
func ReadBody(r *http.Request) ([]byte, error) {
	var want []byte
	if v := r.Header.Get("Content-MD5"); v != "" {
		sum, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(sum) != md5.Size {
			return nil, ErrBadMD5
		}
		want = sum
	}
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n < 1<<31 {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, r.Body); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrIncomplete
		}
		return nil, err
	}
	if r.ContentLength >= 0 && int64(buf.Len()) != r.ContentLength {
		return nil, ErrIncomplete
	}
	if want != nil {
		if got := md5.Sum(buf.Bytes()); !bytes.Equal(got[:], want) {
			return nil, ErrMD5Mismatch
		}
	}
	return buf.Bytes(), nil
}

// Drain reads what is left of the body, so that the client reads an error
// answer rather than a reset connection while it is still sending.
func Drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }

// WriteXML answers 200 with an XML document after the declaration.
func WriteXML(w http.ResponseWriter, body string) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + body
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(doc))
}

// WriteObject answers a GET of data's bytes start to end (inclusive)
// with status, or a HEAD with the headers alone; a 206 tells its
// Content-Range.
func WriteObject(w http.ResponseWriter, data []byte, start, end int64, status int, head bool) {
	h := w.Header()
	if status == http.StatusPartialContent {
		h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.Itoa(len(data)))
	}
	h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	w.WriteHeader(status)
	if !head {
		_, _ = w.Write(data[start : end+1])
	}
}

// ObjectOperation names the API a request on an object calls, from its
// method and sub-resources, as OSS and COS (and S3) name them alike: ""
// for none of these. Copies and anything else a service adds stay the
// service's to recognise.
func ObjectOperation(method string, q url.Values) string {
	switch method {
	case http.MethodPut:
		if q.Has("partNumber") || q.Has("uploadId") {
			return "UploadPart"
		}
		return "PutObject"
	case http.MethodGet:
		if q.Has("uploadId") {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "InitiateMultipartUpload"
		case q.Has("uploadId"):
			return "CompleteMultipartUpload"
		}
	}
	return ""
}
