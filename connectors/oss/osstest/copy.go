package osstest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// Copies ("CopyObject", "UploadPartCopy"): the source is named by
// x-oss-copy-source, /bucket/key with the key URL-encoded, and must be
// readable by the requester; the copy-source-if-* headers are its
// preconditions. These headers are x-oss-* headers, so the V4 signature
// covers them (canonicalRequestV4) like any other.

var (
	errCopySource = &ossError{status: 400, code: "InvalidArgument",
		msg: "Copy Source must mention the source bucket and key: /sourcebucket/sourcekey."}
	errDirective = &ossError{status: 400, code: "InvalidArgument",
		msg: "Unknown metadata directive."}
	errCopyRange = &ossError{status: 400, code: "InvalidArgument",
		msg: "The x-oss-copy-source-range header is invalid."}
	errCopyPrecondition = &ossError{status: 412, code: "PreconditionFailed",
		msg: "At least one of the pre-conditions you specified did not hold."}
)

// copySource reads the source of a copy, checking that it exists, that
// the requester may read it, and its preconditions.
func (s *Server) copySource(rq *request) (testserver.Object, *ossError) {
	v := rq.R.Header.Get("x-oss-copy-source")
	if i := strings.IndexByte(v, '?'); i >= 0 {
		v = v[:i] // versionId: versioning is not implemented; the current version
	}
	bkt, esc, ok := strings.Cut(strings.TrimPrefix(v, "/"), "/")
	key, err := url.PathUnescape(esc)
	if !strings.HasPrefix(v, "/") || !ok || bkt == "" || key == "" || err != nil {
		return testserver.Object{}, errCopySource
	}
	if !s.hasBucket(bkt) {
		return testserver.Object{}, errNoSuchBucket.with("BucketName", bkt)
	}
	if s.Denied(bkt, key) {
		return testserver.Object{}, errDenied
	}
	obj, gerr := s.Get(bkt, key)
	if gerr != nil {
		return testserver.Object{}, errNoSuchKey.with("Key", key)
	}
	if needsRestore(obj.StorageClass) && obj.Restore.State != testserver.Restored {
		return testserver.Object{}, errObjectState
	}
	if copyPreconditions(rq.R.Header, &obj) {
		return testserver.Object{}, errCopyPrecondition
	}
	return obj, nil
}

// copyPreconditions reports whether the x-oss-copy-source-if-* headers
// refuse obj. Unlike GetObject, every failed condition is a 412: a copy has
// nothing to answer "not modified" with.
func copyPreconditions(h http.Header, obj *testserver.Object) bool {
	g := http.Header{}
	for _, c := range []string{"Match", "None-Match", "Modified-Since", "Unmodified-Since"} {
		if v := h.Get("x-oss-copy-source-if-" + c); v != "" {
			g.Set("If-"+c, v)
		}
	}
	return preconditions(&http.Request{Header: g}, obj) != 0
}

