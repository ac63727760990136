package gcs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"

	"golang.org/x/oauth2"

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

// apiError is an answer of the JSON API other than 2xx.
type apiError struct {
	Status  int
	Reason  string // the first of error.errors[].reason
	Message string // error.message, or the first line of a body that is not JSON
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d %s", e.Status, e.Message) }

// maxErrorBody bounds what is read of an error's body.
const maxErrorBody = 64 << 10

// readAPIError reads the error an answer carries: the JSON API's
// {"error":{"code":N,"message":"…","errors":[{"reason":"…"}]}}, or plain
// text from a proxy or an emulator.
func readAPIError(resp *http.Response) *apiError {
	e := &apiError{Status: resp.StatusCode}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var js struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &js) == nil {
		e.Message = js.Error.Message
		for _, it := range js.Error.Errors {
			if it.Reason != "" {
				e.Reason = it.Reason
				break
			}
		}
	} else {
		e.Message = strings.TrimSpace(string(body))
	}
	e.Message = firstLine(e.Message)
	if len(e.Message) > 200 {
		e.Message = e.Message[:200]
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

// classify wraps an error of a request with its kind, keeping what the
// server answered (status, reason) and never the token or the key.
func classify(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	var tf *tokenFailure
	if errors.As(err, &tf) {
		return tokenError(op, key, tf)
	}
	var ae *apiError
	if errors.As(err, &ae) {
		e := &connectors.Error{Op: op, Key: key, Status: ae.Status, Code: ae.Reason, Err: ae}
		if kind, ok := reasonKinds[e.Code]; ok {
			e.Kind = kind
		} else {
			e.Kind = statusKind(ae.Status)
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
func tokenError(op, key string, tf *tokenFailure) error {
	e := &connectors.Error{Op: op, Key: key, Kind: connectors.KindBadKeyID}
	var body string
	var re *oauth2.RetrieveError
	if errors.As(tf.err, &re) {
		if re.Response != nil {
			e.Status = re.Response.StatusCode
		}
		body = re.ErrorCode + " " + string(re.Body)
	}
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
	case e.Status == 0 && tf.cause != nil:
		// No answer from the token endpoint at all; the transport's
		// error names the endpoint, never the assertion.
		e.Kind = connectors.Classify(tf.cause)
		if e.Kind == connectors.KindUnknown && brokenConnection(tf.cause) {
			e.Kind = connectors.KindTransient
		}
		e.Err = fmt.Errorf("token request failed: %w", tf.cause)
		return e
	case e.Status == 0:
		// An answer that is no token (not JSON, no access_token).
		e.Kind = connectors.KindUnknown
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
