package osstest

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// ossError is an error answer as OSS sends it: an HTTP status, a Code, a
// Message and, where the OSS documentation names one, a fine-grained error
// code (EC). The EC goes both into the body and into the x-oss-ec header
// ("Error responses", OSS API reference). Where no EC is documented for a
// case, none is sent rather than one made up.
type ossError struct {
	status int
	code   string
	msg    string
	ec     string
	extra  []field // further elements OSS adds for this error (BucketName, Key, UploadId...)
}

type field struct{ name, value string }

func (e *ossError) Error() string { return e.code + ": " + e.msg }

func (e *ossError) with(name, value string) *ossError {
	c := *e
	c.extra = append(append([]field(nil), e.extra...), field{name, value})
	return &c
}

// body renders the XML error document of the OSS error response.
func (e *ossError) body(requestID, hostID string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<Error>\n")
	elem(&b, "Code", e.code)
	elem(&b, "Message", e.msg)
	elem(&b, "RequestId", requestID)
	elem(&b, "HostId", hostID)
	for _, f := range e.extra {
		elem(&b, f.name, f.value)
	}
	if e.ec != "" {
		elem(&b, "EC", e.ec)
		elem(&b, "RecommendDoc", "https://api.aliyun.com/troubleshoot?q="+e.ec)
	}
	b.WriteString("</Error>\n")
	return []byte(b.String())
}

func elem(b *strings.Builder, name, value string) {
	b.WriteString("  <" + name + ">")
	b.WriteString(xmlEscape(value))
	b.WriteString("</" + name + ">\n")
}

