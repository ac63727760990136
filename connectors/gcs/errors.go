package gcs

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"

	"cloud.google.com/go/auth"
	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"

	"github.com/mgw-dev/mgw/connectors"
)

// reasonKinds maps the JSON API's error reasons to kinds; they win over the
// HTTP status where they say more.
var reasonKinds = map[string]connectors.Kind{
	"notFound":                connectors.KindNotFound,
	"forbidden":               connectors.KindAccessDenied,
	"insufficientPermissions": connectors.KindAccessDenied,
	"accountDisabled":         connectors.KindAccessDenied,
	"userProjectMissing":      connectors.KindAccessDenied,
	"authError":               connectors.KindBadSecret,
	"required":                connectors.KindBadSecret, // no credentials were sent
	"rateLimitExceeded":       connectors.KindThrottled,
	"userRateLimitExceeded":   connectors.KindThrottled,
	"backendError":            connectors.KindTransient,
	"internalError":           connectors.KindTransient,
	"invalid":                 connectors.KindInvalidArgument,
	"conditionNotMet":         connectors.KindInvalidArgument,
}

// classify wraps an error of the client with its kind, keeping what the
// server answered (status, reason) and never the token or the key.
func classify(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	if errors.Is(err, storage.ErrBucketNotExist) {
		return &connectors.Error{Kind: connectors.KindNoSuchBucket, Op: op, Key: key, Status: 404, Err: storage.ErrBucketNotExist}
	}
	if errors.Is(err, storage.ErrObjectNotExist) {
		return &connectors.Error{Kind: connectors.KindNotFound, Op: op, Key: key, Status: 404, Err: storage.ErrObjectNotExist}
	}
	var ae *auth.Error
	if errors.As(err, &ae) {
		return tokenError(op, key, ae)
	}
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		e := &connectors.Error{Op: op, Key: key, Status: ge.Code}
		for _, it := range ge.Errors {
			if it.Reason != "" {
				e.Code = it.Reason
				break
			}
		}
		e.Err = fmt.Errorf("HTTP %d %s", ge.Code, firstLine(ge.Message))
		if kind, ok := reasonKinds[e.Code]; ok {
			e.Kind = kind
		} else {
			e.Kind = statusKind(ge.Code)
		}
		return e
	}
	kind := connectors.Classify(err)
	if kind == connectors.KindUnknown && brokenConnection(err) {
		kind = connectors.KindTransient
	}
	return &connectors.Error{Kind: kind, Op: op, Key: key, Err: err}
}

// statusKind is HTTPKind, with 401 (a token GCS does not accept) read as
// credentials it does not know.
func statusKind(status int) connectors.Kind {
	if status == http.StatusUnauthorized {
		return connectors.KindBadKeyID
	}
	return connectors.HTTPKind(status)
}

// tokenError classifies a refused token request. Google answers
// invalid_grant ("Invalid JWT Signature.") when the key ID was deleted or
// never existed, and invalid_client or unauthorized_client for an account
// that was disabled or removed.
func tokenError(op, key string, ae *auth.Error) error {
	e := &connectors.Error{Op: op, Key: key, Kind: connectors.KindBadKeyID}
	if ae.Response != nil {
		e.Status = ae.Response.StatusCode
	}
	body := string(ae.Body)
	switch {
	case strings.Contains(body, "invalid_grant"):
		e.Code = "invalid_grant"
	case strings.Contains(body, "invalid_client"), strings.Contains(body, "unauthorized_client"):
		e.Code = "invalid_client"
		e.Kind = connectors.KindAccessDenied
	case e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable:
		e.Kind = connectors.KindThrottled
	case e.Status >= 500:
		e.Kind = connectors.KindTransient
	case e.Status == 0:
		// No answer from the token endpoint at all.
		e.Kind = connectors.Classify(ae.Err)
	}
	e.Err = fmt.Errorf("token request refused: HTTP %d %s", e.Status, e.Code)
	return e
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
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
