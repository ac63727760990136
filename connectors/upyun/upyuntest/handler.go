package upyuntest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// route names the request: the service is the path's first segment, the
// rest the file or folder. A GET of a folder (or of a path ending in "/")
// lists it; of a file, reads it, whatever else the request says.
func (s *Server) route(rq *testserver.Request) {
	rq.ID = newRequestID(rq.Seq)
	h := rq.W.Header()
	h.Set("Server", "marco/3.2")
	h.Set("Date", rq.Now.UTC().Format(http.TimeFormat))
	h.Set("X-Request-Id", rq.ID)
	rq.Bucket, rq.Key, _ = strings.Cut(strings.TrimPrefix(rq.R.URL.Path, "/"), "/")
	key := strings.TrimSuffix(rq.Key, "/")
	switch rq.R.Method {
	case http.MethodHead:
		rq.Op = "GetFileInfo"
	case http.MethodGet:
		rq.Op = "GetFile"
		if key == "" || strings.HasSuffix(rq.Key, "/") || s.isFolder(rq.Bucket, key) {
			rq.Op = "ListFolder"
		}
	}
	rq.Key = key
	rq.Scope, rq.Scoped = key, rq.Op != ""
}

// admit authenticates the request (auth.go), then looks the service up
// and checks what blocks the operator or the service.
func (s *Server) admit(rq *testserver.Request) error {
	if e := s.authenticate(rq.R, rq.Now); e != nil {
		return e
	}
	if _, ok := s.BucketCreated(rq.Bucket); !ok {
		return errNoService
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.blockedOperator:
		return errUserBlocked
	case s.blockedServices[rq.Bucket]:
		return errServiceBlocked
	}
	return nil
}

// check applies UPYUN's rules for names.
func (s *Server) check(rq *testserver.Request) error {
	switch {
	case rq.Op == "":
		return errNotImpl
	case !utf8.ValidString(rq.Key):
		return errUTF8
	case strings.ContainsAny(rq.Key, "\r\n\t"):
		return errBadChars
	}
	return nil
}

func (s *Server) serve(rq *testserver.Request) {
	switch rq.Op {
	case "ListFolder":
		s.listFolder(rq)
	default:
		s.getFile(rq, rq.Op == "GetFileInfo")
	}
}

// getFile answers a GET of a file, or a HEAD of a file or folder.
func (s *Server) getFile(rq *testserver.Request, head bool) {
	h := rq.W.Header()
	if head && s.isFolder(rq.Bucket, rq.Key) {
		h.Set("x-upyun-file-type", "folder")
		h.Set("x-upyun-file-size", "0")
		h.Set("x-upyun-file-date", strconv.FormatInt(rq.Now.Unix(), 10))
		rq.W.WriteHeader(http.StatusOK)
		return
	}
	obj, err := s.Get(rq.Bucket, rq.Key)
	if err != nil || strings.HasSuffix(rq.Key, "/") {
		writeError(rq, errNotFound)
		return
	}
	fileHeaders(h, &obj)
	size := int64(len(obj.Data))
	if head {
		h.Set("x-upyun-file-type", "file")
		h.Set("x-upyun-file-size", strconv.FormatInt(size, 10))
		h.Set("x-upyun-file-date", strconv.FormatInt(obj.ModTime.Unix(), 10))
		testserver.WriteObject(rq.W, obj.Data, 0, size-1, http.StatusOK, true)
		return
	}
	serveRange(rq.W, rq.R, obj.Data)
}

// fileHeaders are the headers UPYUN sends about a file with a GET or HEAD.
func fileHeaders(h http.Header, obj *testserver.Object) {
	for name, v := range obj.Headers {
		h.Set(name, v)
	}
	for name, v := range obj.Meta {
		h.Set("x-upyun-meta-"+name, v)
	}
	h.Set("ETag", `"`+obj.ETag+`"`)
	h.Set("Content-MD5", obj.ETag)
	h.Set("Last-Modified", obj.ModTime.UTC().Format(http.TimeFormat))
	h.Set("Accept-Ranges", "bytes")
}

