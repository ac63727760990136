package costest

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// maxKeyBytes is COS's longest object key ("Object overview": 850 bytes).
const maxKeyBytes = 850

// request is one request being answered.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	id     string
	bucket *bucket
	key    string
	q      url.Values
}

// fail answers with e, draining the body first so that the client reads
// the answer rather than a reset connection.
func (rq *request) fail(e *cosError) {
	_, _ = io.Copy(io.Discard, rq.r.Body)
	writeError(rq.w, rq.r, rq.id, e)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	id := s.newRequestID()
	h := w.Header()
	h.Set("Server", "tencent-cos")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("x-cos-request-id", id)

	bucketName, region, key := target(r)
	rq := &request{w: w, r: r, id: id, key: key, q: r.URL.Query()}
	op := operation(r, bucketName, key, rq.q)

	s.mu.Lock()
	s.counts[op]++
	if region == "" || region == s.cfg.Region {
		rq.bucket = s.buckets[bucketName]
	}
	s.mu.Unlock()

	// A bucket is looked up before the signature: a name that is not
	// there, or not in the region the host names, reads NoSuchBucket
	// whatever the credentials.
	if bucketName == "" || rq.bucket == nil {
		rq.fail(errNoSuchBucket)
		return
	}
	if e := s.authenticate(r, now); e != nil {
		rq.fail(e)
		return
	}
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(op)
	}
	if e := s.takeFailure(op); e != nil {
		rq.fail(e)
		return
	}
	if key != "" {
		switch {
		case !utf8.ValidString(key):
			rq.fail(errInvalidKey)
			return
		case len(key) > maxKeyBytes:
			rq.fail(errKeyTooLong)
			return
		}
	}
	scope := key
	if op == "GetBucket" {
		scope = rq.q.Get("prefix")
	}
	if op != "HeadBucket" && s.isDenied(bucketName, scope) {
		rq.fail(errDenied)
		return
	}

	switch op {
	case "PutObject":
		s.putObject(rq)
	case "GetObject":
		s.getObject(rq, false)
	case "HeadObject":
		s.getObject(rq, true)
	case "DeleteObject":
		s.deleteObject(rq)
	case "PostObjectRestore":
		s.restoreObject(rq)
	case "GetBucket":
		s.getBucket(rq)
	case "HeadBucket":
		w.WriteHeader(http.StatusOK)
	case "InitiateMultipartUpload":
		s.initiateMultipartUpload(rq)
	case "UploadPart":
		s.uploadPart(rq)
	case "ListParts":
		s.listParts(rq)
	case "CompleteMultipartUpload":
		s.completeMultipartUpload(rq)
	case "AbortMultipartUpload":
		s.abortMultipartUpload(rq)
	default:
		rq.fail(errNotImpl)
	}
}

var (
	// virtualHost is <bucket>-<appid>.cos.<region>.myqcloud.com.
	virtualHost = regexp.MustCompile(`^([a-z0-9-]+)\.cos\.([a-z0-9-]+)\.myqcloud\.com$`)
	// serviceHost is cos.<region>.myqcloud.com, for path-style requests.
	serviceHost = regexp.MustCompile(`^cos\.([a-z0-9-]+)\.myqcloud\.com$`)
)

// target finds the bucket, the region the host names ("" if none) and the
// key of a request.
func target(r *http.Request) (bucket, region, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	if m := virtualHost.FindStringSubmatch(host); m != nil {
		return m[1], m[2], path
	}
	if m := serviceHost.FindStringSubmatch(host); m != nil {
		region = m[1]
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, region, key
}

// unsupported are sub-resources that make a request an operation this
// server does not implement.
var unsupported = []string{
	"acl", "tagging", "versionId", "versions", "versioning", "cors", "lifecycle",
	"policy", "website", "referer", "logging", "inventory", "append", "select", "delete",
	"location", "domain", "replication", "encryption", "ci-process",
}

// operation names the COS API a request calls, "" for anything else.
func operation(r *http.Request, bucket, key string, q url.Values) string {
	for _, p := range unsupported {
		if q.Has(p) {
			return ""
		}
	}
	if bucket == "" || r.Header.Get("x-cos-copy-source") != "" {
		return ""
	}
	if q.Has("restore") {
		if key != "" && r.Method == http.MethodPost {
			return "PostObjectRestore"
		}
		return ""
	}
	if key == "" {
		switch {
		case r.Method == http.MethodHead:
			return "HeadBucket"
		case r.Method == http.MethodGet && !q.Has("uploads"):
			return "GetBucket"
		}
		return ""
	}
	switch r.Method {
	case http.MethodPut:
		if q.Has("partNumber") || q.Has("uploadId") {
			return "UploadPart"
		}
		return "PutObject"
	case http.MethodGet:
		if q.Has("uploadId") {
			return "ListParts"
		}
		return "GetObject"
	case http.MethodHead:
		return "HeadObject"
	case http.MethodDelete:
		if q.Has("uploadId") {
			return "AbortMultipartUpload"
		}
		return "DeleteObject"
	case http.MethodPost:
		switch {
		case q.Has("uploads"):
			return "InitiateMultipartUpload"
		case q.Has("uploadId"):
			return "CompleteMultipartUpload"
		}
	}
	return ""
}

func (s *Server) takeFailure(op string) *cosError {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range []string{op, ""} {
		f := s.failures[name]
		if f == nil {
			continue
		}
		f.n--
		if f.n <= 0 {
			delete(s.failures, name)
		}
		return injected(f.status, f.code)
	}
	return nil
}

func (s *Server) isDenied(bucket, key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.denied {
		if d.bucket == bucket && strings.HasPrefix(key, d.prefix) {
			return true
		}
	}
	return false
}