// writeError answers the request with e. A HEAD answer has no body, so, as
// OSS does, the XML document travels base64-encoded in x-oss-err (the SDK
// decodes it from there: tryConvertServiceError in client.go).
func writeError(w http.ResponseWriter, r *http.Request, requestID string, e *ossError) {
	body := e.body(requestID, r.Host)
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	if e.ec != "" {
		h.Set("x-oss-ec", e.ec)
	}
	if r.Method == http.MethodHead {
		h.Set("x-oss-err", base64.StdEncoding.EncodeToString(body))
		w.WriteHeader(e.status)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// The errors below carry the codes, messages and ECs of the OSS
// documentation: the error code pages (help.aliyun.com/.../<EC>) and the
// per-status pages (400, 403, 404, 416 errors).
var (
	errNoSuchBucket = &ossError{status: 404, code: "NoSuchBucket",
		msg: "The specified bucket does not exist.", ec: "0015-00000101"}
	errNoSuchKey = &ossError{status: 404, code: "NoSuchKey",
		msg: "The specified key does not exist.", ec: "0026-00000001"}
	errAnonymous = &ossError{status: 403, code: "AccessDenied",
		msg: "You have no right to access this object because of bucket acl.", ec: "0003-00000001"}
	errDenied = &ossError{status: 403, code: "AccessDenied",
		msg: "You have no right to access this object."}
	errBadKeyID = &ossError{status: 403, code: "InvalidAccessKeyId",
		msg: "The OSS Access Key Id you provided does not exist in our records.", ec: "0002-00000902"}
	errSTSKeyID = &ossError{status: 403, code: "InvalidAccessKeyId",
		msg: "The OSS Access Key Id you provided does not exist in our records.", ec: "0002-00000002"}
	errSignatureV4 = &ossError{status: 403, code: "SignatureDoesNotMatch",
		msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000201"}
	errSignatureV1 = &ossError{status: 403, code: "SignatureDoesNotMatch",
		msg: "The request signature we calculated does not match the signature you provided. Check your key and signing method.", ec: "0002-00000040"}
	errSkewed = &ossError{status: 403, code: "RequestTimeTooSkewed",
		msg: "The difference between the request time and the current time is too large.", ec: "0002-00000504"}
	errBadDate = &ossError{status: 403, code: "AccessDenied",
		msg: "OSS authentication requires a valid Date.", ec: "0002-00000505"}
	errAuthMalformed = &ossError{status: 400, code: "InvalidArgument",
		msg: "Authorization header is invalid.", ec: "0002-00000203"}
	errCredential = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid credential in Authorization header.", ec: "0002-00000213"}
	errSignRegion = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid signing region in Authorization header.", ec: "0002-00000226"}
	errSignProduct = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid signing product in Authorization header.", ec: "0002-00000227"}
	errSignDate = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid signing date in Authorization header."}
	errContentSHA = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid x-oss-content-sha256 header, it must be UNSIGNED-PAYLOAD.", ec: "0002-00000214"}
	errNameEmpty = &ossError{status: 400, code: "InvalidObjectName",
		msg: "The Object name can not be empty", ec: "0016-00000001"}
	errNameUTF8 = &ossError{status: 400, code: "InvalidObjectName",
		msg: "The specified object is not valid.", ec: "0016-00000002"}
	errNameLong = &ossError{status: 400, code: "InvalidObjectName",
		msg: "The Length of Object name must be less than 1024", ec: "0016-00000003"}
	errNameSlash = &ossError{status: 400, code: "InvalidObjectName",
		msg: "The specified object is not valid.", ec: "0016-00000005"}
	errDigestMalformed = &ossError{status: 400, code: "InvalidDigest",
		msg: "The Content-MD5 you specified was invalid.", ec: "0017-00000502"}
	errDigestMismatch = &ossError{status: 400, code: "InvalidDigest",
		msg: "The Content-MD5 you specified was invalid.", ec: "0017-00000503"}
	errNoSuchUpload = &ossError{status: 404, code: "NoSuchUpload",
		msg: "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.", ec: "0017-00000244"}
	errPartNumber = &ossError{status: 400, code: "InvalidArgument",
		msg: "Part number must be an integer between 1 and 10000, inclusive.", ec: "0017-00000220"}
	errPartMissing = &ossError{status: 400, code: "InvalidArgument",
		msg: "Unexpected query string parameter", ec: "0017-00000219"}
	errInvalidPart = &ossError{status: 400, code: "InvalidPart",
		msg: "One or more of the specified parts could not be found or the specified entity tag might not have matched the part's entity tag."}
	errPartOrder = &ossError{status: 400, code: "InvalidPartOrder",
		msg: "The list of parts was not in ascending order. Parts list must specified in order by part number.", ec: "0042-00000209"}
	errTooSmall = &ossError{status: 400, code: "EntityTooSmall",
		msg: "Your proposed upload is smaller than the minimum allowed size.", ec: "0042-00000213"}
	errMalformedXML = &ossError{status: 400, code: "MalformedXML",
		msg: "The XML you provided was not well-formed or did not validate against our published schema.", ec: "0031-00000001"}
	errObjectState = &ossError{status: 403, code: "InvalidObjectState",
		msg: "The operation is not valid for the object's state"}
	errRestoring = &ossError{status: 409, code: "RestoreAlreadyInProgress",
		msg: "The restore operation is in progress.", ec: "0016-00000701"}
	errNotArchived = &ossError{status: 400, code: "OperationNotSupported",
		msg: "The operation is not supported for this resource"}
	errRestoreDays = &ossError{status: 400, code: "InvalidArgument",
		msg: "The Days element is out of the range the storage class allows."}
	errRestoreTier = &ossError{status: 400, code: "InvalidArgument",
		msg: "The Tier element is invalid for the storage class.", ec: "0016-00000703"}
	errRange = &ossError{status: 416, code: "InvalidRange",
		msg: "The requested range cannot be satisfied"}
	errMaxKeys = &ossError{status: 400, code: "InvalidArgument",
		msg: "Argument max-keys must be an integer between 1 and 1000."}
	errMaxParts = &ossError{status: 400, code: "InvalidArgument",
		msg: "Argument max-parts must be an integer between 1 and 1000."}
	errStorageClass = &ossError{status: 400, code: "InvalidArgument",
		msg: "Invalid storage class."}
	errMetaSize = &ossError{status: 400, code: "InvalidArgument",
		msg: "The user metadata exceeds the 8 KB size limit.", ec: "0011-00000002"}
	errMetaName = &ossError{status: 400, code: "InvalidArgument",
		msg: "The key of a user metadata header contains invalid characters.", ec: "0011-00000004"}
	errMetaValue = &ossError{status: 400, code: "InvalidArgument",
		msg: "A user metadata header value contains characters OSS does not support.", ec: "0011-00000005"}
	errExists = &ossError{status: 409, code: "FileAlreadyExists",
		msg: "The object you specified already exists and can not be overwritten."}
	errIncomplete = &ossError{status: 400, code: "IncompleteBody",
		msg: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	errNotImplemented = &ossError{status: 501, code: "NotImplemented",
		msg: "This operation is not implemented by the OSS test server."}
)

// injected builds the error a test asked for with FailNext.
func injected(status int, code string) *ossError {
	msg := "Injected by the test."
	switch code {
	case "ServiceUnavailable":
		msg = "Please reduce your request rate."
	case "InternalError":
		msg = "We encountered an internal error. Please try again."
	case "RequestTimeout":
		msg = "Your socket connection to the server was not read from or written to within the timeout period."
	}
	return &ossError{status: status, code: code, msg: msg}
}

// ossError turns err into OSS's answer: the skeleton's errors become the
// documented codes, with the elements OSS adds about the request.
func (rq *request) ossError(err error) *ossError {
	var oe *ossError
	var inj *testserver.Injected
	var pe *testserver.PartError
	switch {
	case errors.As(err, &oe):
		return oe
	case errors.As(err, &inj):
		return injected(inj.Status, inj.Code)
	case errors.As(err, &pe) && pe.Err == testserver.ErrTooSmall:
		return errTooSmall.
			with("MinSizeAllowed", strconv.Itoa(pe.Min)).
			with("ProposedSize", strconv.Itoa(pe.Size)).
			with("PartNumber", strconv.Itoa(pe.PartNumber))
	case errors.As(err, &pe):
		return errInvalidPart.
			with("ETag", pe.ETag).
			with("PartNumber", strconv.Itoa(pe.PartNumber)).
			with("UploadId", rq.Query.Get("uploadId"))
	}
	switch err {
	case testserver.ErrNoSuchBucket:
		return errNoSuchBucket.with("BucketName", rq.Bucket)
	case testserver.ErrNoSuchKey:
		return errNoSuchKey.with("Key", rq.Key)
	case testserver.ErrNoSuchUpload:
		return errNoSuchUpload.with("UploadId", rq.Query.Get("uploadId"))
	case testserver.ErrDenied:
		return errDenied
	case testserver.ErrExists:
		return errExists
	case testserver.ErrNoParts:
		return errMalformedXML
	case testserver.ErrPartOrder:
		return errPartOrder
	case testserver.ErrRestoreInProgress:
		return errRestoring
	case testserver.ErrRange:
		return errRange
	case testserver.ErrBadMD5:
		return errDigestMalformed // EC 0017-00000502
	case testserver.ErrMD5Mismatch:
		return errDigestMismatch // "PutObject": OSS computes the MD5 of what it received, EC 0017-00000503
	case testserver.ErrIncomplete:
		return errIncomplete
	}
	// Left: a body that could not be read, which OSS answers as a
	// connection that stalled.
	return &ossError{status: 400, code: "RequestTimeout", msg: err.Error()}
}

// xmlEscape escapes text for an XML element. Characters XML 1.0 cannot
// carry become U+FFFD, which is why listings offer encoding-type=url.
// Quotes stay as they are, as OSS writes them in ETag elements.
func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return quoteUnescaper.Replace(b.String())
}

var quoteUnescaper = strings.NewReplacer("&#34;", `"`, "&#39;", "'")
