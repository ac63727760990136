package azblob

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mgw-dev/mgw/connectors"
)

// codeKinds maps Azure Storage error codes to kinds. Codes win over HTTP
// status: Azure answers 403 for a wrong key and a missing permission alike.
var codeKinds = map[string]connectors.Kind{
	"BlobNotFound":                      connectors.KindNotFound,
	"ContainerNotFound":                 connectors.KindNoSuchBucket,
	"ContainerBeingDeleted":             connectors.KindNoSuchBucket,
	"ContainerDisabled":                 connectors.KindNoSuchBucket,
	"InvalidResourceName":               connectors.KindNoSuchBucket, // a container name Azure cannot hold
	"ResourceNotFound":                  connectors.KindBadKeyID,     // Azurite: an account it does not hold (Azure: no DNS name)
	"AccountIsDisabled":                 connectors.KindAccessDenied,
	"AuthenticationFailed":              connectors.KindBadSecret, // the signature (key or SAS) does not match
	"InvalidAuthenticationInfo":         connectors.KindBadSecret,
	"NoAuthenticationInformation":       connectors.KindBadSecret,
	"AuthorizationFailure":              connectors.KindAccessDenied,
	"AuthorizationPermissionMismatch":   connectors.KindAccessDenied,
	"AuthorizationResourceTypeMismatch": connectors.KindAccessDenied,
	"AuthorizationServiceMismatch":      connectors.KindAccessDenied,
	"AuthorizationSourceIPMismatch":     connectors.KindAccessDenied,
	"AuthorizationProtocolMismatch":     connectors.KindAccessDenied,
	"InsufficientAccountPermissions":    connectors.KindAccessDenied,
	"ServerBusy":                        connectors.KindThrottled,
	"OperationTimedOut":                 connectors.KindTimeout,
	"InternalError":                     connectors.KindTransient,
	"BlobArchived":                      connectors.KindInvalidState,
	"BlobBeingRehydrated":               connectors.KindInvalidState,
	"Md5Mismatch":                       connectors.KindInvalidArgument,
	"InvalidMd5":                        connectors.KindInvalidArgument,
	"InvalidBlockList":                  connectors.KindInvalidArgument,
	"InvalidBlockId":                    connectors.KindInvalidArgument,
	"InvalidBlobOrBlock":                connectors.KindInvalidArgument,
	"InvalidRange":                      connectors.KindInvalidArgument,
	"InvalidHeaderValue":                connectors.KindInvalidArgument,
	"RequestBodyTooLarge":               connectors.KindInvalidArgument,
	"OutOfRangeInput":                   connectors.KindInvalidArgument,
	"UnsupportedHeader":                 connectors.KindUnsupported,
}

// classify wraps an SDK error with its kind, the server's status, code and
// Retry-After hint. The SDK's own text is dropped: it holds the whole
// answer body; what is kept is the status, the code and the first line of
// the service's message.
func classify(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		kind := connectors.Classify(err)
		if kind == connectors.KindUnknown && brokenConnection(err) {
			kind = connectors.KindTransient
		}
		return &connectors.Error{Kind: kind, Op: op, Key: key, Err: withoutQuery(err)}
	}
	e := &connectors.Error{Op: op, Key: key, Status: re.StatusCode, Code: re.ErrorCode,
		Err: &serviceError{status: re.StatusCode, code: re.ErrorCode}}
	if re.RawResponse != nil {
		e.RetryAfter = connectors.RetryAfter(re.RawResponse.Header.Get("Retry-After"), time.Now())
		if e.Code == "" {
			// Answers to HEAD have no body: the code is in a header.
			e.Code = re.RawResponse.Header.Get("x-ms-error-code")
			e.Err = &serviceError{status: re.StatusCode, code: e.Code}
		}
	}
	if e.Code == "AuthorizationFailure" && strings.Contains(re.Error(), "failed to authenticate") {
		// Azurite answers a wrong key with this code; Azure itself says
		// AuthenticationFailed, with the same message.
		e.Kind = connectors.KindBadSecret
	} else if kind, ok := codeKinds[e.Code]; ok {
		e.Kind = kind
	} else {
		e.Kind = connectors.HTTPKind(e.Status)
	}
	return e
}

// serviceError is what Azure answered, without the body's details.
type serviceError struct {
	status int
	code   string
}

func (e *serviceError) Error() string {
	if e.code == "" {
		return fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
	}
	return fmt.Sprintf("HTTP %d %s", e.status, e.code)
}

// brokenConnection reports a connection that died under a request or a
// body being read: worth another try.
func brokenConnection(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		strings.Contains(err.Error(), "server closed idle connection")
}

// withoutQuery drops the query of the URL a transport error quotes: with a
// SAS, the query holds the signature.
func withoutQuery(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	u, perr := url.Parse(ue.URL)
	if perr != nil {
		return &url.Error{Op: ue.Op, URL: "(unparsable URL)", Err: ue.Err}
	}
	u.RawQuery = ""
	return &url.Error{Op: ue.Op, URL: u.String(), Err: ue.Err}
}
