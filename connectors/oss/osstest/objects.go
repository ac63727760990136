package osstest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
)

// crcTable is CRC-64/ECMA-182 as OSS computes x-oss-hash-crc64ecma. The
// SDK checks the header against crc64.Update with the same table
// (NewCRC64 in utils_crc.go), so Go's hash/crc64 is the reference.
var crcTable = crc64.MakeTable(crc64.ECMA)

// storageClasses are the x-oss-storage-class values OSS accepts.
var storageClasses = map[string]bool{
	"Standard": true, "IA": true, "Archive": true, "ColdArchive": true, "DeepColdArchive": true,
}

// needsRestore tells whether objects of a class must be restored before
// GetObject can read them ("Restore objects").
func needsRestore(class string) bool {
	return class == "Archive" || class == "ColdArchive" || class == "DeepColdArchive"
}

// storedHeaders are the standard headers OSS keeps with an object and
// returns on GetObject and HeadObject.
var storedHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Expires"}

func newObject(data []byte, mod time.Time) *object {
	sum := md5.Sum(data)
	return &object{
		data:         data,
		md5:          sum[:],
		etag:         strings.ToUpper(hex.EncodeToString(sum[:])),
		crc:          crc64.Checksum(data, crcTable),
		modTime:      mod,
		storageClass: "Standard",
		objectType:   "Normal",
	}
}

// objectAttributes reads from request headers what InitiateMultipartUpload
// and PutObject store with an object: standard headers, user metadata
// (x-oss-meta-*, names lower-cased) and the storage class.
func objectAttributes(r *http.Request) (headers, meta map[string]string, class string, e *ossError) {
	headers = map[string]string{}
	for _, name := range storedHeaders {
		if v := r.Header.Get(name); v != "" {
			headers[name] = v
		}
	}
	if headers["Content-Type"] == "" {
		headers["Content-Type"] = "application/octet-stream"
	}
	if meta, e = userMeta(r.Header); e != nil {
		return nil, nil, "", e
	}
	class = r.Header.Get("x-oss-storage-class")
	if class == "" {
		class = "Standard"
	}
	if !storageClasses[class] {
		return nil, nil, "", errStorageClass.with("ArgumentName", "x-oss-storage-class").with("ArgumentValue", class)
	}
	return headers, meta, class, nil
}

// maxMetaBytes is the most user metadata one object may carry, names
// (without the x-oss-meta- prefix) and values together: "the total size
// of all user metadata cannot exceed 8 KB" (PutObject; error page
// 0011-00000002).
const maxMetaBytes = 8 << 10

// userMeta reads the x-oss-meta-* headers, names lower-cased, and refuses
// what OSS refuses ("Manage object metadata" and error pages 0011-00000002,
// -00000004, -00000005): more than maxMetaBytes in all, a name holding
// anything but letters, digits and "-" (an underscore too), a value
// holding anything but visible ASCII ("Metadata can contain only simple,
// visible ASCII characters and cannot contain line breaks"). The pages
// give the ECs but not the codes; InvalidArgument is the code OSS gives
// other bad request headers.
func userMeta(h http.Header) (map[string]string, *ossError) {
	meta := map[string]string{}
	size := 0
	for name, vs := range h {
		m, ok := strings.CutPrefix(strings.ToLower(name), "x-oss-meta-")
		if !ok || m == "" {
			continue
		}
		if strings.Trim(m, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return nil, errMetaName.with("ArgumentName", name)
		}
		if strings.IndexFunc(vs[0], func(c rune) bool { return c < ' ' || c > '~' }) >= 0 {
			return nil, errMetaValue.with("ArgumentName", name)
		}
		meta[m] = vs[0]
		size += len(m) + len(vs[0])
	}
	if size > maxMetaBytes {
		return nil, errMetaSize
	}
	return meta, nil
}

// contentMD5 decodes the Content-MD5 header: nil if absent, an error if it
// is not the base64 of 16 bytes (EC 0017-00000502).
func contentMD5(r *http.Request) ([]byte, *ossError) {
	v := r.Header.Get("Content-MD5")
	if v == "" {
		return nil, nil
	}
	sum, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(sum) != md5.Size {
		return nil, errDigestMalformed
	}
	return sum, nil
}

// readBody reads the whole request body. A body shorter than its
// Content-Length is an error: nothing of it may become visible.
func readBody(r *http.Request) ([]byte, error) {
	var buf bytes.Buffer
	if n := r.ContentLength; n > 0 && n < 1<<31 {
		buf.Grow(int(n))
	}
	if _, err := io.Copy(&buf, r.Body); err != nil {
		return nil, err
	}
	if r.ContentLength >= 0 && int64(buf.Len()) != r.ContentLength {
		return nil, io.ErrUnexpectedEOF
	}
	return buf.Bytes(), nil
}

// receive reads the body and checks it against Content-MD5 ("PutObject":
// OSS computes the MD5 of what it received and rejects a mismatch with
// InvalidDigest, EC 0017-00000503).
func receive(rq *request) ([]byte, *ossError) {
	want, e := contentMD5(rq.r)
	if e != nil {
		return nil, e
	}
	data, err := readBody(rq.r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errIncomplete
		}
		return nil, &ossError{status: 400, code: "RequestTimeout", msg: err.Error()}
	}
	if want != nil {
		if got := md5.Sum(data); !bytes.Equal(got[:], want) {
			return nil, errDigestMismatch
		}
	}
	return data, nil
}

