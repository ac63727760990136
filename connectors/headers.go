package connectors

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CheckHeaders tells why the standard headers and user metadata of opts
// cannot travel as HTTP headers, nil if they can: a metadata name must be
// an HTTP token, and no value may hold a control character (a line break
// would end the header; Go's client refuses to send it at all). Backends
// that send them as headers call it before anything is sent and classify
// its error as KindInvalidArgument.
func CheckHeaders(opts PutOptions) error {
	for name, v := range opts.Meta {
		if name == "" || strings.IndexFunc(name, notTokenChar) >= 0 {
			return fmt.Errorf("metadata name %q cannot be an HTTP header name", name)
		}
		if strings.IndexFunc(v, isCTL) >= 0 {
			return fmt.Errorf("metadata %q: the value holds a control character", name)
		}
	}
	h := opts.Headers
	for _, f := range [...]struct{ name, v string }{
		{"Content-Type", h.ContentType}, {"Content-Encoding", h.ContentEncoding}, {"Cache-Control", h.CacheControl},
		{"Content-Disposition", h.ContentDisposition}, {"Expires", h.Expires},
	} {
		if strings.IndexFunc(f.v, isCTL) >= 0 {
			return fmt.Errorf("%s: the value holds a control character", f.name)
		}
	}
	return nil
}

// isCTL: the control characters RFC 9110 does not allow in a field value
// (a tab is allowed).
func isCTL(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }

// notTokenChar: what an HTTP field name (an RFC 9110 token) cannot hold.
func notTokenChar(c rune) bool {
	return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.ContainsRune("!#$%&'*+-.^_`|~", c))
}

// HeadersOf reads the standard headers of an HTTP answer (HEAD or GET)
// about an object, as the server sent them.
func HeadersOf(h http.Header) Headers {
	return Headers{
		ContentType:        h.Get("Content-Type"),
		ContentEncoding:    h.Get("Content-Encoding"),
		CacheControl:       h.Get("Cache-Control"),
		ContentDisposition: h.Get("Content-Disposition"),
		Expires:            h.Get("Expires"),
	}
}

// MetaOf reads the user metadata of an HTTP answer: the headers whose
// names start with prefix ("x-amz-meta-", "x-oss-meta-"...), named in
// lower case without it. It is nil when there is none.
func MetaOf(h http.Header, prefix string) map[string]string {
	var meta map[string]string
	for name, vs := range h {
		m, ok := strings.CutPrefix(strings.ToLower(name), prefix)
		if !ok || m == "" || len(vs) == 0 {
			continue
		}
		if meta == nil {
			meta = map[string]string{}
		}
		meta[m] = vs[0]
	}
	return meta
}

// ObjectSize is the size of the whole object an HTTP answer describes:
// the total of its Content-Range ("bytes 0-99/1000") when it answers a
// range, else its Content-Length; -1 when it tells neither.
func ObjectSize(h http.Header) int64 {
	if cr := h.Get("Content-Range"); cr != "" {
		if _, total, ok := strings.Cut(cr, "/"); ok {
			if n, err := strconv.ParseInt(total, 10, 64); err == nil {
				return n
			}
		}
		return -1 // "bytes 0-99/*": the server does not know
	}
	if n, err := strconv.ParseInt(h.Get("Content-Length"), 10, 64); err == nil {
		return n
	}
	return -1
}

// RetryAfter reads a Retry-After header: seconds, or an HTTP date after
// now; 0 when there is none, or it says nothing usable.
func RetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// RangeStart reads the first byte of a Content-Range ("bytes a-b/n"): a
// 206 answer must start where it was asked to.
func RangeStart(cr string) (int64, bool) {
	s, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, false
	}
	a, _, ok := strings.Cut(s, "-")
	v, err := strconv.ParseInt(a, 10, 64)
	return v, ok && err == nil
}

// NewObjectReader is rc, telling o: what Open returns on a backend with
// Features.Metadata.
func NewObjectReader(rc io.ReadCloser, o Object) ObjectReader {
	return &objectReader{ReadCloser: rc, o: o}
}

type objectReader struct {
	io.ReadCloser
	o Object
}

func (r *objectReader) Object() Object { return r.o }
