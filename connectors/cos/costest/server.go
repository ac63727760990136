// Package costest is an in-process HTTP server that speaks enough of the
// Tencent Cloud COS XML API for mgw's tests to run the real COS Go SDK
// (github.com/tencentyun/cos-go-sdk-v5) against it. No COS server can run
// here, so this one checks what COS checks: the request signature
// (q-sign-algorithm=sha1, q-ak, q-sign-time, q-key-time, q-header-list,
// q-url-param-list, q-signature, recomputed from the request), the bucket
// name (<name>-<appid>) and its region, Content-MD5, and it answers with
// COS's statuses, XML error documents (Code, Message, Resource, RequestId,
// TraceId), x-cos-request-id, ETags and x-cos-hash-crc64ecma.
//
// Both URL styles are accepted: virtual-hosted
// (http://<bucket>-<appid>.cos.<region>.myqcloud.com/key, where the client
// dials the server's address and sends that Host) and path style
// (http://host/<bucket>-<appid>/key).
//
// Implemented: PutObject, GetObject (Range), HeadObject, DeleteObject,
// POST Object restore, GetBucket (list, marker paging), HeadBucket and the
// multipart upload calls. Anything else answers 501 NotImplemented.
//
// State lives in memory. Test hooks inject failures, deny prefixes, seed
// objects and report what was received: those, the store and the order of
// checks are connectors/internal/testserver's; this package keeps what is
// COS's own.
package costest

import (
	"fmt"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// Config sets up a Server.
type Config struct {
	SecretID, SecretKey string   // the one valid credential pair
	Region              string   // e.g. "ap-guangzhou": a Host naming another region finds no bucket
	Buckets             []string // full names, <name>-<appid>, e.g. "mgw-1250000000"
}

// SeedOptions are the optional attributes of an object put with Seed.
type SeedOptions struct {
	// StorageClass "ARCHIVE" or "DEEP_ARCHIVE" makes GetObject answer 403
	// InvalidObjectState until the object is restored (POST Object
	// restore, then FinishRestores).
	StorageClass string
	ModTime      time.Time // Last-Modified; zero means now
	Meta         map[string]string
}

// Server is a COS test server listening on 127.0.0.1. The skeleton's
// methods (URL, Close, FailNext, Deny, Allow, Object, Keys, History,
// Uploads, PartUploads, FinishRestores) are its test controls, with Count
// and SetHandlerHook below.
type Server struct {
	*testserver.Server
	cfg Config
}

// NewServer starts a server on 127.0.0.1 with a free port.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg}
	// COS keeps modification times to the second: listings show .000
	// milliseconds, HEAD whole seconds.
	store := testserver.NewStore(testserver.StoreConfig{Buckets: cfg.Buckets, ModTimeResolution: time.Second})
	s.Server = testserver.New(store, testserver.Protocol{
		Route: s.route,
		Admit: s.admit,
		Check: s.check,
		Serve: s.dispatch,
		Fail:  func(rq *testserver.Request, err error) { (&request{rq}).fail(err) },
	})
	return s
}

// Count reports how many requests of op (a COS API name such as
// "PutObject" or "GetBucket") were received, refused ones included.
func (s *Server) Count(op string) int { return s.Server.Count(op, "") }

// SetHandlerHook installs fn, called with the operation's name after a
// request is authenticated and before it is carried out (tests use it to
// block or count).
func (s *Server) SetHandlerHook(fn func(op string)) {
	if fn == nil {
		s.Server.SetHandlerHook(nil)
		return
	}
	s.Server.SetHandlerHook(func(op, _, _ string) { fn(op) })
}

// Seed stores an object directly. It panics if the bucket does not exist.
func (s *Server) Seed(bucketName, key string, data []byte, o SeedOptions) {
	mod := o.ModTime
	if mod.IsZero() {
		mod = time.Now()
	}
	obj := s.newObject(append([]byte(nil), data...), mod)
	for k, v := range o.Meta {
		obj.Meta[strings.ToLower(k)] = v
	}
	if o.StorageClass != "" {
		obj.StorageClass = o.StorageClass
	}
	if err := s.Put(bucketName, key, obj, "Seed", false); err != nil {
		panic(fmt.Sprintf("costest: Seed: bucket %q: %v", bucketName, err))
	}
}

// newObject makes an object as a simple upload stores it, before its
// request's attributes: no metadata, binary content, standard class.
func (s *Server) newObject(data []byte, mod time.Time) *testserver.Object {
	obj := s.NewObject(data, mod)
	obj.Meta = map[string]string{}
	obj.Headers = map[string]string{"Content-Type": "application/octet-stream"}
	obj.StorageClass = "STANDARD"
	return obj
}

// newRequestID makes an ID shaped like COS's (base64 text).
func newRequestID(seq uint64) string {
	return fmt.Sprintf("NjU%013dXzE0Yl8%08d", time.Now().UnixMilli(), seq)
}
