package osstest

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// request is one request being answered.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	id     string // x-oss-request-id
	bucket *bucket
	key    string
	q      url.Values
}

// fail answers with e. The unread body is drained first, so the client
// reads the error rather than a reset connection while it is still sending.
func (rq *request) fail(e *ossError) {
	_, _ = io.Copy(io.Discard, rq.r.Body)
	writeError(rq.w, rq.r, rq.id, e)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	id := s.newRequestID()
	h := w.Header()
	h.Set("Server", "AliyunOSS")
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("x-oss-request-id", id)

	bucketName, key := target(r)
	rq := &request{w: w, r: r, id: id, key: key, q: r.URL.Query()}
	op := operation(r, bucketName, key, rq.q)

	s.mu.Lock()
	if op != "" {
		if s.counts[op] == nil {
			s.counts[op] = map[string]int{}
		}
		s.counts[op][key]++
	}
	rq.bucket = s.buckets[bucketName]
	s.mu.Unlock()

	// The bucket is looked up before the signature is checked, so a missing
	// bucket reads NoSuchBucket whatever the credentials. (S3 does so; the
	// OSS documentation does not say which check comes first.)
	if bucketName != "" && rq.bucket == nil {
		rq.fail(errNoSuchBucket.with("BucketName", bucketName))
		return
	}
	if e := s.authenticate(r, bucketName, key, now); e != nil {
		rq.fail(e)
		return
	}

	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(op, bucketName, key)
	}
	if e := s.takeFailure(op); e != nil {
		rq.fail(e)
		return
	}
	if op == "" || rq.bucket == nil {
		rq.fail(errNotImplemented)
		return
	}
	if key != "" {
		if e := checkKey(key); e != nil {
			rq.fail(e)
			return
		}
	}
	scope := key
	if op == "ListObjectsV2" {
		scope = rq.q.Get("prefix")
	}
	if (key != "" || op == "ListObjectsV2") && s.isDenied(bucketName, scope) {
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
	case "RestoreObject":
		s.restoreObject(rq)
	case "ListObjectsV2":
		s.listObjectsV2(rq)
	case "GetBucketInfo":
		s.getBucketInfo(rq)
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
		rq.fail(errNotImplemented)
	}
}

// target finds the bucket and key of a request, virtual-hosted
// (bucket.host/key) or path style (host/bucket/key).
func target(r *http.Request) (bucket, key string) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(host) == nil {
		if b, rest, ok := strings.Cut(host, "."); ok && isServiceHost(rest) {
			return b, strings.TrimPrefix(r.URL.Path, "/")
		}
	}
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// isServiceHost tells whether h is a name of the service itself rather than
// of a bucket on it.
func isServiceHost(h string) bool {
	return h == "localhost" || net.ParseIP(h) != nil || strings.HasPrefix(h, "oss-")
}

// unsupportedParams are sub-resources that turn a request into an
// operation this server does not implement.
var unsupportedParams = []string{
	"acl", "tagging", "symlink", "objectMeta", "append", "position", "x-oss-process",
	"cleanRestoredObject", "versions", "versioning", "versionId", "location", "stat",
	"delete", "cors", "lifecycle", "logging", "website", "referer", "policy", "encryption",
	"worm", "replication", "inventory", "qos", "select", "x-oss-async-process",
}

// operation names the OSS API a request calls, "" for anything this server
// does not know.
func operation(r *http.Request, bucket, key string, q url.Values) string {
	for _, p := range unsupportedParams {
		if q.Has(p) {
			return ""
		}
	}
	copySource := r.Header.Get("x-oss-copy-source") != ""
	switch {
	case bucket == "":
		return ""
	case key == "":
		if r.Method != http.MethodGet {
			return ""
		}
		switch {
		case q.Has("bucketInfo"):
			return "GetBucketInfo"
		case q.Get("list-type") == "2":
			return "ListObjectsV2"
		case q.Has("uploads"):
			return "ListMultipartUploads"
		}
		return "ListObjects"
	}
	switch r.Method {
	case http.MethodPut:
		switch {
		case q.Has("partNumber") || q.Has("uploadId"):
			if copySource {
				return "UploadPartCopy"
			}
			return "UploadPart"
		case copySource:
			return "CopyObject"
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
		case q.Has("restore"):
			return "RestoreObject"
		}
	}
	return ""
}

// checkKey applies the object naming rules ("Object naming conventions"):
// UTF-8, 1 to 1,023 bytes, not starting with "/" or "\".
func checkKey(key string) *ossError {
	switch {
	case key == "":
		return errNameEmpty
	case !utf8.ValidString(key):
		return errNameUTF8
	case len(key) > 1023:
		return errNameLong
	case key[0] == '/' || key[0] == '\\':
		return errNameSlash
	}
	return nil
}

func (s *Server) takeFailure(op string) *ossError {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.failures[op]
	if f == nil {
		return nil
	}
	f.n--
	if f.n <= 0 {
		delete(s.failures, op)
	}
	return injected(f.status, f.code)
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
