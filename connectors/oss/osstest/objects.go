package osstest

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

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

// objectType is x-oss-object-type: Multipart for an object a multipart
// upload made, else Normal.
func objectType(obj *testserver.Object) string {
	if obj.Parts > 0 {
		return "Multipart"
	}
	return "Normal"
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

func (s *Server) putObject(rq *request) {
	headers, meta, class, e := objectAttributes(rq.R)
	if e != nil {
		rq.fail(e)
		return
	}
	data, err := testserver.ReadBody(rq.R)
	if err != nil {
		rq.fail(err)
		return
	}
	obj := s.NewObject(data, time.Now())
	obj.Headers, obj.Meta, obj.StorageClass = headers, meta, class
	if err := s.Put(rq.Bucket, rq.Key, obj, "PutObject", forbidOverwrite(rq)); err != nil {
		rq.fail(err)
		return
	}
	h := rq.W.Header()
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(obj.MD5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	h.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
}

// forbidOverwrite tells whether the request refuses to replace an object
// (x-oss-forbid-overwrite: true, answered 409 FileAlreadyExists).
func forbidOverwrite(rq *request) bool {
	return rq.R.Header.Get("x-oss-forbid-overwrite") == "true"
}

// getObject answers GetObject, or HeadObject when head is set.
func (s *Server) getObject(rq *request, head bool) {
	obj, err := s.Get(rq.Bucket, rq.Key)
	if err != nil {
		rq.fail(err)
		return
	}
	if !head && needsRestore(obj.StorageClass) && obj.Restore.State != testserver.Restored {
		rq.fail(errObjectState)
		return
	}
	if status := preconditions(rq.R, &obj); status != 0 {
		if status == http.StatusPreconditionFailed {
			rq.fail(&ossError{status: status, code: "PreconditionFailed", msg: "At least one of the pre-conditions you specified did not hold."})
			return
		}
		rq.W.WriteHeader(status)
		return
	}

	h := rq.W.Header()
	objectHeaders(h, &obj)
	if !head {
		for param, header := range responseOverrides {
			if v := rq.Query.Get(param); v != "" {
				h.Set(header, v)
			}
		}
	}
	size := int64(len(obj.Data))
	start, end, status := int64(0), size-1, http.StatusOK
	if !head {
		// OSS's own Range rules ("How to obtain OSS resources by segmenting
		// HTTP Range requests"): the first of several ranges counts, and
		// one past the object is ignored unless x-oss-range-behavior is
		// standard.
		rules := testserver.RangeRules{Lenient: rq.R.Header.Get("x-oss-range-behavior") != "standard"}
		var err error
		if start, end, status, err = testserver.ResolveRange(rq.R.Header.Get("Range"), size, rules); err != nil {
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			rq.fail(errRange.with("RangeRequested", rq.R.Header.Get("Range")).with("ActualObjectSize", strconv.FormatInt(size, 10)))
			return
		}
	}
	testserver.WriteObject(rq.W, obj.Data, start, end, status, head)
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

// objectHeaders sets the headers of a GetObject or HeadObject answer.
func objectHeaders(h http.Header, obj *testserver.Object) {
	for name, v := range obj.Headers {
		h.Set(name, v)
	}
	for name, v := range obj.Meta {
		h.Set("x-oss-meta-"+name, v)
	}
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Last-Modified", obj.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-oss-object-type", objectType(obj))
	h.Set("x-oss-storage-class", obj.StorageClass)
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	if obj.Parts == 0 && obj.MD5 != nil {
		h.Set("Content-MD5", base64.StdEncoding.EncodeToString(obj.MD5))
	}
	if restore := obj.Restore.Header(); restore != "" {
		h.Set("x-oss-restore", restore)
	}
}

// preconditions applies If-Match, If-None-Match, If-Modified-Since and
// If-Unmodified-Since ("GetObject", request headers): 0 to go on, else the
// status to answer (412 or 304).
func preconditions(r *http.Request, obj *testserver.Object) int {
	etagMatches := func(v string) bool {
		for _, t := range strings.Split(v, ",") {
			t = strings.Trim(strings.TrimSpace(t), `"`)
			if t == "*" || strings.EqualFold(t, obj.ETag) {
				return true
			}
		}
		return false
	}
	mod := obj.ModTime.Truncate(time.Second)
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
