// Package testserver is the skeleton the protocol-level test servers
// (osstest, costest, upyuntest) share: an in-memory store of buckets, objects and
// multipart uploads, the order in which a request is checked, and the test
// controls every such server offers (request counts, failures injected
// into the next requests, denied prefixes, a hook before each request).
//
// It knows no wire format: URL shapes, signatures, headers, error codes and
// XML bodies belong to each service's package, which supplies them through
// a Protocol and renders the errors this package returns (ErrNoSuchKey,
// *Injected...) in its own way. It must not know any one service's rules.
package testserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request being answered, as the skeleton and the
// service's Protocol see it.
type Request struct {
	W     http.ResponseWriter
	R     *http.Request
	Query url.Values
	Now   time.Time // when it arrived: the reference for signature times
	Seq   uint64    // its number, from 1, for the service's request IDs
	ID    string    // the service's request ID, set by Route

	// Set by Route.
	Op     string // the service's API name, "" for one it does not know
	Bucket string
	Key    string
	// Scope is what a deny list is matched against (the key, or a
	// listing's prefix); Scoped says whether the operation is subject to
	// it at all.
	Scope  string
	Scoped bool
}

// Protocol is what a service adds to the skeleton. Server.ServeHTTP calls
// Route; counts the operation; then Admit (bucket and signature); runs the
// hook and any injected failure; then Check (names, unsupported calls);
// matches the deny list; then answers DeleteObject and
// AbortMultipartUpload itself (204) and hands any other operation to
// Serve. A non-nil error from any step is
// answered with Fail, which must render every error of this package too.
type Protocol struct {
	Route func(rq *Request)
	Admit func(rq *Request) error
	Check func(rq *Request) error
	Serve func(rq *Request)
	Fail  func(rq *Request, err error)
}

// Server is the HTTP server of one protocol, with its Store and test
// controls. Services embed it, so its exported methods are theirs.
type Server struct {
	*Store
	proto Protocol
	http  *httptest.Server
	seq   atomic.Uint64

	mu       sync.Mutex
	counts   map[string]map[string]int // op -> key -> requests
	failures map[string]*failure       // by op, "" for any
	denied   []denial
	hook     func(op, bucket, key string)
}

type failure struct {
	n, status int
	code      string
}

type denial struct{ bucket, prefix string }

// New starts a server on 127.0.0.1 with a free port.
func New(store *Store, p Protocol) *Server {
	s := &Server{
		Store:    store,
		proto:    p,
		counts:   map[string]map[string]int{},
		failures: map[string]*failure{},
	}
	s.http = httptest.NewServer(s)
	return s
}

// URL is the server's address, "http://127.0.0.1:PORT".
func (s *Server) URL() string { return s.http.URL }

// Close shuts the server down, waiting for requests in flight.
func (s *Server) Close() { s.http.Close() }

// NextSeq numbers something the service names uniquely (upload IDs), from
// the same counter as requests.
func (s *Server) NextSeq() uint64 { return s.seq.Add(1) }

// ServeHTTP runs one request through the steps Protocol lists.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := &Request{W: w, R: r, Query: r.URL.Query(), Now: time.Now(), Seq: s.NextSeq()}
	s.proto.Route(rq)
	s.count(rq.Op, rq.Key)
	if err := s.proto.Admit(rq); err != nil {
		s.proto.Fail(rq, err)
		return
	}
	if err := s.enter(rq.Op, rq.Bucket, rq.Key); err != nil {
		s.proto.Fail(rq, err)
		return
	}
	if err := s.proto.Check(rq); err != nil {
		s.proto.Fail(rq, err)
		return
	}
	if rq.Scoped && s.isDenied(rq.Bucket, rq.Scope) {
		s.proto.Fail(rq, ErrDenied)
		return
	}
	// The two calls the services answer alike, with no body.
	switch rq.Op {
	case "DeleteObject":
		s.Delete(rq.Bucket, rq.Key) // a key that is not there is deleted too
		rq.W.WriteHeader(http.StatusNoContent)
	case "AbortMultipartUpload":
		if err := s.Abort(rq.Query.Get("uploadId"), rq.Bucket, rq.Key); err != nil {
			s.proto.Fail(rq, err)
			return
		}
		rq.W.WriteHeader(http.StatusNoContent)
	default:
		s.proto.Serve(rq)
	}
}

// Count reports how many requests named op (the service's API name, such
// as "PutObject") were received for key; key "" counts all keys. Every
// request whose operation was recognised counts, including those then
// refused (bad signature, injected failure...).
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

// FailNext makes the next n requests of op ("" = any) fail with status and
// code, after their signature was checked, as a service answers
// throttling or internal errors. n <= 0 cancels.
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
// AccessDenied, as a policy denying them would. Listings whose prefix lies
// under prefix are denied too.
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

// SetHandlerHook installs fn, called at the start of every authenticated
// request, before it is carried out (tests use it to block or count).
func (s *Server) SetHandlerHook(fn func(op, bucket, key string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook = fn
}

func (s *Server) count(op, key string) {
	if op == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.counts[op] == nil {
		s.counts[op] = map[string]int{}
	}
	s.counts[op][key]++
}

// enter runs the hook, outside the lock so that it may block, then takes
// an injected failure for op, or for any op.
func (s *Server) enter(op, bucket, key string) error {
	s.mu.Lock()
	hook := s.hook
	s.mu.Unlock()
	if hook != nil {
		hook(op, bucket, key)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, name := range []string{op, ""} {
		f := s.failures[name]
		if f == nil {
			continue
		}
		if f.n--; f.n <= 0 {
			delete(s.failures, name)
		}
		return &Injected{Status: f.status, Code: f.code}
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

// Denied tells whether the deny list refuses key of bucket: what a service
// checks of a copy's source, which the request's own scope does not name.
func (s *Server) Denied(bucket, key string) bool { return s.isDenied(bucket, key) }
