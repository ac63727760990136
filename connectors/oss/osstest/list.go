package osstest

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// ownerID is the account every test bucket belongs to.
const ownerID = "1000000000000000"

// isoTime is how OSS writes times in XML bodies.
const isoTime = "2006-01-02T15:04:05.000Z"

// encoder returns how names go into a listing: escaped for XML, or, with
// encoding-type=url, URL-encoded (which also carries characters XML 1.0
// cannot, "ListObjectsV2": encoding-type).
func encoder(encodingType string) func(string) string {
	if encodingType == "url" {
		return func(s string) string { return uriEncode(s, true) }
	}
	return xmlEscape
}

// A continuation token names where the previous page stopped: a key ("k")
// or a common prefix ("p"), all of whose keys were rolled up. It is opaque
// to clients and uses only URL-safe characters.
func makeToken(kind byte, name string) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{kind}, name...))
}

// listEntries renders a page's Contents and CommonPrefixes elements.
func listEntries(page []testserver.Entry, enc func(string) string, fetchOwner bool) (contents, prefixes string) {
	var c, cp strings.Builder
	for _, e := range page {
		if e.Prefix {
			cp.WriteString("  <CommonPrefixes>\n    <Prefix>" + enc(e.Key) + "</Prefix>\n  </CommonPrefixes>\n")
			continue
		}
		obj := &e.Object
		c.WriteString("  <Contents>\n")
		c.WriteString("    <Key>" + enc(e.Key) + "</Key>\n")
		c.WriteString("    <LastModified>" + obj.ModTime.UTC().Format(isoTime) + "</LastModified>\n")
		c.WriteString("    <ETag>" + xmlEscape(`"`+obj.ETag+`"`) + "</ETag>\n")
		c.WriteString("    <Type>" + objectType(obj) + "</Type>\n")
		c.WriteString("    <Size>" + strconv.Itoa(len(obj.Data)) + "</Size>\n")
		c.WriteString("    <StorageClass>" + obj.StorageClass + "</StorageClass>\n")
		if fetchOwner {
			c.WriteString("    <Owner>\n      <ID>" + ownerID + "</ID>\n      <DisplayName>" + ownerID + "</DisplayName>\n    </Owner>\n")
		}
		if v := obj.Restore.Header(); v != "" {
			c.WriteString("    <RestoreInfo>" + xmlEscape(v) + "</RestoreInfo>\n")
		}
		c.WriteString("  </Contents>\n")
	}
	return c.String(), cp.String()
}

// nextToken names where a truncated page stopped: its last entry.
func nextToken(page []testserver.Entry) string {
	last := page[len(page)-1]
	if last.Prefix {
		return makeToken('p', last.Key)
	}
	return makeToken('k', last.Key)
}

func parseToken(token string) (kind byte, name string, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) == 0 || (b[0] != 'k' && b[0] != 'p') {
		return 0, "", false
	}
	return b[0], string(b[1:]), true
}

