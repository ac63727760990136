package osstest

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// request is one request being answered; the methods here answer it
// in OSS's way.
type request struct{ *testserver.Request }

// fail answers with err, an *ossError or one of the skeleton's, which it
// turns into OSS's. The unread body is drained first, so the client reads
// the error rather than a reset connection while it is still sending.
func (rq *request) fail(err error) {
	testserver.Drain(rq.R)
	writeError(rq.W, rq.R, rq.ID, rq.ossError(err))
}

// route names the request and sets the headers every OSS answer carries.
func (s *Server) route(rq *testserver.Request) {
	rq.ID = s.newRequestID(rq.Seq)
	h := rq.W.Header()
	h.Set("Server", "AliyunOSS")
	h.Set("Date", rq.Now.UTC().Format(http.TimeFormat))
	h.Set("x-oss-request-id", rq.ID)
	rq.Bucket, rq.Key = target(rq.R)
	rq.Op = operation(rq.R, rq.Bucket, rq.Key, rq.Query)
	rq.Scope, rq.Scoped = rq.Key, rq.Key != ""
	if rq.Op == "ListObjectsV2" {
		rq.Scope, rq.Scoped = rq.Query.Get("prefix"), true
	}
}

// admit looks the bucket up before the signature is checked, so a missing
// bucket reads NoSuchBucket whatever the credentials. (S3 does so; the
// OSS documentation does not say which check comes first.)
func (s *Server) admit(rq *testserver.Request) error {
	if rq.Bucket != "" && !s.hasBucket(rq.Bucket) {
		return testserver.ErrNoSuchBucket
	}
	if e := s.authenticate(rq.R, rq.Bucket, rq.Key, rq.Now); e != nil {
		return e // not the *ossError itself: a nil one would be a non-nil error
	}
	return nil
}

func (s *Server) hasBucket(name string) bool {
	_, ok := s.BucketCreated(name)
	return ok
}

// check refuses what this server does not implement and bad object names.
func (s *Server) check(rq *testserver.Request) error {
	if rq.Op == "" || !s.hasBucket(rq.Bucket) {
		return errNotImplemented
	}
	if rq.Key != "" {
		if e := checkKey(rq.Key); e != nil {
			return e
		}
	}
	return nil
}

func (s *Server) dispatch(r *testserver.Request) {
	rq := &request{r}
	switch rq.Op {
	case "PutObject":
		s.putObject(rq)
	case "GetObject":
		s.getObject(rq, false)
	case "HeadObject":
		s.getObject(rq, true)
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
	case "CopyObject":
		s.copyObject(rq)
	case "UploadPartCopy":
		s.uploadPartCopy(rq)
	case "ListMultipartUploads":
		s.listMultipartUploads(rq)
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
	op := testserver.ObjectOperation(r.Method, q)
	switch {
	case copySource && op == "UploadPart":
		return "UploadPartCopy"
	case copySource && op == "PutObject":
		return "CopyObject"
	case op == "" && r.Method == http.MethodPost && q.Has("restore"):
		return "RestoreObject"
	}
	return op
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
