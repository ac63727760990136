package oss

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/mgw-dev/mgw/connectors"
)

// wrap classifies err once and returns it as a *connectors.Error. Every
// error the bucket returns goes through here.
func wrap(op, key string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connectors.Error
	if errors.As(err, &ce) {
		return err
	}
	var se *oss.ServiceError
	if errors.As(err, &se) {
		kind := serviceKind(se)
		return &connectors.Error{
			Kind:       kind,
			Op:         op,
			Key:        key,
			Status:     se.StatusCode,
			Code:       serviceCode(se),
			RetryAfter: connectors.RetryAfter(se.Headers.Get("Retry-After"), time.Now()),
			Err:        &serviceError{se},
		}
	}
	return &connectors.Error{Kind: otherKind(err), Op: op, Key: key, Err: err}
}

// serviceCode is the OSS error code, or "" when the answer carried none
// (a HEAD has no body; the SDK then says "BadErrorResponse").
func serviceCode(se *oss.ServiceError) string {
	if se.Code == "BadErrorResponse" {
		return ""
	}
	return se.Code
}

// ecSigningRegion is the fine-grained error code OSS gives a request signed
// for another region than the endpoint's.
const ecSigningRegion = "0002-00000226"

// serviceKind sorts an answer of the service: first by its error code,
// which is exact, then by the HTTP status.
func serviceKind(se *oss.ServiceError) connectors.Kind {
	code := serviceCode(se)
	switch code {
	case "InvalidAccessKeyId":
		return connectors.KindBadKeyID
	case "SignatureDoesNotMatch":
		return connectors.KindBadSecret
	case "NoSuchBucket":
		return connectors.KindNoSuchBucket
	case "NoSuchKey", "NoSuchUpload":
		return connectors.KindNotFound
	case "InvalidObjectState":
		return connectors.KindInvalidState
	case "AccessDenied":
		// OSS answers a request for a bucket of another region with
		// AccessDenied naming the endpoint the bucket must be reached at.
		if otherEndpoint(se.Snapshot) {
			return connectors.KindNoSuchBucket
		}
		return connectors.KindAccessDenied
	case "InvalidArgument":
		// Signed for a region other than the endpoint's: OSS's
		// "Invalid signing region" (EC 0002-00000226).
		if se.EC == ecSigningRegion {
			return connectors.KindNoSuchBucket
		}
		return connectors.KindInvalidArgument
	case "InvalidPart", "InvalidPartOrder", "EntityTooSmall", "EntityTooLarge",
		"InvalidDigest", "BadDigest", "InvalidObjectName", "InvalidRange",
		"MalformedXML", "KeyTooLong", "RequestTimeTooSkewed":
		return connectors.KindInvalidArgument
	case "RequestTimeout":
		// 400 on OSS: the connection went quiet in the middle of a body.
		return connectors.KindTimeout
	case "IncompleteBody":
		// Fewer bytes arrived than Content-Length said: a dropped connection.
		return connectors.KindTransient
	case "ServiceUnavailable", "SlowDown", "RequestLimitExceeded", "TooManyRequests":
		return connectors.KindThrottled
	}
	if strings.Contains(code, "Qps") || strings.Contains(code, "Throttl") ||
		strings.HasSuffix(code, "RateLimitExceeded") {
		return connectors.KindThrottled
	}
	switch s := se.StatusCode; {
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		return connectors.KindThrottled
	case s == http.StatusForbidden:
		return connectors.KindAccessDenied
	case s == http.StatusNotFound:
		return connectors.KindNotFound
	case s == http.StatusRequestTimeout:
		return connectors.KindTimeout
	case s >= 500:
		return connectors.KindTransient
	case s >= 400:
		return connectors.KindInvalidArgument
	}
	return connectors.KindUnknown
}

// otherEndpoint reports whether an error body names the endpoint the
// bucket must be addressed at, which is how OSS says "wrong region".
func otherEndpoint(body []byte) bool {
	if len(body) == 0 || !bytes.Contains(body, []byte("<Endpoint>")) {
		return false
	}
	var e struct {
		Endpoint string `xml:"Endpoint"`
	}
	return xml.Unmarshal(body, &e) == nil && e.Endpoint != ""
}

// otherKind sorts errors met outside the service's answers.
func otherKind(err error) connectors.Kind {
	var (
		pe    oss.InvalidParamError
		short errShortBody
	)
	switch {
	case errors.As(err, &pe):
		return connectors.KindInvalidArgument
	case errors.As(err, &short):
		return connectors.KindChanged
	case errors.Is(err, io.ErrUnexpectedEOF):
		// a body cut short: the connection dropped mid-transfer
		return connectors.KindTransient
	}
	return connectors.Classify(err)
}

// serviceError gives an OSS error answer a one-line message. The SDK's
// own message spans lines and repeats the request URL; this one keeps what
// an operator needs: code, status, message and the request ID to quote to
// support. OSS never echoes a secret, so nothing here can hold one.
type serviceError struct{ se *oss.ServiceError }

func (e *serviceError) Error() string {
	code := e.se.Code
	if code == "BadErrorResponse" {
		code = http.StatusText(e.se.StatusCode)
	}
	s := fmt.Sprintf("%s (HTTP %d", code, e.se.StatusCode)
	if e.se.RequestID != "" {
		s += ", request " + e.se.RequestID
	}
	s += ")"
	if msg := strings.TrimSpace(e.se.Message); msg != "" && e.se.Code != "BadErrorResponse" {
		s += ": " + msg
	}
	return s
}

func (e *serviceError) Unwrap() error { return e.se }

// errShortBody is a source that ended before the size it was put with.
type errShortBody struct{ got, want int64 }

func (e errShortBody) Error() string {
	return fmt.Sprintf("the source ended after %d of %d bytes", e.got, e.want)
}

// unsupportedName refuses a key before anything is sent.
func unsupportedName(op, key, why string) error {
	return &connectors.Error{Kind: connectors.KindUnsupportedName, Op: op, Key: key, Err: errors.New(why)}
}
