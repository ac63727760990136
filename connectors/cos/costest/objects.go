package costest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
)

// crcTable is CRC-64/ECMA-182, as COS computes x-cos-hash-crc64ecma.
var crcTable = crc64.MakeTable(crc64.ECMA)

// storedHeaders are the standard headers COS keeps with an object.
var storedHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Expires"}

// newObject makes an object modified at mod, kept to the second as COS
// keeps it: listings show .000 milliseconds, HEAD whole seconds.
func newObject(data []byte, mod time.Time) *object {
	sum := md5.Sum(data)
	mod = mod.Truncate(time.Second)
	return &object{
		data:         data,
		etag:         hex.EncodeToString(sum[:]),
		crc:          crc64.Checksum(data, crcTable),
		modTime:      mod,
		meta:         map[string]string{},
		headers:      map[string]string{"Content-Type": "application/octet-stream"},
		storageClass: "STANDARD",
	}
}

// archived tells whether an object must be restored before it is read.
func archived(class string) bool { return class == "ARCHIVE" || class == "DEEP_ARCHIVE" }

// metaLimits are the most bytes of user metadata (suffix and value) COS
// takes in one x-cos-meta-* header and in all of them.
type metaLimits struct{ header, total int }

// The limits of the API reference: PUT Object gives x-cos-meta-* "a size
// limit of 2 KB"; Initiate Multipart Upload 2 KB a header, 4 KB in all.
var (
	putMetaLimits      = metaLimits{header: 2 << 10, total: 2 << 10}
	initiateMetaLimits = metaLimits{header: 2 << 10, total: 4 << 10}
)

// attributes reads the headers and x-cos-meta-* metadata a PUT or an
// InitiateMultipartUpload stores with the object. It refuses metadata
// over lim with MetadataTooLarge (COS's error code list spells it
// "MatadataTooLarge", a typo like its "ImcompleteBody"), and metadata
// suffixes holding anything but letters, digits and "-" ("Other
// characters, including underscores (_), are not supported"; no code is
// documented for it: InvalidArgument).
func attributes(r *http.Request, obj *object, lim metaLimits) *cosError {
	total := 0
	for name, vs := range r.Header {
		m, ok := strings.CutPrefix(strings.ToLower(name), "x-cos-meta-")
		if !ok || m == "" {
			continue
		}
		if strings.Trim(m, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return errArgument
		}
		size := len(m) + len(vs[0])
		if total += size; size > lim.header || total > lim.total {
			return errMetaTooLarge
		}
		obj.meta[m] = vs[0]
	}
	for _, name := range storedHeaders {
		if v := r.Header.Get(name); v != "" {
			obj.headers[name] = v
		}
	}
	if c := r.Header.Get("x-cos-storage-class"); c != "" {
		obj.storageClass = strings.ToUpper(c)
	}
	return nil
}

// receive reads the whole body: one shorter than its Content-Length never
// becomes visible, and one that does not match Content-MD5 is refused.
func receive(rq *request) ([]byte, *cosError) {
	var want []byte
	if v := rq.r.Header.Get("Content-MD5"); v != "" {
		sum, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(sum) != md5.Size {
			return nil, errInvalidMD5
		}
		want = sum
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rq.r.Body); err != nil {
		return nil, errIncomplete
	}
	if rq.r.ContentLength >= 0 && int64(buf.Len()) != rq.r.ContentLength {
		return nil, errIncomplete
	}
	if want != nil {
		if got := md5.Sum(buf.Bytes()); !bytes.Equal(got[:], want) {
			return nil, errBadDigest
		}
	}
	return buf.Bytes(), nil
}

func (s *Server) putObject(rq *request) {
	data, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	obj := newObject(data, time.Now())
	if e := attributes(rq.r, obj, putMetaLimits); e != nil {
		rq.fail(e)
		return
	}
	s.mu.Lock()
	rq.bucket.objects[rq.key] = obj
	s.mu.Unlock()
	h := rq.w.Header()
	h.Set("ETag", `"`+obj.etag+`"`)
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
}

// getObject answers GetObject, or HeadObject when head is set.
func (s *Server) getObject(rq *request, head bool) {
	s.mu.Lock()
	obj := rq.bucket.objects[rq.key]
	var restore string
	if obj != nil {
		restore = obj.restore.Header()
	}
	readable := obj != nil && (!archived(obj.storageClass) || obj.restore.State == restoretest.Restored)
	s.mu.Unlock()
	if obj == nil {
		rq.fail(errNoSuchKey)
		return
	}
	if !head && !readable {
		rq.fail(errObjectState)
		return
	}
	h := rq.w.Header()
	for name, v := range obj.headers {
		h.Set(name, v)
	}
	for name, v := range obj.meta {
		h.Set("x-cos-meta-"+name, v)
	}
	h.Set("ETag", `"`+obj.etag+`"`)
	h.Set("Last-Modified", obj.modTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
	if obj.storageClass != "STANDARD" {
		h.Set("x-cos-storage-class", obj.storageClass)
	}
	if restore != "" {
		h.Set("x-cos-restore", restore)
	}
	size := int64(len(obj.data))
	start, end, status := int64(0), size-1, http.StatusOK
	if !head {
		var e *cosError
		if start, end, status, e = resolveRange(rq.r.Header.Get("Range"), size); e != nil {
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			rq.fail(e)
			return
		}
		if status == http.StatusPartialContent {
			h.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.FormatInt(size, 10))
		}
	}
	h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	rq.w.WriteHeader(status)
	if !head {
		_, _ = rq.w.Write(obj.data[start : end+1])
	}
}

// resolveRange applies RFC 7233 as COS does for one range: a malformed
// one is ignored (200, whole object), an end past the object is cut to its
// last byte, a start past it is 416 InvalidRange.
func resolveRange(header string, size int64) (start, end int64, status int, e *cosError) {
	whole := func() (int64, int64, int, *cosError) { return 0, size - 1, http.StatusOK, nil }
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return whole()
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		switch {
		case err != nil || n < 0:
			return whole()
		case n == 0 || size == 0:
			return 0, 0, 0, errRange
		}
		n = min(n, size)
		return size - n, size - 1, http.StatusPartialContent, nil
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 {
		return whole()
	}
	end = size - 1
	if last != "" {
		if end, err = strconv.ParseInt(last, 10, 64); err != nil || end < start {
			return whole()
		}
	}
	if start >= size {
		return 0, 0, 0, errRange
	}
	return start, min(end, size-1), http.StatusPartialContent, nil
}

func (s *Server) deleteObject(rq *request) {
	s.mu.Lock()
	delete(rq.bucket.objects, rq.key)
	s.mu.Unlock()
	rq.w.WriteHeader(http.StatusNoContent) // a missing key too
}
