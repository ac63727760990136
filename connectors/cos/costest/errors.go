package costest

import (
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// cosError is an error answer as COS sends it ("Error codes", COS API
// reference): an HTTP status and an XML document with Code, Message,
// Resource, RequestId and TraceId.
type cosError struct {
	status int
	code   string
	msg    string
}

func (e *cosError) Error() string { return e.code + ": " + e.msg }

// writeError answers with e. A HEAD answer carries no body; COS then
// tells only the status (and x-cos-request-id), and so does this server.
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *cosError) {
	var b strings.Builder
	b.WriteString("<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n")
	elem(&b, "Code", e.code)
	elem(&b, "Message", e.msg)
	elem(&b, "Resource", r.Host+r.URL.Path)
	elem(&b, "RequestId", requestID)
	elem(&b, "TraceId", "OGVmYzZiMmQzYjA2OWNhODk0NTRkMTBiOWVmMDAxODc0OWRkZjk0ZDM1NmI1M2E2MTRlY2MzZDhmNmI5MWI1OQ==")
	b.WriteString("</Error>")
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if r.Method == http.MethodHead {
		w.WriteHeader(e.status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(e.status)
	_, _ = w.Write([]byte(b.String()))
}

func elem(b *strings.Builder, name, value string) {
	b.WriteString("\t<" + name + ">")
	_ = xml.EscapeText(b, []byte(value))
	b.WriteString("</" + name + ">\n")
}

// The codes, statuses and messages of COS's error code page.
var (
	errNoSuchBucket = &cosError{404, "NoSuchBucket", "The specified bucket does not exist."}
	errNoSuchKey    = &cosError{404, "NoSuchKey", "The specified key does not exist."}
	errNoSuchUpload = &cosError{404, "NoSuchUpload", "The specified multipart upload does not exist."}
	errBadKeyID     = &cosError{403, "InvalidAccessKeyId", "The Access Key Id you provided does not exist in our records."}
	errSignature    = &cosError{403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	errExpired      = &cosError{403, "AccessDenied", "Request has expired"}
	errNotYet       = &cosError{403, "AccessDenied", "Request has not yet started"}
	errAuthFormat   = &cosError{403, "AccessDenied", "Authorization format invalid"}
	errAlgorithm    = &cosError{400, "InvalidArgument", "q-sign-algorithm only supports sha1"}
	errHeaderList   = &cosError{403, "AccessDenied", "The header list in the signature names a header the request does not carry"}
	errAnonymous    = &cosError{403, "AccessDenied", "Access Denied."}
	errDenied       = &cosError{403, "AccessDenied", "Access Denied."}
	errBadDigest    = &cosError{400, "BadDigest", "The Content-MD5 you specified did not match what was received."}
	errInvalidMD5   = &cosError{400, "InvalidDigest", "The Content-MD5 you specified is not valid."}
	errIncomplete   = &cosError{400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	errKeyTooLong   = &cosError{400, "KeyTooLong", "Your key is too long."}
	errInvalidKey   = &cosError{400, "InvalidURI", "Couldn't parse the specified URI."}
	errObjectState  = &cosError{403, "InvalidObjectState", "The operation is not valid for the object's state"}
	errRestoring    = &cosError{409, "RestoreAlreadyInProgress", "Object restore is already in progress."}
	errNotArchived  = &cosError{405, "MethodNotAllowed", "The specified method is not allowed against this resource."}
	errMissingMD5   = &cosError{400, "MissingContentMD5", "Missing required header for this request: Content-MD5."}
	errRange        = &cosError{416, "InvalidRange", "The requested range is not satisfiable"}
	errInvalidPart  = &cosError{400, "InvalidPart", "One or more of the specified parts could not be found."}
	errPartOrder    = &cosError{400, "InvalidPartOrder", "The list of parts was not in ascending order."}
	errTooSmall     = &cosError{400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object size."}
	errMalformedXML = &cosError{400, "MalformedXML", "The XML you provided was not well-formed."}
	errArgument     = &cosError{400, "InvalidArgument", "Invalid argument."}
	errMetaTooLarge = &cosError{400, "MetadataTooLarge", "The size of metadata is larger than the required maximum size."}
	errNotImpl      = &cosError{501, "NotImplemented", "This operation is not implemented by the COS test server."}
)

// injected is the error a test asked for with FailNext.
func injected(status int, code string) *cosError {
	msg := "Injected by the test."
	switch code {
	case "SlowDown":
		msg = "Please reduce your request rate."
	case "InternalError":
		msg = "We encountered an internal error. Please try again."
	}
	return &cosError{status, code, msg}
}

// cosErr turns err into COS's answer: the skeleton's errors become the
// codes of COS's list.
func cosErr(err error) *cosError {
	var ce *cosError
	var inj *testserver.Injected
	switch {
	case errors.As(err, &ce):
		return ce
	case errors.As(err, &inj):
		return injected(inj.Status, inj.Code)
	case errors.Is(err, testserver.ErrTooSmall):
		return errTooSmall
	case errors.Is(err, testserver.ErrInvalidPart):
		return errInvalidPart
	}
	switch err {
	case testserver.ErrNoSuchBucket:
		return errNoSuchBucket
	case testserver.ErrNoSuchKey:
		return errNoSuchKey
	case testserver.ErrNoSuchUpload:
		return errNoSuchUpload
	case testserver.ErrDenied:
		return errDenied
	case testserver.ErrPartOrder:
		return errPartOrder
	case testserver.ErrRestoreInProgress:
		return errRestoring
	case testserver.ErrRange:
		return errRange
	case testserver.ErrNoParts:
		return errMalformedXML
	case testserver.ErrBadMD5:
		return errInvalidMD5
	case testserver.ErrMD5Mismatch:
		return errBadDigest
	}
	// Left: a body shorter than announced, or one that could not be read.
	return errIncomplete
}
