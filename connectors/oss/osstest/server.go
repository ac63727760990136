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
// RestoreObject, ListObjectsV2, GetBucketInfo, the multipart upload calls
// (ListMultipartUploads in one page), CopyObject and UploadPartCopy.
// Anything else (ListObjects v1, versioning, presigned URLs,
// STS tokens) is answered 501 NotImplemented or refused.
//
// State lives in memory. Test hooks inject failures, deny prefixes, seed
// objects and report what was received: those, the store and the order of
// checks are connectors/internal/testserver's; this package keeps what is
// OSS's own.
package osstest

import (
	"fmt"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
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

// Version is one state an object took under a key; Op is "PutObject",
// "CompleteMultipartUpload" or "Seed".
type Version = testserver.Version

// Server is an OSS test server listening on 127.0.0.1. The skeleton's
// methods (URL, Close, Count, FailNext, Deny, Allow, SetHandlerHook,
// Object, Keys, History, Uploads, PartUploads, FinishRestores) are its
// test controls.
type Server struct {
	*testserver.Server
	cfg  Config
	boot time.Time
}

// NewServer starts a server on 127.0.0.1 with a free port.
func NewServer(cfg Config) *Server {
	s := &Server{cfg: cfg, boot: time.Now()}
	store := testserver.NewStore(testserver.StoreConfig{Buckets: cfg.Buckets, UpperHexETags: true, FoldETags: true})
	s.Server = testserver.New(store, testserver.Protocol{
		Route: s.route,
		Admit: s.admit,
		Check: s.check,
		Serve: s.dispatch,
		Fail:  func(rq *testserver.Request, err error) { (&request{rq}).fail(err) },
	})
	return s
}

// Seed stores an object directly, as if it had been uploaded. It panics if
// the bucket does not exist.
func (s *Server) Seed(bucket, key string, data []byte, o SeedOptions) {
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
	obj := s.NewObject(append([]byte(nil), data...), mod)
	obj.Meta = meta
	obj.Headers = map[string]string{"Content-Type": ct}
	obj.StorageClass = class
	if err := s.Put(bucket, key, obj, "Seed", false); err != nil {
		panic(fmt.Sprintf("osstest: Seed: bucket %q: %v", bucket, err))
	}
}

// newRequestID makes a 24-digit upper-case hex ID like OSS's.
func (s *Server) newRequestID(seq uint64) string {
	return fmt.Sprintf("%08X%016X", uint32(s.boot.Unix()), seq)
}
