package costest

import (
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// maxKeyBytes is COS's longest object key ("Object overview": 850 bytes).
const maxKeyBytes = 850

// request is one request being answered; the methods here answer it
// in COS's way.
type request struct{ *testserver.Request }

// fail answers with err, a *cosError or one of the skeleton's, draining
// the body first so that the client reads the answer rather than a reset
// connection.
func (rq *request) fail(err error) {
	testserver.Drain(rq.R)
	writeError(rq.W, rq.R, rq.ID, cosErr(err))
}

// route names the request and sets the headers every COS answer carries.
func (s *Server) route(rq *testserver.Request) {
	rq.ID = newRequestID(rq.Seq)
	h := rq.W.Header()
	h.Set("Server", "tencent-cos")
	h.Set("Date", rq.Now.UTC().Format(http.TimeFormat))
	h.Set("x-cos-request-id", rq.ID)
	rq.Bucket, _, rq.Key = target(rq.R)
	rq.Op = operation(rq.R, rq.Bucket, rq.Key, rq.Query)
	rq.Scope, rq.Scoped = rq.Key, rq.Op != "HeadBucket"
	if rq.Op == "GetBucket" || rq.Op == "ListMultipartUploads" {
		rq.Scope = rq.Query.Get("prefix")
	}
}

// admit looks the bucket up before the signature: a name that is not
// there, or not in the region the host names, reads NoSuchBucket
// whatever the credentials.
func (s *Server) admit(rq *testserver.Request) error {
	_, region, _ := target(rq.R)
	if _, ok := s.BucketCreated(rq.Bucket); !ok || region != "" && region != s.cfg.Region {
		return errNoSuchBucket
	}
	if e := s.authenticate(rq.R, rq.Now); e != nil {
		return e // not the *cosError itself: a nil one would be a non-nil error
	}
	return nil
}

// check applies COS's object key rules.
func (s *Server) check(rq *testserver.Request) error {
	switch {
	case rq.Key == "":
		return nil
	case !utf8.ValidString(rq.Key):
		return errInvalidKey
	case len(rq.Key) > maxKeyBytes:
		return errKeyTooLong
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
	case "PostObjectRestore":
		s.restoreObject(rq)
	case "GetBucket":
		s.getBucket(rq)
	case "HeadBucket":
		rq.W.WriteHeader(http.StatusOK)
	case "InitiateMultipartUpload":
		s.initiateMultipartUpload(rq)
	case "UploadPart":
		s.uploadPart(rq)
	case "ListParts":
		s.listParts(rq)
	case "CompleteMultipartUpload":
		s.completeMultipartUpload(rq)
	case "ListMultipartUploads":
		s.listMultipartUploads(rq)
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
		case r.Method == http.MethodGet:
			return "ListMultipartUploads"
		}
		return ""
	}
	return testserver.ObjectOperation(r.Method, q)
}
