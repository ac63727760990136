package costest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// maxSkew is how far before q-sign-time's start a request may arrive: the
// client's clock may run ahead of the server's.
const maxSkew = 15 * time.Minute

// authParams are the fields of a COS Authorization header, all required.
var authParams = []string{
	"q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time",
	"q-header-list", "q-url-param-list", "q-signature",
}

// authenticate checks the request's signature as COS does ("Request
// signature", COS API reference). The header is
//
//	q-sign-algorithm=sha1&q-ak=<SecretId>&q-sign-time=<start>;<end>&q-key-time=<start>;<end>&q-header-list=<h1;h2>&q-url-param-list=<p1;p2>&q-signature=<hex>
//
// and the signature is recomputed from the request itself:
//
//	SignKey      = hex(HMAC-SHA1(SecretKey, KeyTime))
//	HttpString   = lower(method)\n<path>\n<params>\n<headers>\n
//	StringToSign = sha1\n<KeyTime>\nhex(SHA1(HttpString))\n
//	Signature    = hex(HMAC-SHA1(SignKey, StringToSign))
//
// where <params> and <headers> hold exactly the names listed in
// q-url-param-list and q-header-list, keys lower-cased and URL-encoded,
// values URL-encoded, sorted, joined with "&". A listed header the
// request lacks, a time outside q-sign-time, an unknown SecretId or a
// wrong signature are refused.
func (s *Server) authenticate(r *http.Request, now time.Time) *cosError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		if r.URL.Query().Has("q-signature") {
			return errNotImpl // presigned URLs
		}
		return errAnonymous // test buckets are private
	}
	p := map[string]string{}
	for _, kv := range strings.Split(auth, "&") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return errAuthFormat
		}
		p[k] = v
	}
	for _, k := range authParams {
		if _, ok := p[k]; !ok {
			return errAuthFormat
		}
	}
	if p["q-sign-algorithm"] != "sha1" {
		return errAlgorithm
	}
	if p["q-ak"] != s.cfg.SecretID {
		return errBadKeyID
	}
	start, end, ok := timeRange(p["q-sign-time"])
	if _, _, kok := timeRange(p["q-key-time"]); !ok || !kok {
		return errAuthFormat
	}
	switch {
	case now.Unix() > end:
		return errExpired
	case now.Add(maxSkew).Unix() < start:
		return errNotYet
	}
	headers, e := formatHeaders(r, p["q-header-list"])
	if e != nil {
		return e
	}
	params := formatParams(r.URL.Query(), p["q-url-param-list"])
	want := Sign(s.cfg.SecretKey, p["q-key-time"], r.Method, r.URL.Path, params, headers)
	if !hmac.Equal([]byte(want), []byte(p["q-signature"])) {
		return errSignature
	}
	return nil
}

// Sign computes a COS signature from its parts (exported for tests that
// build requests by hand).
func Sign(secretKey, keyTime, method, path, params, headers string) string {
	signKey := hex.EncodeToString(hmacSHA1([]byte(secretKey), keyTime))
	httpString := strings.ToLower(method) + "\n" + path + "\n" + params + "\n" + headers + "\n"
	sum := sha1.Sum([]byte(httpString))
	stringToSign := "sha1\n" + keyTime + "\n" + hex.EncodeToString(sum[:]) + "\n"
	return hex.EncodeToString(hmacSHA1([]byte(signKey), stringToSign))
}

func hmacSHA1(key []byte, msg string) []byte {
	h := hmac.New(sha1.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

// timeRange parses "<start>;<end>" in Unix seconds.
func timeRange(v string) (start, end int64, ok bool) {
	a, b, found := strings.Cut(v, ";")
	if !found {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	return start, end, err1 == nil && err2 == nil && start <= end
}

// formatHeaders renders the headers named in list ("a;b"), as signed.
func formatHeaders(r *http.Request, list string) (string, *cosError) {
	if list == "" {
		return "", nil
	}
	m := map[string][]string{}
	for _, name := range strings.Split(list, ";") {
		if name != strings.ToLower(name) {
			return "", errAuthFormat
		}
		if _, seen := m[name]; seen {
			continue // the SDK lists a name once per value
		}
		var vals []string
		switch name {
		case "host":
			vals = []string{r.Host}
		case "content-length":
			if v := r.Header.Values("Content-Length"); len(v) > 0 {
				vals = v
			} else if r.ContentLength >= 0 {
				vals = []string{strconv.FormatInt(r.ContentLength, 10)}
			}
		case "transfer-encoding":
			vals = r.TransferEncoding
		default:
			vals = headerValues(r.Header, name)
		}
		if len(vals) == 0 {
			return "", errHeaderList
		}
		m[name] = vals
	}
	return encodeSorted(m), nil
}

// headerValues finds a header by its encoded lower-case name.
func headerValues(h http.Header, name string) []string {
	var vals []string
	for k, vs := range h {
		if strings.ToLower(Escape(k)) == name {
			vals = append(vals, vs...)
		}
	}
	return vals
}

// formatParams renders the query parameters named in list, as signed.
func formatParams(q url.Values, list string) string {
	if list == "" {
		return ""
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ";") {
		want[name] = true
	}
	m := map[string][]string{}
	for k, vs := range q {
		if name := strings.ToLower(Escape(k)); want[name] {
			m[name] = append(m[name], vs...)
		}
	}
	return encodeSorted(m)
}

// encodeSorted joins name=value pairs, names sorted, then each name's
// values sorted, values URL-encoded.
func encodeSorted(m map[string][]string) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var pairs []string
	for _, k := range names {
		vs := append([]string(nil), m[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			pairs = append(pairs, k+"="+Escape(v))
		}
	}
	return strings.Join(pairs, "&")
}

// Escape is the strict URL encoding COS signs with: every byte but
// A-Z a-z 0-9 - _ . ~ becomes %XX in upper-case hex.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
