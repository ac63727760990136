package costest

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// minPartSize is COS's smallest part but the last (1 MiB).
const minPartSize = 1 << 20

type upload struct {
	bucket, key string
	proto       *object // headers, metadata and class given at initiation
	parts       map[int]*part
}

type part struct {
	data    []byte
	etag    string
	modTime time.Time
}

func (s *Server) initiateMultipartUpload(rq *request) {
	_, _ = io.Copy(io.Discard, rq.r.Body)
	proto := newObject(nil, time.Now())
	if e := attributes(rq.r, proto, initiateMetaLimits); e != nil {
		rq.fail(e)
		return
	}
	id := fmt.Sprintf("%d%016x", time.Now().UnixNano(), s.seq.Add(1))
	s.mu.Lock()
	s.uploads[id] = &upload{bucket: rq.bucket.name, key: rq.key, proto: proto, parts: map[int]*part{}}
	s.mu.Unlock()
	writeXML(rq, "<InitiateMultipartUploadResult>\n\t<Bucket>"+rq.bucket.name+"</Bucket>\n\t<Key>"+
		xmlText(rq.key)+"</Key>\n\t<UploadId>"+id+"</UploadId>\n</InitiateMultipartUploadResult>")
}

// lookup finds the upload a request names, or answers NoSuchUpload.
func (s *Server) lookup(rq *request) *upload {
	s.mu.Lock()
	u := s.uploads[rq.q.Get("uploadId")]
	s.mu.Unlock()
	if u == nil || u.bucket != rq.bucket.name || u.key != rq.key {
		rq.fail(errNoSuchUpload)
		return nil
	}
	return u
}

func (s *Server) uploadPart(rq *request) {
	n, err := strconv.Atoi(rq.q.Get("partNumber"))
	if err != nil || n < 1 || n > 10000 {
		rq.fail(errArgument)
		return
	}
	u := s.lookup(rq)
	if u == nil {
		return
	}
	data, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	sum := md5.Sum(data)
	p := &part{data: data, etag: hex.EncodeToString(sum[:]), modTime: time.Now()}
	s.mu.Lock()
	u.parts[n] = p
	s.mu.Unlock()
	h := rq.w.Header()
	h.Set("ETag", `"`+p.etag+`"`)
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(crc64.Checksum(data, crcTable), 10))
	h.Set("Content-Length", "0")
	rq.w.WriteHeader(http.StatusOK)
}

func (s *Server) listParts(rq *request) {
	u := s.lookup(rq)
	if u == nil {
		return
	}
	marker, _ := strconv.Atoi(rq.q.Get("part-number-marker"))
	maxParts := 1000
	if v := rq.q.Get("max-parts"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1000 {
			maxParts = n
		}
	}
	s.mu.Lock()
	nums := make([]int, 0, len(u.parts))
	for n := range u.parts {
		if n > marker {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	truncated := len(nums) > maxParts
	if truncated {
		nums = nums[:maxParts]
	}
	var b strings.Builder
	b.WriteString("<ListPartsResult>\n\t<Bucket>" + rq.bucket.name + "</Bucket>\n\t<Key>" + xmlText(rq.key) + "</Key>\n")
	b.WriteString("\t<UploadId>" + rq.q.Get("uploadId") + "</UploadId>\n\t<StorageClass>" + u.proto.storageClass + "</StorageClass>\n")
	b.WriteString("\t<PartNumberMarker>" + strconv.Itoa(marker) + "</PartNumberMarker>\n")
	if truncated {
		b.WriteString("\t<NextPartNumberMarker>" + strconv.Itoa(nums[len(nums)-1]) + "</NextPartNumberMarker>\n")
	}
	b.WriteString("\t<MaxParts>" + strconv.Itoa(maxParts) + "</MaxParts>\n\t<IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	for _, n := range nums {
		p := u.parts[n]
		b.WriteString("\t<Part>\n\t\t<PartNumber>" + strconv.Itoa(n) + "</PartNumber>\n\t\t<LastModified>" +
			p.modTime.UTC().Format(isoTime) + "</LastModified>\n\t\t<ETag>&quot;" + p.etag + "&quot;</ETag>\n\t\t<Size>" +
			strconv.Itoa(len(p.data)) + "</Size>\n\t</Part>\n")
	}
	s.mu.Unlock()
	b.WriteString("</ListPartsResult>")
	writeXML(rq, b.String())
}

func (s *Server) completeMultipartUpload(rq *request) {
	u := s.lookup(rq)
	if u == nil {
		return
	}
	body, err := io.ReadAll(rq.r.Body)
	if err != nil {
		rq.fail(errIncomplete)
		return
	}
	var doc struct {
		Parts []struct {
			PartNumber int
			ETag       string
		} `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Parts) == 0 {
		rq.fail(errMalformedXML)
		return
	}
	s.mu.Lock()
	var data bytes.Buffer
	var sums []byte
	for i, p := range doc.Parts {
		got := u.parts[p.PartNumber]
		switch {
		case i > 0 && p.PartNumber <= doc.Parts[i-1].PartNumber:
			s.mu.Unlock()
			rq.fail(errPartOrder)
			return
		case got == nil || strings.Trim(p.ETag, `"`) != got.etag:
			s.mu.Unlock()
			rq.fail(errInvalidPart)
			return
		case i < len(doc.Parts)-1 && len(got.data) < minPartSize:
			s.mu.Unlock()
			rq.fail(errTooSmall)
			return
		}
		data.Write(got.data)
		sum, _ := hex.DecodeString(got.etag)
		sums = append(sums, sum...)
	}
	obj := newObject(data.Bytes(), time.Now())
	obj.headers, obj.meta, obj.storageClass = u.proto.headers, u.proto.meta, u.proto.storageClass
	whole := md5.Sum(sums)
	obj.etag = hex.EncodeToString(whole[:]) + "-" + strconv.Itoa(len(doc.Parts))
	rq.bucket.objects[rq.key] = obj
	delete(s.uploads, rq.q.Get("uploadId"))
	s.mu.Unlock()
	rq.w.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.crc, 10))
	writeXML(rq, "<CompleteMultipartUploadResult>\n\t<Location>"+xmlText(rq.r.Host+"/"+rq.key)+"</Location>\n\t<Bucket>"+
		rq.bucket.name+"</Bucket>\n\t<Key>"+xmlText(rq.key)+"</Key>\n\t<ETag>&quot;"+obj.etag+"&quot;</ETag>\n</CompleteMultipartUploadResult>")
}

func (s *Server) abortMultipartUpload(rq *request) {
	if u := s.lookup(rq); u == nil {
		return
	}
	s.mu.Lock()
	delete(s.uploads, rq.q.Get("uploadId"))
	s.mu.Unlock()
	rq.w.WriteHeader(http.StatusNoContent)
}
