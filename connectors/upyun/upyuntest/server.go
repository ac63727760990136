// Package upyuntest is an in-process HTTP server that speaks enough of
// UPYUN's REST API for mgw's tests to run the upyun connector against it,
// and a CDN domain in front of it. No UPYUN server can run here, so this
// one checks what UPYUN checks: the Date header (RFC 1123 GMT, at most 30
// minutes off), the operator, the signature
// (Base64(HMAC-SHA1(MD5hex(password), METHOD&URI&Date[&Content-MD5])),
// recomputed from the request as it arrived), the service, blocked
// operators and services; and it answers as UPYUN does: JSON errors
// {"msg", "code", "id"} with UPYUN's codes and statuses (a HEAD answer
// carries the status alone), folders listed a page at a time with
// x-list-limit and the x-list-iter iterator (JSON with Accept:
// application/json, else UPYUN's tab-separated lines), HEAD with
// x-upyun-file-type, x-upyun-file-size and x-upyun-file-date, and GET with
// Range.
//
// Implemented: GET (a file, or a folder's listing) and HEAD. UPYUN's
// folders are real: a key's parent folders exist once the key does, and
// SeedFolder makes an empty one; a file and a folder cannot share a name.
//
// State lives in memory. Test hooks inject any of UPYUN's error answers
// (FailNext with its code, e.g. "42900005"), block operators and services,
// and count requests; the store and the order of checks are
// connectors/internal/testserver's, this package keeps what is UPYUN's.
package upyuntest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// Config sets up a Server.
type Config struct {
	Operator, Password string   // the one operator, granted every service
	Services           []string // the services that exist
	// CDNService is the service the CDN domain serves ("" = the first).
	CDNService string
}

// SeedOptions are the optional attributes of a file put with Seed.
type SeedOptions struct {
	ModTime     time.Time         // zero: now
	ContentType string            // "": application/octet-stream
	Meta        map[string]string // x-upyun-meta-* (names without the prefix)
}

// Server is an UPYUN test server listening on 127.0.0.1, with its CDN
// domain (CDNURL). The skeleton's methods (URL, Close, FailNext, Deny,
// Allow, Object, Keys, SetHandlerHook) are its test controls, with Count
// and those below. Operations are counted as "GetFileInfo" (HEAD),
// "GetFile" and "ListFolder" (GET).
type Server struct {
	*testserver.Server
	cfg Config
	cdn *cdn

	mu              sync.Mutex
	blockedOperator bool
	blockedServices map[string]bool
}

// NewServer starts a server and its CDN domain on 127.0.0.1 with free
// ports.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, blockedServices: map[string]bool{}}
	// UPYUN keeps modification times to the second.
	store := testserver.NewStore(testserver.StoreConfig{Buckets: cfg.Services, ModTimeResolution: time.Second})
	s.Server = testserver.New(store, testserver.Protocol{
		Route: s.route,
		Admit: s.admit,
		Check: s.check,
		Serve: s.serve,
		Fail:  func(rq *testserver.Request, err error) { writeError(rq, upErr(err)) },
	})
	service := cfg.CDNService
	if service == "" && len(cfg.Services) > 0 {
		service = cfg.Services[0]
	}
	s.cdn = newCDN(store, service)
	return s
}

// Close shuts the server and its CDN domain down.
func (s *Server) Close() {
	s.cdn.http.Close()
	s.Server.Close()
}

// Count reports how many requests of op were received for key (the path
// in the service, "" for all), refused ones included.
func (s *Server) Count(op, key string) int { return s.Server.Count(op, key) }

// Seed stores a file, as an upload with its parent folders made would.
// It panics if the service does not exist or a file or folder is in the
// way: UPYUN holds no file and folder of one name.
func (s *Server) Seed(service, key string, data []byte, o SeedOptions) {
	s.mustFit(service, key)
	mod := o.ModTime
	if mod.IsZero() {
		mod = time.Now()
	}
	obj := s.NewObject(append([]byte(nil), data...), mod)
	ct := o.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	obj.Headers = map[string]string{"Content-Type": ct}
	obj.Meta = map[string]string{}
	for k, v := range o.Meta {
		obj.Meta[strings.ToLower(k)] = v
	}
	if err := s.Put(service, key, obj, "Seed", false); err != nil {
		panic(fmt.Sprintf("upyuntest: Seed %s/%s: %v", service, key, err))
	}
}

// SeedFolder makes the folder key, empty, as UPYUN's "create folder"
// does.
func (s *Server) SeedFolder(service, key string) {
	key = strings.TrimSuffix(key, "/")
	s.mustFit(service, key)
	if err := s.Put(service, key+"/", s.NewObject(nil, time.Now()), "Seed", false); err != nil {
		panic(fmt.Sprintf("upyuntest: SeedFolder %s/%s: %v", service, key, err))
	}
}

// Remove deletes the file key, as UPYUN's DELETE does (its folders stay).
func (s *Server) Remove(service, key string) {
	for dir := key; ; {
		i := strings.LastIndexByte(dir, '/')
		if i < 0 {
			break
		}
		dir = dir[:i]
		if !s.isFolder(service, dir) {
			break
		}
		// Keep the parent folders, as UPYUN does, once the last file goes.
		_ = s.Put(service, dir+"/", s.NewObject(nil, time.Now()), "Seed", true)
	}
	s.Delete(service, key)
}

// mustFit panics if key cannot be a new file or folder: a parent is a
// file, or key is already a folder.
func (s *Server) mustFit(service, key string) {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "//") {
		panic(fmt.Sprintf("upyuntest: %q is not a path in a service", key))
	}
	for i := strings.IndexByte(key, '/'); i >= 0; i = next(key, i) {
		if s.isFile(service, key[:i]) {
			panic(fmt.Sprintf("upyuntest: %s/%s: %s is a file", service, key, key[:i]))
		}
	}
	if s.isFolder(service, key) {
		panic(fmt.Sprintf("upyuntest: %s/%s is a folder", service, key))
	}
}

func next(key string, i int) int {
	j := strings.IndexByte(key[i+1:], '/')
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// BlockOperator blocks the operator (UPYUN: 401 40100007 "user blocked"),
// or lifts the block.
func (s *Server) BlockOperator(blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blockedOperator = blocked
}

// BlockService blocks a service (401 40100013 "bucket blocked"), or lifts
// the block.
func (s *Server) BlockService(service string, blocked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blockedServices[service] = blocked
}

// CDNURL is the CDN domain's address, "http://127.0.0.1:PORT": files of
// the CDN's service by their path, with no signature.
func (s *Server) CDNURL() string { return s.cdn.http.URL }

// CDNCount reports how many GETs and HEADs the CDN domain answered for
// the path key ("" for all).
func (s *Server) CDNCount(key string) int { return s.cdn.count(key) }

// CDNCache makes the CDN keep what it served of each file and serve it
// again until PurgeCDN, as a CDN node's cache does when the file changes
// at the origin; off, the CDN always fetches from the service.
func (s *Server) CDNCache(on bool) { s.cdn.setCache(on) }

// PurgeCDN empties the CDN's cache, as UPYUN's "refresh" does.
func (s *Server) PurgeCDN() { s.cdn.purge() }

// newRequestID makes an ID shaped like UPYUN's (32 hex digits).
func newRequestID(seq uint64) string {
	return fmt.Sprintf("%016x%016x", time.Now().UnixNano(), seq)
}
