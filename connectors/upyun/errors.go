package upyun

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// serviceError is an error answer of UPYUN's API in one line: its code,
// the HTTP status, the request ID to quote to support, the message. A
// HEAD answer has no body: then only the status is known.
type serviceError struct {
	Msg    string `json:"msg"`
	Code   int    `json:"code"`
	ID     string `json:"id"`
	status int
}

func (e *serviceError) Error() string {
	s := fmt.Sprintf("UPYUN HTTP %d", e.status)
	if e.Code != 0 {
		s = fmt.Sprintf("UPYUN %d (HTTP %d", e.Code, e.status)
		if e.ID != "" {
			s += ", request " + e.ID
		}
		s += ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// answerError classifies an unsuccessful answer of the API by UPYUN's error
// code (its JSON body, {"msg", "code", "id"}), else by the status. It
// reads and closes the body.
func answerError(op, key string, resp *http.Response) error {
	defer resp.Body.Close()
	se := &serviceError{status: resp.StatusCode}
	if body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10)); err == nil {
		_ = json.Unmarshal(body, se) // not JSON: the status tells enough
	}
	e := &connectors.Error{
		Kind:       kindOf(resp.StatusCode, se.Code),
		Op:         op,
		Key:        key,
		Status:     resp.StatusCode,
		RetryAfter: connectors.RetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Err:        se,
	}
	if se.Code != 0 {
		e.Code = strconv.Itoa(se.Code)
	}
	if se.Code == 40300015 { // path is not a file, maybe a directory
		e.Err = fmt.Errorf("%w: %w", connectors.ErrIsFolder, se)
	}
	return e
}

// kindOf sorts an answer by UPYUN's error code, then by its status (a HEAD
// answer carries no code).
func kindOf(status, code int) connectors.Kind {
	switch code {
	case 40100005, 40100009: // signature error, user password error
		return connectors.KindBadSecret
	case 40100006: // user not exists
		return connectors.KindBadKeyID
	case 40100010, 40100012, 40100014: // account not exist, bucket not exist, bucket removed
		return connectors.KindNoSuchBucket
	case 40100001, 40100002, 40100003, 40100004, 40100016, 40300006, 40300028:
		// Date missing, off by more than 30 minutes or malformed; the
		// Authorization missing or of another realm; the signature
		// expired: the request is wrong, and so would be its retries.
		return connectors.KindInvalidArgument
	case 40001021, 40300001, 40300002, 40300003: // invalid utf8 key, invalid chars, path or name too long
		return connectors.KindUnsupportedName
	case 40300015: // path is not a file, maybe a directory
		return connectors.KindNotFound
	}
	switch {
	case status == http.StatusUnauthorized:
		// Blocked operators, services and accounts, missing permission;
		// and any refusal of a HEAD, whose answer has no code.
		return connectors.KindAccessDenied
	case status == http.StatusNotAcceptable:
		return connectors.KindInvalidArgument
	case status == http.StatusServiceUnavailable:
		return connectors.KindTransient // UPYUN's "system error" answers; its limits answer 429
	}
	return connectors.HTTPKind(status)
}

// cdnError marks an error of the CDN domain (not of the API): the address
// check reports it as SourceAddrCdnInvalid.
type cdnError struct {
	host string
	err  error
}

func (e *cdnError) Error() string { return "CDN " + e.host + ": " + e.err.Error() }
func (e *cdnError) Unwrap() error { return e.err }

func unsupported(op, key string) error {
	return &connectors.Error{Kind: connectors.KindUnsupported, Op: op, Key: key,
		Err: errors.New("an UPYUN address is a read-only source")}
}
