package costest

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// isoTime is how COS writes times in XML bodies.
const isoTime = "2006-01-02T15:04:05.000Z"

// getBucket follows "GET Bucket (List Objects)": keys in lexicographic
// order after marker, at most max-keys (default and maximum 1000) entries
// counting common prefixes, NextMarker when truncated and a delimiter is
// set (the SDK falls back to the last key otherwise). encoding-type=url
// URL-encodes names.
func (s *Server) getBucket(rq *request) {
	q := rq.Query
	prefix, delim, marker := q.Get("prefix"), q.Get("delimiter"), q.Get("marker")
	enc := func(v string) string { return xmlText(v) }
	if et := q.Get("encoding-type"); et == "url" {
		enc = func(v string) string { return strings.ReplaceAll(url.QueryEscape(v), "+", "%20") }
	} else if et != "" {
		rq.fail(errArgument)
		return
	}
	maxKeys := 1000
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			rq.fail(errArgument)
			return
		}
		maxKeys = n
	}
	page, truncated, err := s.List(rq.Bucket, testserver.ListOptions{
		Prefix: prefix, Delimiter: delim, Marker: marker, PrefixesAfterMarker: true, Max: maxKeys,
	})
	if err != nil {
		rq.fail(err)
		return
	}
	var contents, prefixes strings.Builder
	for _, e := range page {
		if e.Prefix {
			prefixes.WriteString("\t<CommonPrefixes>\n\t\t<Prefix>" + enc(e.Key) + "</Prefix>\n\t</CommonPrefixes>\n")
			continue
		}
		obj := &e.Object
		contents.WriteString("\t<Contents>\n")
		contents.WriteString("\t\t<Key>" + enc(e.Key) + "</Key>\n")
		contents.WriteString("\t\t<LastModified>" + obj.ModTime.UTC().Format(isoTime) + "</LastModified>\n")
		contents.WriteString("\t\t<ETag>&quot;" + obj.ETag + "&quot;</ETag>\n")
		contents.WriteString("\t\t<Size>" + strconv.Itoa(len(obj.Data)) + "</Size>\n")
		contents.WriteString("\t\t<Owner>\n\t\t\t<ID>1250000000</ID>\n\t\t\t<DisplayName>1250000000</DisplayName>\n\t\t</Owner>\n")
		contents.WriteString("\t\t<StorageClass>" + obj.StorageClass + "</StorageClass>\n")
		contents.WriteString("\t</Contents>\n")
	}

	var b strings.Builder
	b.WriteString("<ListBucketResult>\n")
	b.WriteString("\t<Name>" + rq.Bucket + "</Name>\n")
	if q.Has("encoding-type") {
		b.WriteString("\t<EncodingType>url</EncodingType>\n")
	}
	b.WriteString("\t<Prefix>" + enc(prefix) + "</Prefix>\n")
	b.WriteString("\t<Marker>" + enc(marker) + "</Marker>\n")
	b.WriteString("\t<MaxKeys>" + strconv.Itoa(maxKeys) + "</MaxKeys>\n")
	if delim != "" {
		b.WriteString("\t<Delimiter>" + enc(delim) + "</Delimiter>\n")
	}
	b.WriteString("\t<IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	if truncated {
		b.WriteString("\t<NextMarker>" + enc(page[len(page)-1].Key) + "</NextMarker>\n")
	}
	b.WriteString(contents.String())
	b.WriteString(prefixes.String())
	b.WriteString("</ListBucketResult>")
	testserver.WriteXML(rq.W, b.String())
}

func xmlText(v string) string {
	var b strings.Builder
	for _, r := range v {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
