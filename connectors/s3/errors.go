package s3

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/mgw-dev/mgw/connectors"
)

// codeKinds maps S3 error codes to kinds. Codes win over HTTP status: S3
// answers 403 for a denied key, an unknown key ID and a wrong secret alike.
var codeKinds = map[string]connectors.Kind{
	"NoSuchKey":                          connectors.KindNotFound,
	"NotFound":                           connectors.KindNotFound,
	"NoSuchUpload":                       connectors.KindNotFound,
	"AccessDenied":                       connectors.KindAccessDenied,
	"AllAccessDisabled":                  connectors.KindAccessDenied,
	"AccountProblem":                     connectors.KindAccessDenied,
	"InvalidAccessKeyId":                 connectors.KindBadKeyID,
	"SignatureDoesNotMatch":              connectors.KindBadSecret,
	"NoSuchBucket":                       connectors.KindNoSuchBucket,
	"PermanentRedirect":                  connectors.KindNoSuchBucket,
	"AuthorizationHeaderMalformed":       connectors.KindNoSuchBucket, // the bucket lives in another region
	"IllegalLocationConstraintException": connectors.KindNoSuchBucket,
	"InvalidBucketName":                  connectors.KindNoSuchBucket,
	"SlowDown":                           connectors.KindThrottled,
	"RequestLimitExceeded":               connectors.KindThrottled,
	"TooManyRequests":                    connectors.KindThrottled,
	"ServiceUnavailable":                 connectors.KindThrottled,
	"Throttling":                         connectors.KindThrottled,
	"ThrottlingException":                connectors.KindThrottled,
	"RequestTimeout":                     connectors.KindTransient,
	"InternalError":                      connectors.KindTransient,
	"InvalidObjectState":                 connectors.KindInvalidState,
	"InvalidPart":                        connectors.KindInvalidArgument,
	"InvalidPartOrder":                   connectors.KindInvalidArgument,
	"EntityTooSmall":                     connectors.KindInvalidArgument,
	"EntityTooLarge":                     connectors.KindInvalidArgument,
	"BadDigest":                          connectors.KindInvalidArgument,
	"InvalidDigest":                      connectors.KindInvalidArgument,
	"InvalidRange":                       connectors.KindInvalidArgument,
	"KeyTooLongError":                    connectors.KindUnsupportedName,
	"NotImplemented":                     connectors.KindUnsupported,
}

// classify wraps an SDK error with its kind, the server's status and code,
// and its Retry-After hint. Every error this package returns passes here.
func classify(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	e := &connectors.Error{Op: op, Key: key, Err: err}

	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
		if re.Response != nil {
			e.RetryAfter = connectors.RetryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
	}

	kind, ok := codeKinds[e.Code]
	switch {
	case ok:
		e.Kind = kind
	case e.Status == http.StatusMovedPermanently || e.Status == http.StatusTemporaryRedirect:
		// A HEAD to a bucket of another region: no body, only the status.
		e.Kind = connectors.KindNoSuchBucket
	case e.Status != 0:
		e.Kind = connectors.HTTPKind(e.Status)
	default:
		e.Kind = connectors.Classify(err)
		if e.Kind == connectors.KindUnknown && brokenConnection(err) {
			e.Kind = connectors.KindTransient
		}
	}
	return e
}

// brokenConnection reports a connection that died under a request or a
// body being read: worth another try.
func brokenConnection(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) || // the server hung up before answering
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		// net/http does not export this one.
		strings.Contains(err.Error(), "server closed idle connection")
}