func (s *Server) putObject(rq *request) {
	headers, meta, class, e := objectAttributes(rq.r)
	if e != nil {
		rq.fail(e)
		return
	}
	data, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	obj := newObject(data, time.Now())
	obj.headers, obj.meta, obj.storageClass = headers, meta, class

	s.mu.Lock()
	if rq.r.Header.Get("x-oss-forbid-overwrite") == "true" && rq.bucket.objects[rq.key] != nil {
		s.mu.Unlock()
		rq.fail(errExists)
		return
	}
	s.store(rq.bucket, rq.key, obj, "PutObject")
	s.mu.Unlock()

	h := rq.w.Header()
	h.Set("ETag", `"`+obj.etag+`"`)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(obj.md5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
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
	readable := obj != nil && (!needsRestore(obj.storageClass) || obj.restore.State == restoretest.Restored)
	s.mu.Unlock()
	if obj == nil {
		rq.fail(errNoSuchKey.with("Key", rq.key))
		return
	}
	if !head && !readable {
		rq.fail(errObjectState)
		return
	}
	if status := preconditions(rq.r, obj); status != 0 {
		if status == http.StatusPreconditionFailed {
			rq.fail(&ossError{status: status, code: "PreconditionFailed", msg: "At least one of the pre-conditions you specified did not hold."})
			return
		}
		rq.w.WriteHeader(status)
		return
	}

	h := rq.w.Header()
	objectHeaders(h, obj, restore)
	if !head {
		for param, header := range responseOverrides {
			if v := rq.q.Get(param); v != "" {
				h.Set(header, v)
			}
		}
	}
	size := int64(len(obj.data))
	start, end, status := int64(0), size-1, http.StatusOK
	if !head {
		var e *ossError
		start, end, status, e = resolveRange(rq.r.Header.Get("Range"), size, rq.r.Header.Get("x-oss-range-behavior") == "standard")
		if e != nil {
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			rq.fail(e.with("RangeRequested", rq.r.Header.Get("Range")).with("ActualObjectSize", strconv.FormatInt(size, 10)))
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

// responseOverrides are the GetObject parameters that set a response
// header ("GetObject", request parameters).
var responseOverrides = map[string]string{
	"response-content-type":        "Content-Type",
	"response-content-language":    "Content-Language",
	"response-expires":             "Expires",
	"response-cache-control":       "Cache-Control",
	"response-content-disposition": "Content-Disposition",
	"response-content-encoding":    "Content-Encoding",
}

// objectHeaders sets the headers of a GetObject or HeadObject answer;
// restore is the x-oss-restore value, read under the lock.
func objectHeaders(h http.Header, obj *object, restore string) {
	for name, v := range obj.headers {
		h.Set(name, v)
	}
	for name, v := range obj.meta {
		h.Set("x-oss-meta-"+name, v)
	}
	h.Set("ETag", `"`+obj.etag+`"`)
	h.Set("Last-Modified", obj.modTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-object-type", obj.objectType)
	h.Set("x-oss-storage-class", obj.storageClass)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
	if obj.objectType == "Normal" && obj.md5 != nil {
		h.Set("Content-MD5", base64.StdEncoding.EncodeToString(obj.md5))
	}
	if restore != "" {
		h.Set("x-oss-restore", restore)
	}
}

// preconditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since ("GetObject", request headers): 0 to go on, else the
// status to answer (412 or 304).
func preconditions(r *http.Request, obj *object) int {
	etagMatches := func(v string) bool {
		for _, t := range strings.Split(v, ",") {
			t = strings.Trim(strings.TrimSpace(t), `"`)
			if t == "*" || strings.EqualFold(t, obj.etag) {
				return true
			}
		}
		return false
	}
	mod := obj.modTime.Truncate(time.Second)
	if v := r.Header.Get("If-Match"); v != "" && !etagMatches(v) {
		return http.StatusPreconditionFailed
	}
	if v := r.Header.Get("If-Unmodified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && mod.After(t) {
			return http.StatusPreconditionFailed
		}
	}
	if v := r.Header.Get("If-None-Match"); v != "" && etagMatches(v) {
		return http.StatusNotModified
	}
	if v := r.Header.Get("If-Modified-Since"); v != "" {
		if t, err := http.ParseTime(v); err == nil && !mod.After(t) {
			return http.StatusNotModified
		}
	}
	return 0
}

// resolveRange applies OSS's Range rules ("How to obtain OSS resources by
// segmenting HTTP Range requests"): one range only (the first of several);
// by default a malformed or out-of-bounds range is ignored and the whole
// object returned with 200. With x-oss-range-behavior: standard, an end
// past the object is cut to its last byte and a start past it is 416
// InvalidRange. It returns the inclusive byte span and the status.
func resolveRange(header string, size int64, standard bool) (start, end int64, status int, e *ossError) {
	whole := func() (int64, int64, int, *ossError) { return 0, size - 1, http.StatusOK, nil }
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok {
		return whole()
	}
	spec, _, _ = strings.Cut(spec, ",")
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return whole()
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return whole()
		}
		switch {
		case n == 0 || size == 0:
			if standard {
				return 0, 0, 0, errRange
			}
			return whole()
		case n > size:
			if !standard {
				return whole()
			}
			n = size
		}
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
	switch {
	case start >= size:
		if standard {
			return 0, 0, 0, errRange
		}
		return whole()
	case end >= size:
		if !standard {
			return whole()
		}
		end = size - 1
	}
	return start, end, http.StatusPartialContent, nil
}

func (s *Server) deleteObject(rq *request) {
	s.mu.Lock()
	delete(rq.bucket.objects, rq.key)
	s.mu.Unlock()
	// Deleting a key that does not exist succeeds too ("DeleteObject").
	rq.w.WriteHeader(http.StatusNoContent)
}
