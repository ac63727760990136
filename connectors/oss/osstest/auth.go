package osstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxSkew is how far the request time may be from the server's clock. OSS
// rejects requests more than 15 minutes off with RequestTimeTooSkewed
// ("Include a V4 signature in the header", EC 0002-00000504).
const maxSkew = 15 * time.Minute

const (
	algorithmV4     = "OSS4-HMAC-SHA256"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	iso8601         = "20060102T150405Z"
)

// authenticate checks the request's signature as OSS does. It returns nil
// for a correctly signed request of the configured credential pair.
// Signatures in the query string (presigned URLs) are not supported here.
func (s *Server) authenticate(r *http.Request, bucket, key string, now time.Time) *ossError {
	auth := r.Header.Get("Authorization")
	switch {
	case auth == "":
		q := r.URL.Query()
		if q.Has("x-oss-signature") || q.Has("Signature") {
			return errNotImplemented
		}
		// No signature: an anonymous request, and test buckets are private.
		return errAnonymous
	case strings.HasPrefix(auth, algorithmV4+" "):
		return s.verifyV4(r, bucket, key, strings.TrimPrefix(auth, algorithmV4+" "), now)
	case strings.HasPrefix(auth, "OSS "):
		return s.verifyV1(r, bucket, key, strings.TrimPrefix(auth, "OSS "), now)
	}
	return &ossError{status: 400, code: "InvalidArgument", msg: "Authorization header is invalid."}
}

// verifyV4 follows "Include a V4 signature in the header": the
// Authorization header is
//
//	OSS4-HMAC-SHA256 Credential=<AK>/<date>/<region>/oss/aliyun_v4_request,AdditionalHeaders=<h1;h2>,Signature=<hex>
//
// and the signature is HMAC-SHA256 over the string to sign with a key
// derived from the secret, the date, the region and the product.
func (s *Server) verifyV4(r *http.Request, bucket, key, params string, now time.Time) *ossError {
	var credential, additional, signature string
	for _, p := range strings.Split(params, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok {
			return errAuthMalformed
		}
		switch name {
		case "Credential":
			credential = value
		case "AdditionalHeaders":
			additional = value
		case "Signature":
			signature = value
		default:
			return errAuthMalformed
		}
	}
	if credential == "" || signature == "" {
		return errAuthMalformed
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aliyun_v4_request" {
		return errCredential
	}
	keyID, signDate, region, product := scope[0], scope[1], scope[2], scope[3]

	date := r.Header.Get("x-oss-date")
	t, err := time.Parse(iso8601, date)
	if err != nil {
		return errBadDate
	}
	if e := checkSkew(t, now); e != nil {
		return e
	}
	if signDate != t.Format("20060102") {
		return errSignDate
	}
	if product != "oss" {
		return errSignProduct
	}
	if region != s.cfg.Region {
		return errSignRegion
	}
	if e := s.checkKeyID(r, keyID); e != nil {
		return e
	}
	if v := r.Header.Get("x-oss-content-sha256"); v != unsignedPayload {
		return errContentSHA
	}

	var addHeaders []string
	if additional != "" {
		addHeaders = strings.Split(additional, ";")
	}
	canonical := canonicalRequestV4(r, bucket, key, addHeaders)
	sum := sha256.Sum256([]byte(canonical))
	scopeStr := strings.Join(scope[1:], "/")
	stringToSign := algorithmV4 + "\n" + date + "\n" + scopeStr + "\n" + hex.EncodeToString(sum[:])
	want := signV4(s.cfg.AccessKeySecret, signDate, region, product, stringToSign)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errSignatureV4.
			with("OSSAccessKeyId", keyID).
			with("SignatureProvided", signature).
			with("StringToSign", stringToSign).
			with("StringToSignBytes", hexBytes(stringToSign)).
			with("CanonicalRequest", canonical)
	}
	return nil
}

