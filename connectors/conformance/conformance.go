// Package conformance is the test suite every connector passes, run against a
// real server. A connector's test builds a Harness and calls Run:
//
//	func TestConformance(t *testing.T) {
//		conformance.RequireServer(t, "127.0.0.1:7070")
//		conformance.Run(t, conformance.Harness{New: newBucket, Secret: secret})
//	}
//
// Each subtest opens its own bucket with Harness.New, rooted at a fresh, empty
// location, so subtests never see each other's keys.
//
// What the suite expects beyond the doc comments of package connectors:
//
//   - List and ListDir may call fn from several goroutines at once; the
//     suite guards what it collects.
//   - ListDir passes full keys ("a/e"), not names relative to dir ("e"), and
//     a dir that does not exist lists nothing.
//   - Put with PutOptions.ModTime: on a file system the file's mtime is set;
//     an object store keeps it as user metadata "mtime" (Object.Meta["mtime"]),
//     formatted as RFC 3339 in UTC with nanoseconds and trailing zeros
//     dropped (time.RFC3339Nano), e.g. "2021-03-04T05:06:07.123456789Z".
//     Stat must give it back exactly. The same holds for a multipart upload
//     started with that option.
//   - Features().MaxKeyBytes counts the bytes of the key as the caller
//     passes it (what the backend adds, such as the address's prefix, is
//     the backend's to account for). Keys over it, and keys that are not
//     UTF-8 when Features().UTF8Keys is set, are refused with
//     KindUnsupportedName before anything is sent: the suite hands Put a
//     reader that fails the test if it is read.
//   - A Put whose MD5 option does not match the data fails with
//     KindInvalidArgument and leaves the previous object (or none) in place.
//   - AbortMultipart of an upload already aborted is not an error, and
//     ListParts on it gives KindNotFound.
//   - No error text, and no ListError, ever contains Harness.Secret.
//   - A backend with Features().Metadata stores PutOptions.Headers and
//     Meta with a Put and a multipart upload; Stat, and the reader Open
//     returns (a connectors.ObjectReader, whatever the range), give them
//     back unchanged, user metadata names in lower case. Expires is
//     compared as text, or as the instant it names where a service
//     rewrites the date. A service that keeps no Expires (Azure Blob
//     Storage, Google Cloud Storage) sets Harness.NoExpires. The bytes
//     read are the bytes stored: Content-Encoding gzip is not undone. A
//     metadata value with a line break is refused with
//     KindInvalidArgument before anything is sent, or kept intact.
//     List leaves Headers empty.
//
// A read-only backend (a list of URLs) sets Harness.ReadOnly and
// Harness.Seed: the read tests then run on buckets Seed fills, the write
// tests are skipped, and the ReadOnly subtest checks that every write is
// refused with KindUnsupported. For every other backend the read tests
// fill their buckets with Put, as before.
package conformance

import (
	"net"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/test/testenv"
)

// Harness opens buckets of one backend on a real server.
type Harness struct {
	// New returns a Bucket rooted at a fresh, empty location (a new folder,
	// or a new prefix in a bucket) on the real server; the suite calls it
	// once per subtest. Cleanup is the harness's job (t.Cleanup).
	New func(t *testing.T) connectors.Bucket

	// Optional; nil skips the subtests that need them:
	BadKeyID  func(t *testing.T) connectors.Bucket // credentials with an unknown key id → Check/Stat give KindBadKeyID
	BadSecret func(t *testing.T) connectors.Bucket // right key id, wrong secret → KindBadSecret
	NoBucket  func(t *testing.T) connectors.Bucket // a bucket that does not exist → KindNoSuchBucket
	Denied    func(t *testing.T) connectors.Bucket // reads and writes refused → KindAccessDenied

	// Secret is a secret value used by the harness; the suite asserts it
	// never appears in any error text.
	Secret string

	// ReadOnly marks a backend that cannot write: Put, Delete and
	// multipart uploads must fail with KindUnsupported. It needs Seed.
	ReadOnly bool
	// Seed returns a Bucket rooted at a fresh location holding exactly
	// objects (key -> content), put there by the harness's own means.
	// Only read-only harnesses need it; nil means New + Put.
	Seed func(t *testing.T, objects map[string][]byte) connectors.Bucket

	// NoExpires marks a service that has no Expires among the headers it
	// keeps with an object (Azure, GCS): the Metadata test expects none.
	NoExpires bool

	// UploadsPage, if set, makes UploadsOf list n uploads a page (0: the
	// backend's own size), so that the Uploads test crosses pages. A
	// server that cannot page inside one key's uploads leaves it nil.
	UploadsPage func(n int)
}

// Run runs the whole suite against the backend h opens.
func Run(t *testing.T, h Harness) {
	if h.New == nil {
		t.Fatal("conformance: Harness.New is nil")
	}
	if h.ReadOnly && h.Seed == nil {
		t.Fatal("conformance: a ReadOnly harness needs Seed")
	}
	s := &suite{h: h}

	t.Run("Check", s.testCheck)
	t.Run("PutStatOpen", s.testPutStatOpen)
	t.Run("PutSizes", s.testPutSizes)
	t.Run("Overwrite", s.writes(s.testOverwrite))
	t.Run("Delete", s.writes(s.testDelete))
	t.Run("NotFound", s.testNotFound)
	t.Run("OpenRange", s.testOpenRange)
	t.Run("ObjectReader", s.testObjectReader)
	t.Run("PutModTime", s.writes(s.testPutModTime))
	t.Run("PutBadMD5", s.writes(s.testPutBadMD5))
	t.Run("PutCanceled", s.writes(s.testPutCanceled))
	t.Run("ConcurrentPuts", s.writes(s.testConcurrentPuts))
	t.Run("Metadata", s.writes(s.testMetadata))
	t.Run("ReadOnly", s.testReadOnly)

	t.Run("List", s.testList)
	t.Run("ListPaging", s.testListPaging)
	t.Run("ListDir", s.testListDir)
	t.Run("WeirdNames", s.testWeirdNames)
	t.Run("UnsupportedNames", s.testUnsupportedNames)

	t.Run("Multipart", s.writes(s.testMultipart))
	t.Run("MultipartAbort", s.writes(s.testMultipartAbort))
	t.Run("Uploads", s.writes(s.testUploads))

	t.Run("BadKeyID", s.badBucket(h.BadKeyID, connectors.KindBadKeyID))
	t.Run("BadSecret", s.badBucket(h.BadSecret, connectors.KindBadSecret))
	t.Run("NoBucket", s.badBucket(h.NoBucket, connectors.KindNoSuchBucket))
	t.Run("Denied", s.badBucket(h.Denied, connectors.KindAccessDenied))
}

// RequireServer ends the test through testenv.Missing (a skip, or a
// failure where the test scripts promised the server) when nothing listens
// at hostport.
func RequireServer(t *testing.T, hostport string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", hostport, 2*time.Second)
	if err != nil {
		testenv.Missing(t, "server at "+hostport, err)
		return
	}
	c.Close()
}
