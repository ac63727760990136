// Package osstest is an in-process HTTP server that speaks enough of the
// Alibaba Cloud OSS protocol for mgw's tests to run the real OSS Go SDK
// against it: it checks V4 (and V1) signatures, request times, Content-MD5
// and object names as OSS does, and answers with OSS's status codes, XML
// error documents, ETags and CRC64-ECMA headers.
//
// Both URL styles are accepted: path style (http://host/bucket/key) and
// virtual-hosted style (http://bucket.host/key), where host is 127.0.0.1,
// localhost or a name starting with "oss-" (as oss-cn-hangzhou.aliyuncs.com).
//
// Implemented: PutObject, GetObject (Range), HeadObject, DeleteObject,
// RestoreObject, ListObjectsV2, GetBucketInfo and the multipart upload
// calls. Anything else (ListObjects v1, copies, versioning, presigned URLs,
// STS tokens) is answered 501 NotImplemented or refused.
//
// State lives in memory. Test hooks inject failures, deny prefixes, seed
// objects and report what was received.
package osstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
)

// Config sets up a Server.
type Config struct {
	AccessKeyID, AccessKeySecret string // the one valid credential pair
	Region                       string // e.g. "cn-hangzhou"; requests signed for another region fail as OSS fails them
	Buckets                      []string
}

// SeedOptions are the optional attributes of an object put with Seed.
type SeedOptions struct {
	// StorageClass "Archive", "ColdArchive" or "DeepColdArchive" makes
	// GetObject answer 403 InvalidObjectState until the object is restored
	// (RestoreObject, then FinishRestores). Empty means "Standard".
	StorageClass string
	ModTime      time.Time         // Last-Modified; zero means now
	Meta         map[string]string // user metadata (x-oss-meta-*)
	ContentType  string            // empty means application/octet-stream
}

// Version is one state an object took under a key.
type Version struct {
	Size  int64
	CRC64 uint64
	Op    string // "PutObject", "CompleteMultipartUpload" or "Seed"
}

// Server is an OSS test server listening on 127.0.0.1.
type Server struct {
	cfg  Config
	http *httptest.Server
	seq  atomic.Uint64 // request ID counter
	boot time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	uploads   map[string]*upload // by upload ID
	counts    map[string]map[string]int
	partCount map[string]map[int]int // bucket/key -> part number -> times received
	history   map[string][]Version   // bucket/key -> versions
	failures  map[string]*failure
	denied    []denial
	hook      func(op, bucket, key string)
}

type bucket struct {
	name    string
	created time.Time
	objects map[string]*object
}

type object struct {
	data         []byte
	etag         string // upper-case hex, without quotes
	md5          []byte // content MD5 (simple uploads only)
	crc          uint64
	modTime      time.Time
	meta         map[string]string
	headers      map[string]string // Content-Type, Cache-Control...
	storageClass string
	objectType   string // Normal or Multipart
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
		cfg:       cfg,
		boot:      time.Now(),
		buckets:   map[string]*bucket{},
		uploads:   map[string]*upload{},
		counts:    map[string]map[string]int{},
		partCount: map[string]map[int]int{},
		history:   map[string][]Version{},
		failures:  map[string]*failure{},
	}
	for _, name := range cfg.Buckets {
		s.buckets[name] = &bucket{name: name, created: s.boot.UTC(), objects: map[string]*object{}}
	}
	s.http = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// URL is the endpoint to give the SDK: "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.http.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.http.Close() }

// Count reports how many requests named op (an OSS API name such as
// "PutObject" or "ListObjectsV2") were received for key; key "" counts all
// keys. Every request whose operation was recognised counts, including
// those then refused (bad signature, injected failure...).
func (s *Server) Count(op, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		return s.counts[op][key]
	}
	n := 0
	for _, c := range s.counts[op] {
		n += c
	}
	return n
}

// PartUploads reports, for key, how many times a part of each number was
// received and stored, over all its uploads.
func (s *Server) PartUploads(bucket, key string) map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int]int{}
	for n, c := range s.partCount[bucket+"/"+key] {
		out[n] = c
	}
	return out
}

// FailNext makes the next n requests of op fail with status and code, after
// their signature was checked, as OSS answers throttling (429/503
// "ServiceUnavailable") or internal errors.
func (s *Server) FailNext(op string, n int, status int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 {
		delete(s.failures, op)
		return
	}
	s.failures[op] = &failure{n: n, status: status, code: code}
}

// Deny makes requests on keys under prefix in bucket fail with 403
// AccessDenied, as a RAM policy denying them would. Listings whose prefix
// lies under prefix are denied too.
func (s *Server) Deny(bucket, prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied = append(s.denied, denial{bucket, prefix})
}

// Allow undoes Deny(bucket, prefix), as restoring a revoked permission
// would.
func (s *Server) Allow(bucket, prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied = slices.DeleteFunc(s.denied, func(d denial) bool { return d == denial{bucket, prefix} })
}

// Seed stores an object directly, as if it had been uploaded. It panics if
// the bucket does not exist.
func (s *Server) Seed(bucket, key string, data []byte, o SeedOptions) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		panic(fmt.Sprintf("osstest: Seed: no bucket %q", bucket))
	}
	mod := o.ModTime
	if mod.IsZero() {
		mod = time.Now()
	}
	class := o.StorageClass
	if class == "" {
		class = "Standard"
	}
	ct := o.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	meta := map[string]string{}
	for k, v := range o.Meta {
		meta[strings.ToLower(k)] = v
	}
	obj := newObject(append([]byte(nil), data...), mod)
	obj.meta = meta
	obj.headers = map[string]string{"Content-Type": ct}
	obj.storageClass = class
	s.store(b, key, obj, "Seed")
}

// Object returns a copy of the object's data and user metadata.
func (s *Server) Object(bucket, key string) (data []byte, meta map[string]string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil, nil, false
	}
	obj := b.objects[key]
	if obj == nil {
		return nil, nil, false
	}
	meta = map[string]string{}
	for k, v := range obj.meta {
		meta[k] = v
	}
	return append([]byte(nil), obj.data...), meta, true
}

// Keys returns the bucket's keys in order.
func (s *Server) Keys(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.buckets[bucket]
	if b == nil {
		return nil
	}
	return b.sortedKeys()
}

// History returns every version made visible under key, oldest first.
func (s *Server) History(bucket, key string) []Version {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Version(nil), s.history[bucket+"/"+key]...)
}

// Uploads returns the key of every multipart upload still open in bucket
// (neither completed nor aborted), sorted; a key appears once per upload.
func (s *Server) Uploads(bucket string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []string
	for _, u := range s.uploads {
		if u.bucket == bucket {
			keys = append(keys, u.key)
		}
	}
	sort.Strings(keys)
	return keys
}

// SetHandlerHook installs fn, called at the start of every authenticated
// request, before it is carried out (tests use it to block or count).
func (s *Server) SetHandlerHook(fn func(op, bucket, key string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

// store makes obj visible under key and records it. s.mu must be held.
func (s *Server) store(b *bucket, key string, obj *object, op string) {
	b.objects[key] = obj
	id := b.name + "/" + key
	s.history[id] = append(s.history[id], Version{Size: int64(len(obj.data)), CRC64: obj.crc, Op: op})
}

func (b *bucket) sortedKeys() []string {
	keys := make([]string, 0, len(b.objects))
	for k := range b.objects {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newRequestID makes a 24-digit upper-case hex ID like OSS's.
func (s *Server) newRequestID() string {
	return fmt.Sprintf("%08X%016X", uint32(s.boot.Unix()), s.seq.Add(1))
}
