package osstest

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"hash/crc64"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// minPartSize is the smallest size of every part but the last, checked
// when the upload is completed ("CompleteMultipartUpload": 100 KB).
const minPartSize = 100 * 1024

// maxPartNumber bounds part numbers, and so the parts of one upload
// ("UploadPart": 1 to 10,000).
const maxPartNumber = 10000

type upload struct {
	id, bucket, key string
	headers, meta   map[string]string
	class           string
	parts           map[int]*part
}

type part struct {
	data    []byte
	md5     []byte
	etag    string // upper-case hex MD5, without quotes
	crc     uint64
	modTime time.Time
}

func newUploadID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func (s *Server) initiateMultipartUpload(rq *request) {
	_, _ = io.Copy(io.Discard, rq.r.Body)
	headers, meta, class, e := objectAttributes(rq.r)
	if e != nil {
		rq.fail(e)
		return
	}
	u := &upload{
		id: newUploadID(), bucket: rq.bucket.name, key: rq.key,
		headers: headers, meta: meta, class: class, parts: map[int]*part{},
	}
	s.mu.Lock()
	s.uploads[u.id] = u
	s.mu.Unlock()

	encodingType := rq.q.Get("encoding-type")
	enc := encoder(encodingType)
	var b strings.Builder
	b.WriteString("<InitiateMultipartUploadResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Bucket>" + u.bucket + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(u.key) + "</Key>\n")
	b.WriteString("  <UploadId>" + u.id + "</UploadId>\n")
	b.WriteString("</InitiateMultipartUploadResult>\n")
	writeXML(rq, b.String())
}

// findUpload returns the upload named by the uploadId parameter, which must
// belong to the request's key. s.mu must be held.
func (s *Server) findUpload(rq *request) (*upload, *ossError) {
	id := rq.q.Get("uploadId")
	u := s.uploads[id]
	if u == nil || u.bucket != rq.bucket.name || u.key != rq.key {
		return nil, errNoSuchUpload.with("UploadId", id)
	}
	return u, nil
}

func (s *Server) uploadPart(rq *request) {
	if !rq.q.Has("partNumber") {
		rq.fail(errPartMissing.with("ArgumentName", "ResourceType").with("ArgumentValue", "partNumber"))
		return
	}
	v := rq.q.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		rq.fail(errPartNumber.with("ArgumentName", "PartNumber").with("ArgumentValue", v))
		return
	}
	s.mu.Lock()
	_, e := s.findUpload(rq)
	s.mu.Unlock()
	if e != nil {
		rq.fail(e)
		return
	}
	data, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	sum := md5.Sum(data)
	p := &part{
		data: data, md5: sum[:], etag: strings.ToUpper(hex.EncodeToString(sum[:])),
		crc: crc64.Checksum(data, crcTable), modTime: time.Now(),
	}

	s.mu.Lock()
	u, e := s.findUpload(rq) // it may have been aborted or completed meanwhile
	if e == nil {
		u.parts[n] = p
		id := u.bucket + "/" + u.key
		if s.partCount[id] == nil {
			s.partCount[id] = map[int]int{}
		}
		s.partCount[id][n]++
	}
	s.mu.Unlock()
	if e != nil {
		rq.fail(e)
		return
	}

	h := rq.w.Header()
	h.Set("ETag", `"`+p.etag+`"`)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(p.md5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.crc, 10))
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
}

// listParts follows "ListParts": parts in number order after
// part-number-marker, max-parts (default and most 1000) a page.
func (s *Server) listParts(rq *request) {
	maxParts := 1000
	if v := rq.q.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rq.fail(errMaxParts.with("ArgumentName", "max-parts").with("ArgumentValue", v))
			return
		}
		maxParts = n
	}
	marker := 0
	if v := rq.q.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "Invalid part-number-marker."})
			return
		}
		marker = n
	}
	encodingType := rq.q.Get("encoding-type")
	enc := encoder(encodingType)

	s.mu.Lock()
	u, e := s.findUpload(rq)
	if e != nil {
		s.mu.Unlock()
		rq.fail(e)
		return
	}
	var numbers []int
	for n := range u.parts {
		if n > marker {
			numbers = append(numbers, n)
		}
	}
	sort.Ints(numbers)
	truncated := len(numbers) > maxParts
	if truncated {
		numbers = numbers[:maxParts]
	}
	var parts strings.Builder
	next := marker
	for _, n := range numbers {
		p := u.parts[n]
		parts.WriteString("  <Part>\n")
		parts.WriteString("    <PartNumber>" + strconv.Itoa(n) + "</PartNumber>\n")
		parts.WriteString("    <LastModified>" + p.modTime.UTC().Format(isoTime) + "</LastModified>\n")
		parts.WriteString("    <ETag>" + xmlEscape(`"`+p.etag+`"`) + "</ETag>\n")
		parts.WriteString("    <HashCrc64ecma>" + strconv.FormatUint(p.crc, 10) + "</HashCrc64ecma>\n")
		parts.WriteString("    <Size>" + strconv.Itoa(len(p.data)) + "</Size>\n")
		parts.WriteString("  </Part>\n")
		next = n
	}
	class := u.class
	s.mu.Unlock()

	var b strings.Builder
	b.WriteString("<ListPartsResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Bucket>" + rq.bucket.name + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(rq.key) + "</Key>\n")
	b.WriteString("  <UploadId>" + u.id + "</UploadId>\n")
	b.WriteString("  <StorageClass>" + class + "</StorageClass>\n")
	b.WriteString("  <PartNumberMarker>" + strconv.Itoa(marker) + "</PartNumberMarker>\n")
	b.WriteString("  <NextPartNumberMarker>" + strconv.Itoa(next) + "</NextPartNumberMarker>\n")
	b.WriteString("  <MaxParts>" + strconv.Itoa(maxParts) + "</MaxParts>\n")
	b.WriteString("  <IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	b.WriteString(parts.String())
	b.WriteString("</ListPartsResult>\n")
	writeXML(rq, b.String())
}