// signV4 derives the signing key ("aliyun_v4" + secret, then the date, the
// region, the product and "aliyun_v4_request") and signs.
func signV4(secret, date, region, product, stringToSign string) string {
	k := hmacSHA256([]byte("aliyun_v4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, product)
	k = hmacSHA256(k, "aliyun_v4_request")
	return hex.EncodeToString(hmacSHA256(k, stringToSign))
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// canonicalRequestV4 builds
//
//	Verb \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
//
// The URI is /bucket/key with every byte but unreserved characters and "/"
// percent-encoded. The query has each name and value URI-encoded, sorted
// by name, and a name without value alone. The headers are every x-oss-*
// header, Content-Type and Content-MD5, plus the additional headers named
// in the Authorization header, lower-cased, sorted, "name:value\n".
func canonicalRequestV4(r *http.Request, bucket, key string, additional []string) string {
	uri := "/"
	if bucket != "" {
		uri += bucket + "/" + key
	}

	var b strings.Builder
	b.WriteString(r.Method + "\n")
	b.WriteString(uriEncode(uri, false) + "\n")
	b.WriteString(canonicalQuery(r.URL.RawQuery) + "\n")

	extra := map[string]bool{}
	for _, h := range additional {
		extra[strings.ToLower(h)] = true
	}
	values := map[string]string{}
	for name, vs := range r.Header {
		low := strings.ToLower(name)
		if strings.HasPrefix(low, "x-oss-") || low == "content-type" || low == "content-md5" || extra[low] {
			trimmed := make([]string, len(vs))
			for i, v := range vs {
				trimmed[i] = strings.TrimSpace(v)
			}
			values[low] = strings.Join(trimmed, ",")
		}
	}
	if extra["host"] {
		// net/http moves Host out of the header map.
		values["host"] = r.Host
	}
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		b.WriteString(n + ":" + values[n] + "\n")
	}
	b.WriteString("\n")
	b.WriteString(strings.Join(additional, ";") + "\n")
	payload := r.Header.Get("x-oss-content-sha256")
	if payload == "" {
		payload = unsignedPayload
	}
	b.WriteString(payload)
	return b.String()
}

func canonicalQuery(raw string) string {
	type param struct{ k, v string }
	var params []param
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		params = append(params, param{uriEncode(unescape(k), true), uriEncode(unescape(v), true)})
	}
	sort.SliceStable(params, func(i, j int) bool { return params[i].k < params[j].k })
	parts := make([]string, len(params))
	for i, p := range params {
		parts[i] = p.k
		if p.v != "" {
			parts[i] += "=" + p.v
		}
	}
	return strings.Join(parts, "&")
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// uriEncode percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (and
// "/" unless encodeSlash), with upper-case hex digits.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' && !encodeSlash {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

// verifyV1 follows "Include signatures in the Authorization header" (V1):
//
//	Authorization: OSS <AK>:base64(hmac-sha1(secret, Verb\nContent-MD5\nContent-Type\nDate\nCanonicalizedOSSHeaders+CanonicalizedResource))
func (s *Server) verifyV1(r *http.Request, bucket, key, params string, now time.Time) *ossError {
	keyID, signature, ok := strings.Cut(params, ":")
	if !ok || keyID == "" || signature == "" {
		return &ossError{status: 400, code: "InvalidArgument", msg: "Authorization header is invalid.", ec: "0002-00000062"}
	}
	date := r.Header.Get("Date")
	t, err := http.ParseTime(date)
	if err != nil {
		return errBadDate
	}
	if e := checkSkew(t, now); e != nil {
		return e
	}
	if e := s.checkKeyID(r, keyID); e != nil {
		return e
	}
	stringToSign := stringToSignV1(r, bucket, key, date)
	mac := hmac.New(sha1.New, []byte(s.cfg.AccessKeySecret))
	mac.Write([]byte(stringToSign))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return errSignatureV1.
			with("OSSAccessKeyId", keyID).
			with("SignatureProvided", signature).
			with("StringToSign", stringToSign).
			with("StringToSignBytes", hexBytes(stringToSign))
	}
	return nil
}

// subResourcesV1 are the query parameters that take part in a V1
// signature (CanonicalizedResource), besides any x-oss-* parameter.
var subResourcesV1 = map[string]bool{
	"acl": true, "bucketInfo": true, "location": true, "stat": true, "delete": true,
	"append": true, "tagging": true, "objectMeta": true, "uploads": true, "uploadId": true,
	"partNumber": true, "security-token": true, "position": true, "response-content-type": true,
	"response-content-language": true, "response-expires": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true, "restore": true,
	"callback": true, "callback-var": true, "versions": true, "versioning": true, "versionId": true,
	"sequential": true, "continuation-token": true, "regionList": true, "cloudboxes": true, "symlink": true,
}

func stringToSignV1(r *http.Request, bucket, key, date string) string {
	var names []string
	for name := range r.Header {
		if low := strings.ToLower(name); strings.HasPrefix(low, "x-oss-") {
			names = append(names, low)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + date + "\n")
	for _, n := range names {
		vs := r.Header.Values(n)
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		b.WriteString(n + ":" + strings.Join(trimmed, ",") + "\n")
	}
	b.WriteString("/")
	if bucket != "" {
		b.WriteString(bucket + "/" + key)
	}
	q := r.URL.Query()
	var params []string
	for k := range q {
		if subResourcesV1[k] || strings.HasPrefix(k, "x-oss-") {
			params = append(params, k)
		}
	}
	sort.Strings(params)
	for i, k := range params {
		if i == 0 {
			b.WriteString("?")
		} else {
			b.WriteString("&")
		}
		b.WriteString(k)
		if v := q.Get(k); v != "" {
			b.WriteString("=" + v)
		}
	}
	return b.String()
}

func checkSkew(t, now time.Time) *ossError {
	if d := now.Sub(t); d > maxSkew || d < -maxSkew {
		return errSkewed.
			with("RequestTime", t.UTC().Format(http.TimeFormat)).
			with("ServerTime", now.UTC().Format(http.TimeFormat)).
			with("MaxAllowedSkewMilliseconds", strconv.FormatInt(maxSkew.Milliseconds(), 10))
	}
	return nil
}

// checkKeyID accepts only the configured key. A request carrying a security
// token claims STS credentials, which this server does not issue.
func (s *Server) checkKeyID(r *http.Request, keyID string) *ossError {
	if r.Header.Get("x-oss-security-token") != "" {
		return errSTSKeyID.with("OSSAccessKeyId", keyID)
	}
	if keyID != s.cfg.AccessKeyID {
		return errBadKeyID.with("OSSAccessKeyId", keyID)
	}
	return nil
}

// hexBytes renders s as OSS does in StringToSignBytes: hex bytes separated
// by spaces.
func hexBytes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToUpper(hex.EncodeToString([]byte{s[i]})))
	}
	return b.String()
}
