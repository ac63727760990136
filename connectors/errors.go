package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"
)

// Kind is the class of an error, decided once by the backend that met it.
// The agent acts on the kind (retry, pause, fail the file) and maps kind +
// side + address type to the catalogue's codes; it never parses messages.
type Kind uint8

const (
	KindUnknown         Kind = iota // unclassified; treated as transient with a bounded retry budget
	KindNotFound                    // the key, file or upload does not exist
	KindAccessDenied                // authenticated, but not allowed (HTTP 403 AccessDenied, EACCES)
	KindBadKeyID                    // the access key ID is unknown (InvalidAccessKeyId)
	KindBadSecret                   // the signature does not match: wrong secret (SignatureDoesNotMatch)
	KindNoSuchBucket                // the bucket does not exist, or lives in another region
	KindBadEndpoint                 // the endpoint does not resolve or refuses connections
	KindTimeout                     // no answer in time
	KindThrottled                   // 429, 503 SlowDown, provider rate limits: slow down and retry
	KindTransient                   // 5xx, connection reset, truncated body: retry
	KindInvalidState                // archived / cold object that cannot be read before a restore
	KindInvalidArgument             // the request is wrong and will stay wrong (bad part, too small...)
	KindUnsupportedName             // the key cannot be stored here (not UTF-8, too long, bad characters)
	KindNotDir                      // a prefix or path that must be a folder is a file
	KindChanged                     // the source changed while it was read
	KindUnsupported                 // the backend cannot do this
	KindNoSpace                     // the destination's disk or quota is full (ENOSPC, EDQUOT)

	// Kinds is the number of kinds, to size tables indexed by kind.
	Kinds
)

var kindNames = [...]string{
	KindUnknown: "unknown", KindNotFound: "not-found", KindAccessDenied: "access-denied",
	KindBadKeyID: "bad-key-id", KindBadSecret: "bad-secret", KindNoSuchBucket: "no-such-bucket",
	KindBadEndpoint: "bad-endpoint", KindTimeout: "timeout", KindThrottled: "throttled",
	KindTransient: "transient", KindInvalidState: "invalid-state", KindInvalidArgument: "invalid-argument",
	KindUnsupportedName: "unsupported-name", KindNotDir: "not-dir", KindChanged: "changed",
	KindUnsupported: "unsupported", KindNoSpace: "no-space",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Retryable reports whether an error of this kind may succeed if tried again.
func (k Kind) Retryable() bool {
	switch k {
	case KindUnknown, KindTimeout, KindThrottled, KindTransient, KindBadEndpoint:
		return true
	}
	return false
}

// Error is a classified error. Err is kept for errors.Is/As and for the
// message; it must never hold a secret.
type Error struct {
	Kind Kind
	Op   string // "put", "list", "stat"...
	Key  string
	// Status and Code are what the server answered, where there was an answer.
	Status int
	Code   string
	// RetryAfter is the server's hint, if it gave one.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	s := e.Op
	if e.Key != "" {
		s += " " + fmt.Sprintf("%q", e.Key)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// NewError wraps err with a kind. It returns nil for a nil err and keeps an
// already classified error as it is (the innermost classification wins).
func NewError(kind Kind, op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return err
	}
	return &Error{Kind: kind, Op: op, Key: key, Err: err}
}

// KindOf returns the kind of err. Cancellation of the caller's context has
// no kind of its own: callers check IsCanceled first and never retry it.
func KindOf(err error) Kind {
	if err == nil {
		return KindUnknown
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Kind
	}
	return Classify(err)
}

// IsCanceled reports whether err comes from the caller's context ending.
func IsCanceled(err error) bool { return errors.Is(err, context.Canceled) }

// Classify sorts the errors any backend meets outside its protocol:
// filesystem errors, network errors and deadlines.
func Classify(err error) Kind {
	var ce *Error
	switch {
	case err == nil:
		return KindUnknown
	case errors.As(err, &ce):
		return ce.Kind
	case errors.Is(err, os.ErrNotExist):
		return KindNotFound
	case errors.Is(err, os.ErrPermission):
		return KindAccessDenied
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return KindTimeout
	case errors.Is(err, io.ErrUnexpectedEOF):
		return KindTransient // a body cut short: the connection dropped
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return KindNoSpace
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsTimeout {
			return KindTimeout
		}
		return KindBadEndpoint
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		if opErr.Timeout() {
			return KindTimeout
		}
		if opErr.Op == "dial" {
			return KindBadEndpoint
		}
		return KindTransient
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	return KindUnknown
}

// HTTPKind is the usual kind for an HTTP status without a better code.
func HTTPKind(status int) Kind {
	switch {
	case status == 404:
		return KindNotFound
	case status == 403:
		return KindAccessDenied
	case status == 429 || status == 503:
		return KindThrottled
	case status == 408:
		return KindTimeout
	case status >= 500:
		return KindTransient
	case status >= 400:
		return KindInvalidArgument
	}
	return KindUnknown
}
