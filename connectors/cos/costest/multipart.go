package costest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// minPartSize is COS's smallest part but the last (1 MiB).
const minPartSize = 1 << 20

func (s *Server) initiateMultipartUpload(rq *request) {
	testserver.Drain(rq.R)
	proto := s.newObject(nil, time.Now())
	if e := attributes(rq.R, proto, initiateMetaLimits); e != nil {
		rq.fail(e)
		return
	}
	id := fmt.Sprintf("%d%016x", time.Now().UnixNano(), s.NextSeq())
	s.Initiate(id, rq.Bucket, rq.Key, proto)
	testserver.WriteXML(rq.W, "<InitiateMultipartUploadResult>\n\t<Bucket>"+rq.Bucket+"</Bucket>\n\t<Key>"+
		xmlText(rq.Key)+"</Key>\n\t<UploadId>"+id+"</UploadId>\n</InitiateMultipartUploadResult>")
}

func (s *Server) uploadPart(rq *request) {
	n, err := strconv.Atoi(rq.Query.Get("partNumber"))
	if err != nil || n < 1 || n > 10000 {
		rq.fail(errArgument)
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
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(p.CRC64, 10))
	h.Set("Content-Length", "0")
	rq.W.WriteHeader(http.StatusOK)
}

func (s *Server) listParts(rq *request) {
	marker, _ := strconv.Atoi(rq.Query.Get("part-number-marker"))
	maxParts := 1000
	if v := rq.Query.Get("max-parts"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 1000 {
			maxParts = n
		}
	}
	proto, parts, truncated, err := s.Parts(rq.Query.Get("uploadId"), rq.Bucket, rq.Key, marker, maxParts)
	if err != nil {
		rq.fail(err)
		return
	}
	var b strings.Builder
	b.WriteString("<ListPartsResult>\n\t<Bucket>" + rq.Bucket + "</Bucket>\n\t<Key>" + xmlText(rq.Key) + "</Key>\n")
	b.WriteString("\t<UploadId>" + rq.Query.Get("uploadId") + "</UploadId>\n\t<StorageClass>" + proto.StorageClass + "</StorageClass>\n")
	b.WriteString("\t<PartNumberMarker>" + strconv.Itoa(marker) + "</PartNumberMarker>\n")
	if truncated {
		b.WriteString("\t<NextPartNumberMarker>" + strconv.Itoa(parts[len(parts)-1].Number) + "</NextPartNumberMarker>\n")
	}
	b.WriteString("\t<MaxParts>" + strconv.Itoa(maxParts) + "</MaxParts>\n\t<IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	for _, p := range parts {
		b.WriteString("\t<Part>\n\t\t<PartNumber>" + strconv.Itoa(p.Number) + "</PartNumber>\n\t\t<LastModified>" +
			p.ModTime.UTC().Format(isoTime) + "</LastModified>\n\t\t<ETag>&quot;" + p.ETag + "&quot;</ETag>\n\t\t<Size>" +
			strconv.Itoa(len(p.Data)) + "</Size>\n\t</Part>\n")
	}
	b.WriteString("</ListPartsResult>")
	testserver.WriteXML(rq.W, b.String())
}

// completeMultipartUpload checks the listed parts (ascending numbers,
// ETags as uploaded, every part but the last at least minPartSize) and
// makes the object; its ETag is the MD5 of the parts' MD5s, "-" and their
// count.
func (s *Server) completeMultipartUpload(rq *request) {
	id := rq.Query.Get("uploadId")
	if err := s.CheckUpload(id, rq.Bucket, rq.Key); err != nil {
		rq.fail(err)
		return
	}
	body, err := io.ReadAll(rq.R.Body)
	if err != nil {
		rq.fail(errIncomplete)
		return
	}
	var doc struct {
		Parts []testserver.PartRef `xml:"Part"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil || len(doc.Parts) == 0 {
		rq.fail(errMalformedXML)
		return
	}
	obj, err := s.Complete(id, rq.Bucket, rq.Key, testserver.Completion{Parts: doc.Parts, MinPartSize: minPartSize})
	if err != nil {
		rq.fail(err)
		return
	}
	rq.W.Header().Set("x-cos-hash-crc64ecma", strconv.FormatUint(obj.CRC64, 10))
	testserver.WriteXML(rq.W, "<CompleteMultipartUploadResult>\n\t<Location>"+xmlText(rq.R.Host+"/"+rq.Key)+"</Location>\n\t<Bucket>"+
		rq.Bucket+"</Bucket>\n\t<Key>"+xmlText(rq.Key)+"</Key>\n\t<ETag>&quot;"+obj.ETag+"&quot;</ETag>\n</CompleteMultipartUploadResult>")
}

// listMultipartUploads follows "ListMultipartUploads": the open uploads
// under prefix, by key then upload ID, from after key-marker (and, on
// that key, after upload-id-marker), max-uploads (1,000 at most) a page.
func (s *Server) listMultipartUploads(rq *request) {
	q := rq.Query
	prefix, keyMarker, idMarker := q.Get("prefix"), q.Get("key-marker"), q.Get("upload-id-marker")
	if et := q.Get("encoding-type"); et != "" {
		rq.fail(errArgument) // mgw asks for none
		return
	}
	max := 1000
	if v := q.Get("max-uploads"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rq.fail(errArgument)
			return
		}
		max = n
	}
	page, truncated := s.UploadsPage(rq.Bucket, prefix, keyMarker, idMarker, max)
	var b strings.Builder
	b.WriteString("<ListMultipartUploadsResult>\n\t<Bucket>" + rq.Bucket + "</Bucket>\n\t<Prefix>" + xmlText(prefix) + "</Prefix>\n")
	b.WriteString("\t<KeyMarker>" + xmlText(keyMarker) + "</KeyMarker>\n\t<UploadIdMarker>" + xmlText(idMarker) + "</UploadIdMarker>\n")
	if truncated {
		last := page[len(page)-1]
		b.WriteString("\t<NextKeyMarker>" + xmlText(last.Key) + "</NextKeyMarker>\n\t<NextUploadIdMarker>" + last.ID + "</NextUploadIdMarker>\n")
	}
	b.WriteString("\t<MaxUploads>" + strconv.Itoa(max) + "</MaxUploads>\n\t<IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	for _, u := range page {
		b.WriteString("\t<Upload>\n\t\t<Key>" + xmlText(u.Key) + "</Key>\n\t\t<UploadId>" + u.ID + "</UploadId>\n\t\t<StorageClass>STANDARD</StorageClass>\n\t</Upload>\n")
	}
	b.WriteString("</ListMultipartUploadsResult>")
	testserver.WriteXML(rq.W, b.String())
}