// serveRange answers a GET of data with the one range it asks for (a
// header naming several is ignored), 416 past the end.
func serveRange(w http.ResponseWriter, r *http.Request, data []byte) {
	size := int64(len(data))
	start, end, status, err := testserver.ResolveRange(r.Header.Get("Range"), size, testserver.RangeRules{OnlyOne: true})
	if err != nil {
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusRequestedRangeNotSatisfiable)
		return
	}
	testserver.WriteObject(w, data, start, end, status, false)
}

// isFolder tells whether key is a folder of the service: its root, one
// made by SeedFolder, or one holding files.
func (s *Server) isFolder(service, key string) bool {
	if key == "" {
		return true
	}
	page, _, err := s.List(service, testserver.ListOptions{Prefix: key + "/", Max: 1})
	return err == nil && len(page) > 0
}

func (s *Server) isFile(service, key string) bool {
	_, err := s.Get(service, key)
	return err == nil
}

// upError is an error answer as UPYUN sends it ("API 错误码表"): a status
// and {"msg", "code", "id"}.
type upError struct {
	status int
	code   int
	msg    string
}

func (e *upError) Error() string { return strconv.Itoa(e.code) + " " + e.msg }

// writeError answers with e; a HEAD answer has the status alone.
func writeError(rq *testserver.Request, e *upError) {
	testserver.Drain(rq.R)
	body, _ := json.Marshal(map[string]any{"msg": e.msg, "code": e.code, "id": rq.ID})
	h := rq.W.Header()
	h.Set("Content-Type", "application/json")
	if rq.R.Method != http.MethodHead {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	rq.W.WriteHeader(e.status)
	if rq.R.Method != http.MethodHead {
		_, _ = rq.W.Write(body)
	}
}

// The codes, statuses and messages of UPYUN's error code table.
var (
	errNeedDate       = &upError{401, 40100001, "need date header"}
	errDateOffset     = &upError{401, 40100002, "date offset error"}
	errRealm          = &upError{401, 40100003, "unknown realm in authorization header"}
	errNeedAuth       = &upError{401, 40100004, "need authorization header"}
	errSignature      = &upError{401, 40100005, "signature error"}
	errNoUser         = &upError{401, 40100006, "user not exists"}
	errUserBlocked    = &upError{401, 40100007, "user blocked"}
	errNoService      = &upError{401, 40100012, "bucket not exist"}
	errServiceBlocked = &upError{401, 40100013, "bucket blocked"}
	errBadDate        = &upError{401, 40100016, "invalid date value in header"}
	errPermission     = &upError{401, 40100017, "user need permission"}
	errUTF8           = &upError{400, 40001021, "invalid utf8 key"}
	errIter           = &upError{400, 40001005, "iter args invalid"}
	errBadChars       = &upError{403, 40300001, `file name contains invalid chars (\r\n\t)`}
	errNotFound       = &upError{404, 40400001, "file or directory not found"}
	errNotImpl        = &upError{501, 0, "not implemented by the UPYUN test server"}
)

// messages are the texts of the codes a test may inject with FailNext.
var messages = map[int]string{
	40100007: "user blocked", 40100008: "user blocked in this bucket", 40100011: "account blocked",
	40100013: "bucket blocked", 40100017: "user need permission", 40100018: "account inactivate",
	42900001: "too many requests", 42900002: "too many requests of the same uri",
	42900003: "too many requests of the same bucket", 42900004: "request banned", 42900005: "bandwidth limit",
	42900006: "too many auth check", 50300000: "unknown error", 50300031: "read upstream timeout",
}

// upErr turns err into UPYUN's answer.
func upErr(err error) *upError {
	var ue *upError
	var inj *testserver.Injected
	switch {
	case errors.As(err, &ue):
		return ue
	case errors.As(err, &inj):
		code, _ := strconv.Atoi(inj.Code)
		msg := messages[code]
		if msg == "" {
			msg = "injected by the test"
		}
		return &upError{inj.Status, code, msg}
	case errors.Is(err, testserver.ErrDenied):
		return errPermission
	case errors.Is(err, testserver.ErrNoSuchBucket):
		return errNoService
	}
	return errNotFound
}