// copyObject follows "CopyObject": the whole source becomes the object,
// with the source's bytes, checksums and ETag; x-oss-metadata-directive
// COPY (the default) keeps the source's headers and metadata, REPLACE
// takes the request's.
func (s *Server) copyObject(rq *request) {
	testserver.Drain(rq.R)
	src, e := s.copySource(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	obj := src // Data and the maps are never changed once stored: sharing them is safe
	obj.ModTime, obj.Restore = time.Now(), testserver.RestoreStatus{}
	switch d := rq.R.Header.Get("x-oss-metadata-directive"); d {
	case "", "COPY":
		if c := rq.R.Header.Get("x-oss-storage-class"); c != "" {
			if !storageClasses[c] {
				rq.fail(errStorageClass.with("ArgumentName", "x-oss-storage-class").with("ArgumentValue", c))
				return
			}
			obj.StorageClass = c
		}
	case "REPLACE":
		headers, meta, class, e := objectAttributes(rq.R)
		if e != nil {
			rq.fail(e)
			return
		}
		obj.Headers, obj.Meta, obj.StorageClass = headers, meta, class
	default:
		rq.fail(errDirective.with("ArgumentName", "x-oss-metadata-directive").with("ArgumentValue", d))
		return
	}
	if err := s.Put(rq.Bucket, rq.Key, &obj, "CopyObject", forbidOverwrite(rq)); err != nil {
		rq.fail(err)
		return
	}
	rq.W.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	testserver.WriteXML(rq.W, "<CopyObjectResult>\n"+
		"  <ETag>"+xmlEscape(`"`+obj.ETag+`"`)+"</ETag>\n"+
		"  <LastModified>"+obj.ModTime.UTC().Format(isoTime)+"</LastModified>\n"+
		"</CopyObjectResult>\n")
}

// uploadPartCopy follows "UploadPartCopy": part n of the upload is the
// source's bytes in x-oss-copy-source-range (bytes=first-last), or the
// whole source without it.
func (s *Server) uploadPartCopy(rq *request) {
	testserver.Drain(rq.R)
	v := rq.Query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		rq.fail(errPartNumber.with("ArgumentName", "PartNumber").with("ArgumentValue", v))
		return
	}
	id := rq.Query.Get("uploadId")
	if err := s.CheckUpload(id, rq.Bucket, rq.Key); err != nil {
		rq.fail(err)
		return
	}
	src, e := s.copySource(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	data := src.Data
	if r := rq.R.Header.Get("x-oss-copy-source-range"); r != "" {
		first, last, ok := copyRange(r, int64(len(data)))
		if !ok {
			rq.fail(errCopyRange.with("ArgumentName", "x-oss-copy-source-range").with("ArgumentValue", r))
			return
		}
		data = data[first : last+1]
	}
	p := s.NewPart(n, data)
	if err := s.PutPart(id, rq.Bucket, rq.Key, p); err != nil {
		rq.fail(err)
		return
	}
	rq.W.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	testserver.WriteXML(rq.W, "<CopyPartResult>\n"+
		"  <LastModified>"+p.ModTime.UTC().Format(isoTime)+"</LastModified>\n"+
		"  <ETag>"+xmlEscape(`"`+p.ETag+`"`)+"</ETag>\n"+
		"</CopyPartResult>\n")
}

// copyRange parses bytes=first-last within an object of size bytes.
func copyRange(v string, size int64) (first, last int64, ok bool) {
	a, b, found := strings.Cut(strings.TrimPrefix(strings.TrimSpace(v), "bytes="), "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !found || err1 != nil || err2 != nil || first < 0 || first > last || last >= size {
		return 0, 0, false
	}
	return first, last, true
}

// listMultipartUploads follows "ListMultipartUploads": the open uploads
// under prefix, by key then upload ID, from after key-marker (and, on
// that key, after upload-id-marker), max-uploads (1,000 at most) a page.
func (s *Server) listMultipartUploads(rq *request) {
	q := rq.Query
	prefix, keyMarker, idMarker := q.Get("prefix"), q.Get("key-marker"), q.Get("upload-id-marker")
	max := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "max-uploads must be between 1 and 1000."})
			return
		}
		max = n
	}
	page, truncated := s.UploadsPage(rq.Bucket, prefix, keyMarker, idMarker, max)
	encodingType := q.Get("encoding-type")
	enc := encoder(encodingType)
	var b strings.Builder
	b.WriteString("<ListMultipartUploadsResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Bucket>" + rq.Bucket + "</Bucket>\n")
	b.WriteString("  <Prefix>" + enc(prefix) + "</Prefix>\n")
	b.WriteString("  <KeyMarker>" + enc(keyMarker) + "</KeyMarker>\n")
	b.WriteString("  <UploadIdMarker>" + xmlEscape(idMarker) + "</UploadIdMarker>\n")
	b.WriteString("  <MaxUploads>" + strconv.Itoa(max) + "</MaxUploads>\n")
	b.WriteString("  <IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	if truncated {
		last := page[len(page)-1]
		b.WriteString("  <NextKeyMarker>" + enc(last.Key) + "</NextKeyMarker>\n")
		b.WriteString("  <NextUploadIdMarker>" + last.ID + "</NextUploadIdMarker>\n")
	}
	for _, u := range page {
		b.WriteString("  <Upload>\n")
		b.WriteString("    <Key>" + enc(u.Key) + "</Key>\n")
		b.WriteString("    <UploadId>" + u.ID + "</UploadId>\n")
		b.WriteString("    <StorageClass>Standard</StorageClass>\n")
		b.WriteString("  </Upload>\n")
	}
	b.WriteString("</ListMultipartUploadsResult>\n")
	testserver.WriteXML(rq.W, b.String())
}