type completeRequest struct {
	XMLName xml.Name       `xml:"CompleteMultipartUpload"`
	Parts   []completePart `xml:"Part"`
}

type completePart struct {
	PartNumber int    `xml:"PartNumber"`
	ETag       string `xml:"ETag"`
}

// completeMultipartUpload follows "CompleteMultipartUpload": the listed
// parts, in ascending number order (else InvalidPartOrder), must exist with
// the ETag given (else InvalidPart), and all but the last must hold at
// least 100 KB (else EntityTooSmall). With x-oss-complete-all: yes and no
// body, every uploaded part is used. The object's ETag is the MD5 of the
// parts' MD5s followed by "-" and the number of parts.
func (s *Server) completeMultipartUpload(rq *request) {
	body, err := io.ReadAll(io.LimitReader(rq.r.Body, 4<<20))
	if err != nil {
		rq.fail(errIncomplete)
		return
	}
	completeAll := strings.EqualFold(rq.r.Header.Get("x-oss-complete-all"), "yes")
	var req completeRequest
	switch {
	case completeAll && len(bytes.TrimSpace(body)) > 0:
		rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "Should not specify both complete all header and http body."})
		return
	case !completeAll:
		if err := xml.Unmarshal(body, &req); err != nil || len(req.Parts) == 0 {
			rq.fail(errMalformedXML)
			return
		}
	}

	obj, e := s.complete(rq, req.Parts, completeAll)
	if e != nil {
		rq.fail(e)
		return
	}

	encodingType := rq.q.Get("encoding-type")
	enc := encoder(encodingType)
	var b strings.Builder
	b.WriteString("<CompleteMultipartUploadResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Location>" + xmlEscape("http://"+rq.r.Host+rq.r.URL.EscapedPath()) + "</Location>\n")
	b.WriteString("  <Bucket>" + rq.bucket.name + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(rq.key) + "</Key>\n")
	b.WriteString("  <ETag>" + xmlEscape(`"`+obj.etag+`"`) + "</ETag>\n")
	b.WriteString("</CompleteMultipartUploadResult>\n")
	rq.w.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
	writeXML(rq, b.String())
}

// complete checks the part list against the upload and, if it holds, makes
// the object visible and closes the upload.
func (s *Server) complete(rq *request, list []completePart, all bool) (*object, *ossError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.findUpload(rq)
	if e != nil {
		return nil, e
	}
	if all {
		var numbers []int
		for n := range u.parts {
			numbers = append(numbers, n)
		}
		sort.Ints(numbers)
		for _, n := range numbers {
			list = append(list, completePart{n, u.parts[n].etag})
		}
		if len(list) == 0 {
			return nil, errMalformedXML
		}
	}

	// The list is checked as a whole first (its order is part of the
	// request's validity), then each part, then the sizes.
	for i := 1; i < len(list); i++ {
		if list[i].PartNumber <= list[i-1].PartNumber {
			return nil, errPartOrder
		}
	}
	parts := make([]*part, len(list))
	size := 0
	for i, lp := range list {
		p := u.parts[lp.PartNumber]
		if p == nil || !strings.EqualFold(strings.Trim(strings.TrimSpace(lp.ETag), `"`), p.etag) {
			return nil, errInvalidPart.
				with("ETag", lp.ETag).
				with("PartNumber", strconv.Itoa(lp.PartNumber)).
				with("UploadId", u.id)
		}
		parts[i] = p
		size += len(p.data)
	}
	for i, p := range parts[:len(parts)-1] {
		if len(p.data) < minPartSize {
			return nil, errTooSmall.
				with("MinSizeAllowed", strconv.Itoa(minPartSize)).
				with("ProposedSize", strconv.Itoa(len(p.data))).
				with("PartNumber", strconv.Itoa(list[i].PartNumber))
		}
	}
	if rq.r.Header.Get("x-oss-forbid-overwrite") == "true" && rq.bucket.objects[rq.key] != nil {
		return nil, errExists
	}

	data := make([]byte, 0, size)
	sums := make([]byte, 0, md5.Size*len(parts))
	for _, p := range parts {
		data = append(data, p.data...)
		sums = append(sums, p.md5...)
	}
	etag := md5.Sum(sums)
	obj := newObject(data, time.Now())
	obj.md5 = nil // OSS does not know the whole object's MD5 after a multipart upload
	obj.etag = strings.ToUpper(hex.EncodeToString(etag[:])) + "-" + strconv.Itoa(len(parts))
	obj.objectType = "Multipart"
	obj.headers, obj.meta, obj.storageClass = u.headers, u.meta, u.class
	s.store(rq.bucket, rq.key, obj, "CompleteMultipartUpload")
	delete(s.uploads, u.id)
	return obj, nil
}

func (s *Server) abortMultipartUpload(rq *request) {
	s.mu.Lock()
	u, e := s.findUpload(rq)
	if e == nil {
		delete(s.uploads, u.id)
	}
	s.mu.Unlock()
	if e != nil {
		rq.fail(e)
		return
	}
	rq.w.WriteHeader(http.StatusNoContent)
}
