package costest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// storedHeaders are the standard headers COS keeps with an object.
var storedHeaders = []string{"Content-Type", "Cache-Control", "Content-Disposition", "Content-Encoding", "Expires"}

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
func attributes(r *http.Request, obj *testserver.Object, lim metaLimits) *cosError {
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
		obj.Meta[m] = vs[0]
	}
	for _, name := range storedHeaders {
		if v := r.Header.Get(name); v != "" {
			obj.Headers[name] = v
		}
	}
	if c := r.Header.Get("x-cos-storage-class"); c != "" {
		obj.StorageClass = strings.ToUpper(c)
	}
	return nil
}

func (s *Server) putObject(rq *request) {
	data, err := testserver.ReadBody(rq.R)
	if err != nil {
		rq.fail(err)
		return
	}
	obj := s.newObject(data, time.Now())
	if e := attributes(rq.R, obj, putMetaLimits); e != nil {
		rq.fail(e)
		return
	}
	if err := s.Put(rq.Bucket, rq.Key, obj, "PutObject", false); err != nil {
		rq.fail(err)
		return
	}
	h := rq.W.Header()
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	h.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
}

// getObject answers GetObject, or HeadObject when head is set.
func (s *Server) getObject(rq *request, head bool) {
	obj, err := s.Get(rq.Bucket, rq.Key)
	if err != nil {
		rq.fail(err)
		return
	}
	if !head && archived(obj.StorageClass) && obj.Restore.State != testserver.Restored {
		rq.fail(errObjectState)
		return
	}
	h := rq.W.Header()
	for name, v := range obj.Headers {
		h.Set(name, v)
	}
	for name, v := range obj.Meta {
		h.Set("x-cos-meta-"+name, v)
	}
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Last-Modified", obj.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	if obj.StorageClass != "STANDARD" {
		h.Set("x-cos-storage-class", obj.StorageClass)
	}
	if restore := obj.Restore.Header(); restore != "" {
		h.Set("x-cos-restore", restore)
	}
	size := int64(len(obj.Data))
	start, end, status := int64(0), size-1, http.StatusOK
	if !head {
		// RFC 7233 as COS applies it: one range only, a header naming
		// several is ignored.
		var err error
		if start, end, status, err = testserver.ResolveRange(rq.R.Header.Get("Range"), size, testserver.RangeRules{OnlyOne: true}); err != nil {
			h.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			rq.fail(errRange)
			return
		}
	}
	testserver.WriteObject(rq.W, obj.Data, start, end, status, head)
}
