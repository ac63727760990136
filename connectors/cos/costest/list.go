package costest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// isoTime is how COS writes times in XML bodies.
const isoTime = "2006-01-02T15:04:05.000Z"

func writeXML(rq *request, body string) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + body
	h := rq.w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(doc)))
	rq.w.WriteHeader(http.StatusOK)
	_, _ = rq.w.Write([]byte(doc))
}

// getBucket follows "GET Bucket (List Objects)": keys in lexicographic
// order after marker, at most max-keys (default and maximum 1000) entries
// counting common prefixes, NextMarker when truncated and a delimiter is
// set (the SDK falls back to the last key otherwise). encoding-type=url
// URL-encodes names.
func (s *Server) getBucket(rq *request) {
	q := rq.q
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
	var contents, prefixes strings.Builder
	count, truncated := 0, false
	last, lastPrefix := "", ""
	s.mu.Lock()
	for _, k := range rq.bucket.sortedKeys() {
		if !strings.HasPrefix(k, prefix) || k <= marker {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cp := k[:len(prefix)+i+len(delim)]
				if cp == lastPrefix || cp <= marker {
					continue
				}
				if count == maxKeys {
					truncated = true
					break
				}
				prefixes.WriteString("\t<CommonPrefixes>\n\t\t<Prefix>" + enc(cp) + "</Prefix>\n\t</CommonPrefixes>\n")
				lastPrefix, last = cp, cp
				count++
				continue
			}
		}
		if count == maxKeys {
			truncated = true
			break
		}
		obj := rq.bucket.objects[k]
		contents.WriteString("\t<Contents>\n")
		contents.WriteString("\t\t<Key>" + enc(k) + "</Key>\n")
		contents.WriteString("\t\t<LastModified>" + obj.modTime.UTC().Format(isoTime) + "</LastModified>\n")
		contents.WriteString("\t\t<ETag>&quot;" + obj.etag + "&quot;</ETag>\n")
		contents.WriteString("\t\t<Size>" + strconv.Itoa(len(obj.data)) + "</Size>\n")
		contents.WriteString("\t\t<Owner>\n\t\t\t<ID>1250000000</ID>\n\t\t\t<DisplayName>1250000000</DisplayName>\n\t\t</Owner>\n")
		contents.WriteString("\t\t<StorageClass>" + obj.storageClass + "</StorageClass>\n")
		contents.WriteString("\t</Contents>\n")
		last = k
		count++
	}
	s.mu.Unlock()

	var b strings.Builder
	b.WriteString("<ListBucketResult>\n")
	b.WriteString("\t<Name>" + rq.bucket.name + "</Name>\n")
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
		b.WriteString("\t<NextMarker>" + enc(last) + "</NextMarker>\n")
	}
	b.WriteString(contents.String())
	b.WriteString(prefixes.String())
	b.WriteString("</ListBucketResult>")
	writeXML(rq, b.String())
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
