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
// objects and report what was received.
package costest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
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

// Server is a COS test server listening on 127.0.0.1.
type Server struct {
	cfg  Config
	http *httptest.Server
	seq  atomic.Uint64

	mu       sync.Mutex
	buckets  map[string]*bucket
	uploads  map[string]*upload
	counts   map[string]int
	failures map[string]*failure
	denied   []denial
	hook     func(op string)
}

type bucket struct {
	name    string
	objects map[string]*object
}

type object struct {
	data         []byte
	etag         string // lower-case hex MD5 (simple uploads), without quotes
	crc          uint64
	modTime      time.Time
	meta         map[string]string
	headers      map[string]string
	storageClass string
	restore      restoretest.Status
}

type failure struct {
	n      int
	status int
	code   string
}

type denial struct{ bucket, prefix string }

// NewServer starts a server on 127.0.0.1 with a free port.
func NewServer(cfg Config) *Server {
	s := &Server{
		cfg:      cfg,
		buckets:  map[string]*bucket{},
		uploads:  map[string]*upload{},
		counts:   map[string]int{},
		failures: map[string]*failure{},
	}
	for _, name := range cfg.Buckets {
		s.buckets[name] = &bucket{name: name, objects: map[string]*object{}}
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the server's address, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.http.URL }

// Close shuts the server down.
func (s *Server) Close() { s.http.Close() }

// Count reports how many requests of op (a COS API name such as
// "PutObject" or "GetBucket") were received, refused ones included.
func (s *Server) Count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[op]
}

// FailNext makes the next n requests of op ("" = any) fail with status and
// code after their signature was checked, as COS answers throttling (503
// SlowDown) or internal errors.
func (s *Server) FailNext(op string, n, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.failures, op)
		return
	}
	s.failures[op] = &failure{n: n, status: status, code: code}
}

// Deny makes requests on keys under prefix in bucket fail with 403
// AccessDenied, as a CAM policy denying them would; listings of a prefix
// under it too.
func (s *Server) Deny(bucket, prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied = append(s.denied, denial{bucket, prefix})
}

// SetHandlerHook installs fn, called with the operation's name after a
// request is authenticated and before it is carried out (tests use it to
// block or count).
func (s *Server) SetHandlerHook(fn func(op string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// Seed stores an object directly. It panics if the bucket does not exist.
func (s *Server) Seed(bucketName, key string, data []byte, o SeedOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucketName]
	if b == nil {
		panic(fmt.Sprintf("costest: Seed: no bucket %q", bucketName))
	}
	mod := o.ModTime
	if mod.IsZero() {
		mod = time.Now()
	}
	obj := newObject(append([]byte(nil), data...), mod)
	for k, v := range o.Meta {
		obj.meta[strings.ToLower(k)] = v
	}
	if o.StorageClass != "" {
		obj.storageClass = o.StorageClass
	}
	b.objects[key] = obj
}

// Object returns a copy of an object's data and user metadata.
func (s *Server) Object(bucketName, key string) (data []byte, meta map[string]string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucketName]
	if b == nil || b.objects[key] == nil {
		return nil, nil, false
	}
	obj := b.objects[key]
	meta = map[string]string{}
	for k, v := range obj.meta {
		meta[k] = v
	}
	return append([]byte(nil), obj.data...), meta, true
}

// Keys returns the bucket's keys in order.
func (s *Server) Keys(bucketName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[bucketName]; b != nil {
		return b.sortedKeys()
	}
	return nil
}

func (b *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newRequestID makes an ID shaped like COS's (base64 text).
func (s *Server) newRequestID() string {
	return fmt.Sprintf("NjU%013dXzE0Yl8%08d", time.Now().UnixMilli(), s.seq.Add(1))
}
