package cos

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"github.com/mgw-dev/mgw/connectors"
)

// wrap classifies err once and returns it as a *connectors.Error.
func wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	// With retries off the SDK still folds a transport error into a
	// RetryError, which does not unwrap: the last attempt is the cause.
	var re *cos.RetryError
	if errors.As(err, &re) && len(re.Errs) > 0 {
		err = re.Errs[len(re.Errs)-1]
	}
	var er *cos.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		status := er.Response.StatusCode
		return &connectors.Error{
			Kind:       serviceKind(er.Code, status),
			Op:         op,
			Key:        key,
			Status:     status,
			Code:       er.Code,
			RetryAfter: connectors.RetryAfter(er.Response.Header.Get("Retry-After"), time.Now()),
			Err:        &serviceError{code: er.Code, status: status, msg: er.Message, id: er.Response.Header.Get("x-cos-request-id")},
		}
	}
	kind := connectors.Classify(err)
	var short errShortBody
	if errors.As(err, &short) {
		kind = connectors.KindChanged
	}
	return &connectors.Error{Kind: kind, Op: op, Key: key, Err: err}
}

// serviceKind sorts a COS answer by its error code, then by its status.
func serviceKind(code string, status int) connectors.Kind {
	switch code {
	case "InvalidAccessKeyId":
		return connectors.KindBadKeyID
	case "SignatureDoesNotMatch":
		return connectors.KindBadSecret
	case "NoSuchBucket":
		return connectors.KindNoSuchBucket
	case "NoSuchKey", "NoSuchUpload":
		return connectors.KindNotFound
	case "AccessDenied":
		return connectors.KindAccessDenied
	case "InvalidObjectState":
		return connectors.KindInvalidState
	case "SlowDown", "ServiceUnavailable", "TooManyRequests", "RequestLimitExceeded", "RequestRateLimitExceeded":
		return connectors.KindThrottled
	case "BadDigest", "InvalidDigest", "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge",
		"KeyTooLong", "InvalidURI", "InvalidArgument", "MalformedXML", "InvalidRange", "RequestTimeTooSkewed":
		return connectors.KindInvalidArgument
	case "RequestTimeout":
		return connectors.KindTimeout
	case "IncompleteBody", "InternalError":
		return connectors.KindTransient
	}
	return connectors.HTTPKind(status)
}

// serviceError is a COS error answer in one line: code, status, request
// ID to quote to support, message. The SDK's own text repeats the URL.
type serviceError struct {
	code, msg, id string
	status        int
}

func (e *serviceError) Error() string {
	code := e.code
	if code == "" {
		code = http.StatusText(e.status)
	}
	s := fmt.Sprintf("%s (HTTP %d", code, e.status)
	if e.id != "" {
		s += ", request " + e.id
	}
	s += ")"
	if e.msg != "" {
		s += ": " + e.msg
	}
	return s
}

// errShortBody is a source that ended before the size it was put with.
type errShortBody struct{ got, want int64 }

func (e errShortBody) Error() string {
	return fmt.Sprintf("the source ended after %d of %d bytes", e.got, e.want)
}

func unsupportedName(op, key, why string) error {
	return &connectors.Error{Kind: connectors.KindUnsupportedName, Op: op, Key: key, Err: errors.New(why)}
}