// listObjectsV2 follows "ListObjectsV2 (GetBucketV2)": keys in
// lexicographic order after start-after or the continuation token (which
// wins), max-keys (default 100, at most 1000) entries per page counting
// both objects and common prefixes, KeyCount, IsTruncated and
// NextContinuationToken. fetch-owner adds the owner.
func (s *Server) listObjectsV2(rq *request) {
	q := rq.Query
	prefix, delim, startAfter, token := q.Get("prefix"), q.Get("delimiter"), q.Get("start-after"), q.Get("continuation-token")
	encodingType := q.Get("encoding-type")
	if encodingType != "" && encodingType != "url" {
		rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "Invalid Encoding Method specified in Request"})
		return
	}
	maxKeys := 100
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			rq.fail(errMaxKeys.with("ArgumentName", "max-keys").with("ArgumentValue", v))
			return
		}
		maxKeys = n
	}
	var markKind byte
	var mark string
	switch {
	case q.Has("continuation-token"):
		var ok bool
		if markKind, mark, ok = parseToken(token); !ok {
			rq.fail(&ossError{status: 400, code: "InvalidArgument", msg: "The continuation token provided is incorrect"})
			return
		}
	case startAfter != "":
		markKind, mark = 'k', startAfter
	}

	page, truncated, err := s.List(rq.Bucket, testserver.ListOptions{
		Prefix: prefix, Delimiter: delim, Marker: mark, MarkerIsPrefix: markKind == 'p', Max: maxKeys,
	})
	if err != nil {
		rq.fail(err)
		return
	}
	enc := encoder(encodingType)
	contents, prefixes := listEntries(page, enc, q.Get("fetch-owner") == "true")

	var b strings.Builder
	b.WriteString("<ListBucketResult>\n")
	b.WriteString("  <Name>" + rq.Bucket + "</Name>\n")
	b.WriteString("  <Prefix>" + enc(prefix) + "</Prefix>\n")
	if startAfter != "" {
		b.WriteString("  <StartAfter>" + enc(startAfter) + "</StartAfter>\n")
	}
	if q.Has("continuation-token") {
		b.WriteString("  <ContinuationToken>" + enc(token) + "</ContinuationToken>\n")
	}
	b.WriteString("  <MaxKeys>" + strconv.Itoa(maxKeys) + "</MaxKeys>\n")
	if delim != "" {
		b.WriteString("  <Delimiter>" + enc(delim) + "</Delimiter>\n")
	}
	if encodingType != "" {
		b.WriteString("  <EncodingType>" + encodingType + "</EncodingType>\n")
	}
	b.WriteString("  <IsTruncated>" + strconv.FormatBool(truncated) + "</IsTruncated>\n")
	if truncated {
		b.WriteString("  <NextContinuationToken>" + enc(nextToken(page)) + "</NextContinuationToken>\n")
	}
	b.WriteString("  <KeyCount>" + strconv.Itoa(len(page)) + "</KeyCount>\n")
	b.WriteString(contents)
	b.WriteString(prefixes)
	b.WriteString("</ListBucketResult>\n")
	testserver.WriteXML(rq.W, b.String())
}

// getBucketInfo answers GET /?bucketInfo ("GetBucketInfo"). Location is
// "oss-" + region, as OSS names regions there.
func (s *Server) getBucketInfo(rq *request) {
	region := s.cfg.Region
	created, _ := s.BucketCreated(rq.Bucket)
	var b strings.Builder
	b.WriteString("<BucketInfo>\n  <Bucket>\n")
	b.WriteString("    <AccessMonitor>Disabled</AccessMonitor>\n")
	b.WriteString("    <CreationDate>" + created.Format(isoTime) + "</CreationDate>\n")
	b.WriteString("    <ExtranetEndpoint>oss-" + region + ".aliyuncs.com</ExtranetEndpoint>\n")
	b.WriteString("    <IntranetEndpoint>oss-" + region + "-internal.aliyuncs.com</IntranetEndpoint>\n")
	b.WriteString("    <Location>oss-" + region + "</Location>\n")
	b.WriteString("    <StorageClass>Standard</StorageClass>\n")
	b.WriteString("    <DataRedundancyType>LRS</DataRedundancyType>\n")
	b.WriteString("    <TransferAcceleration>Disabled</TransferAcceleration>\n")
	b.WriteString("    <CrossRegionReplication>Disabled</CrossRegionReplication>\n")
	b.WriteString("    <Name>" + rq.Bucket + "</Name>\n")
	b.WriteString("    <Owner>\n      <DisplayName>" + ownerID + "</DisplayName>\n      <ID>" + ownerID + "</ID>\n    </Owner>\n")
	b.WriteString("    <AccessControlList>\n      <Grant>private</Grant>\n    </AccessControlList>\n")
	b.WriteString("    <ServerSideEncryptionRule>\n      <SSEAlgorithm>None</SSEAlgorithm>\n    </ServerSideEncryptionRule>\n")
	b.WriteString("    <BucketPolicy>\n      <LogBucket></LogBucket>\n      <LogPrefix></LogPrefix>\n    </BucketPolicy>\n")
	b.WriteString("  </Bucket>\n</BucketInfo>\n")
	testserver.WriteXML(rq.W, b.String())
}
