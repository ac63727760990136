package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mgw-dev/mgw/connectors"
)

// sdkError builds an error shaped as the SDK returns a server's answer.
func sdkError(status int, code string, header http.Header) error {
	if header == nil {
		header = http.Header{}
	}
	return &smithy.OperationError{
		ServiceID:     "S3",
		OperationName: "GetObject",
		Err: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: header}},
			Err:      &smithy.GenericAPIError{Code: code, Message: "the server said no"},
		},
	}
}

// sendError builds an error shaped as the SDK returns a failed round trip.
func sendError(err error) error {
	return &smithy.OperationError{
		ServiceID:     "S3",
		OperationName: "PutObject",
		Err:           &smithyhttp.RequestSendError{Err: &url.Error{Op: "Put", URL: "http://127.0.0.1:1/b/k", Err: err}},
	}
}

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want connectors.Kind
	}{
		{sdkError(404, "NoSuchKey", nil), connectors.KindNotFound},
		{sdkError(404, "NotFound", nil), connectors.KindNotFound},
		{sdkError(404, "NoSuchUpload", nil), connectors.KindNotFound},
		{sdkError(404, "NoSuchBucket", nil), connectors.KindNoSuchBucket},
		{sdkError(404, "", nil), connectors.KindNotFound},
		{sdkError(403, "AccessDenied", nil), connectors.KindAccessDenied},
		{sdkError(403, "Forbidden", nil), connectors.KindAccessDenied},
		{sdkError(403, "InvalidAccessKeyId", nil), connectors.KindBadKeyID},
		{sdkError(403, "SignatureDoesNotMatch", nil), connectors.KindBadSecret},
		{sdkError(403, "InvalidObjectState", nil), connectors.KindInvalidState},
		{sdkError(301, "PermanentRedirect", nil), connectors.KindNoSuchBucket},
		{sdkError(301, "MovedPermanently", nil), connectors.KindNoSuchBucket},
		{sdkError(400, "AuthorizationHeaderMalformed", nil), connectors.KindNoSuchBucket},
		{sdkError(503, "SlowDown", nil), connectors.KindThrottled},
		{sdkError(503, "ServiceUnavailable", nil), connectors.KindThrottled},
		{sdkError(429, "", nil), connectors.KindThrottled},
		{sdkError(400, "RequestLimitExceeded", nil), connectors.KindThrottled},
		{sdkError(500, "InternalError", nil), connectors.KindTransient},
		{sdkError(502, "", nil), connectors.KindTransient},
		{sdkError(400, "RequestTimeout", nil), connectors.KindTransient},
		{sdkError(400, "InvalidPart", nil), connectors.KindInvalidArgument},
		{sdkError(400, "EntityTooSmall", nil), connectors.KindInvalidArgument},
		{sdkError(400, "BadDigest", nil), connectors.KindInvalidArgument},
		{sdkError(400, "InvalidDigest", nil), connectors.KindInvalidArgument},
		{sdkError(400, "KeyTooLongError", nil), connectors.KindUnsupportedName},
		{sdkError(501, "NotImplemented", nil), connectors.KindUnsupported},
		{sendError(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), connectors.KindBadEndpoint},
		{sendError(&net.DNSError{Err: "no such host", Name: "s3.invalid", IsNotFound: true}), connectors.KindBadEndpoint},
		{sendError(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), connectors.KindTransient},
		{sendError(io.ErrUnexpectedEOF), connectors.KindTransient},
		{sendError(io.EOF), connectors.KindTransient},
		{sendError(context.DeadlineExceeded), connectors.KindTimeout},
		{fmt.Errorf("read body: %w", syscall.ECONNRESET), connectors.KindTransient},
	} {
		got := classify("get", "k", c.err)
		if k := connectors.KindOf(got); k != c.want {
			t.Errorf("classify(%v) = %v, want %v", c.err, k, c.want)
		}
		if !errors.Is(got, c.err) {
			t.Errorf("classify(%v) lost the original error", c.err)
		}
	}
	if classify("get", "k", nil) != nil {
		t.Error("classify(nil) is not nil")
	}
}

func TestClassifyKeepsStatusAndCode(t *testing.T) {
	err := classify("put", "a/b", sdkError(503, "SlowDown", http.Header{"Retry-After": {"7"}}))
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		t.Fatalf("not a *connectors.Error: %T", err)
	}
	if ce.Status != 503 || ce.Code != "SlowDown" || ce.RetryAfter != 7*time.Second || ce.Op != "put" || ce.Key != "a/b" {
		t.Errorf("got %+v", ce)
	}
	// An error already classified keeps its kind.
	inner := &connectors.Error{Kind: connectors.KindChanged, Op: "read"}
	if got := classify("put", "a/b", fmt.Errorf("wrapped: %w", inner)); connectors.KindOf(got) != connectors.KindChanged {
		t.Errorf("reclassified a classified error: %v", connectors.KindOf(got))
	}
}

// Archive classes pass through untouched for the agent to recognise;
// STANDARD, which HEAD leaves out and List spells out, reads as "".
func TestStorageClass(t *testing.T) {
	for in, want := range map[string]string{
		"":             "",
		"STANDARD":     "",
		"GLACIER":      "GLACIER",
		"DEEP_ARCHIVE": "DEEP_ARCHIVE",
		"GLACIER_IR":   "GLACIER_IR",
		"STANDARD_IA":  "STANDARD_IA",
	} {
		if got := storageClass(in); got != want {
			t.Errorf("storageClass(%q) = %q, want %q", in, got, want)
		}
	}
}
