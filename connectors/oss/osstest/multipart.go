package osstest

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// minPartSize is the smallest size of every part but the last, checked
// when the upload is completed ("CompleteMultipartUpload": 100 KB).
const minPartSize = 100 * 1024

// maxPartNumber bounds part numbers, and so the parts of one upload
// ("UploadPart": 1 to 10,000).
const maxPartNumber = 10000

func newUploadID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

func (s *Server) initiateMultipartUpload(rq *request) {
	_, _ = io.Copy(io.Discard, rq.R.Body)
	headers, meta, class, e := objectAttributes(rq.R)
	if e != nil {
		rq.fail(e)
		return
	}
	id := newUploadID()
	proto := &testserver.Object{Headers: headers, Meta: meta, StorageClass: class}
	s.Initiate(id, rq.Bucket, rq.Key, proto)

	encodingType := rq.Query.Get("encoding-type")
	enc := encoder(encodingType)
	var b strings.Builder
	b.WriteString("<InitiateMultipartUploadResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Bucket>" + rq.Bucket + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(rq.Key) + "</Key>\n")
	b.WriteString("  <UploadId>" + id + "</UploadId>\n")
	b.WriteString("</InitiateMultipartUploadResult>\n")
	testserver.WriteXML(rq.W, b.String())
}

func (s *Server) uploadPart(rq *request) {
	if !rq.Query.Has("partNumber") {
		rq.fail(errPartMissing.with("ArgumentName", "ResourceType").with("ArgumentValue", "partNumber"))
		return
	}
	v := rq.Query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPartNumber {
		rq.fail(errPartNumber.with("ArgumentName", "PartNumber").with("ArgumentValue", v))
		return
	}
	id := rq.Query.Get("uploadId")
	p, err := s.ReceivePart(id, rq.Bucket, rq.Key, n, rq.R)
	if err != nil {
		rq.fail(err)
		return
	}
	h := rq.W.Header()
	h.Set("ETag", `"`+p.ETag+`"`)
	h.Set("Content-MD5", base64.StdEncoding.EncodeToString(p.MD5))
	h.Set("x-oss-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	h.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
}

// listParts follows "ListParts": parts in number order after
// part-number-marker, max-parts (default and most 1000) a page.
func (s *Server) listParts(rq *request) {
	maxParts := 1000
	if v := rq.Query.Get("max-parts"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rq.fail(errMaxParts.with("ArgumentName", "max-parts").with("ArgumentValue", v))
			return
		}
		maxParts = n
	}
	marker := 0
	if v := rq.Query.Get("part-number-marker"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "Invalid part-number-marker."})
			return
		}
		marker = n
	}
	encodingType := rq.Query.Get("encoding-type")
	enc := encoder(encodingType)

	proto, list, truncated, err := s.Parts(rq.Query.Get("uploadId"), rq.Bucket, rq.Key, marker, maxParts)
	if err != nil {
		rq.fail(err)
		return
	}
	var parts strings.Builder
	next := marker
	for _, p := range list {
		parts.WriteString("  <Part>\n")
		parts.WriteString("    <PartNumber>" + strconv.Itoa(p.Number) + "</PartNumber>\n")
		parts.WriteString("    <LastModified>" + p.ModTime.UTC().Format(isoTime) + "</LastModified>\n")
		parts.WriteString("    <ETag>" + xmlEscape(`"`+p.ETag+`"`) + "</ETag>\n")
		parts.WriteString("    <HashCrc64ecma>" + strconv.FormatUint(p.CRC64, 10) + "</HashCrc64ecma>\n")
		parts.WriteString("    <Size>" + strconv.Itoa(len(p.Data)) + "</Size>\n")
		parts.WriteString("  </Part>\n")
		next = p.Number
	}

	var b strings.Builder
	b.WriteString("<ListPartsResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Bucket>" + rq.Bucket + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(rq.Key) + "</Key>\n")
	b.WriteString("  <UploadId>" + rq.Query.Get("uploadId") + "</UploadId>\n")
	b.WriteString("  <StorageClass>" + proto.StorageClass + "</StorageClass>\n")
	b.WriteString("  <PartNumberMarker>" + strconv.Itoa(marker) + "</PartNumberMarker>\n")
	b.WriteString("  <NextPartNumberMarker>" + strconv.Itoa(next) + "</NextPartNumberMarker>\n")
	b.WriteString("  <MaxParts>" + strconv.Itoa(maxParts) + "</MaxParts>\n")
	b.WriteString("  <IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	b.WriteString(parts.String())
	b.WriteString("</ListPartsResult>\n")
	testserver.WriteXML(rq.W, b.String())
}

type completeRequest struct {
	XMLName xml.Name             `xml:"CompleteMultipartUpload"`
	Parts   []testserver.PartRef `xml:"Part"`
}

// completeMultipartUpload follows "CompleteMultipartUpload": the listed
// parts, in ascending number order (else InvalidPartOrder), must exist with
// the ETag given (else InvalidPart), and all but the last must hold at
// least 100 KB (else EntityTooSmall). With x-oss-complete-all: yes and no
// body, every uploaded part is used. The object's ETag is the MD5 of the
// parts' MD5s followed by "-" and the number of parts.
func (s *Server) completeMultipartUpload(rq *request) {
	body, err := io.ReadAll(io.LimitReader(rq.R.Body, 4<<20))
	if err != nil {
		rq.fail(errIncomplete)
		return
	}
	completeAll := strings.EqualFold(rq.R.Header.Get("x-oss-complete-all"), "yes")
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

	obj, err := s.Complete(rq.Query.Get("uploadId"), rq.Bucket, rq.Key, testserver.Completion{
		Parts: req.Parts, All: completeAll, MinPartSize: minPartSize, NoOverwrite: forbidOverwrite(rq),
	})
	if err != nil {
		rq.fail(err)
		return
	}

	encodingType := rq.Query.Get("encoding-type")
	enc := encoder(encodingType)
	var b strings.Builder
	b.WriteString("<CompleteMultipartUploadResult>\n")
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + xmlEscape(encodingType) + "</EncodingType>\n")
	}
	b.WriteString("  <Location>" + xmlEscape("http://"+rq.R.Host+rq.R.URL.EscapedPath()) + "</Location>\n")
	b.WriteString("  <Bucket>" + rq.Bucket + "</Bucket>\n")
	b.WriteString("  <Key>" + enc(rq.Key) + "</Key>\n")
	b.WriteString("  <ETag>" + xmlEscape(`"`+obj.ETag+`"`) + "</ETag>\n")
	b.WriteString("</CompleteMultipartUploadResult>\n")
	rq.W.Header().Set("x-oss-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	testserver.WriteXML(rq.W, b.String())
}
