package httplist

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// Reason says what is wrong with a list; the agent maps each to its
// catalogue code.
type Reason uint8

const (
	BadFormat     Reason = iota + 1 // a line or file that does not follow the format (SourceAddrBadHttpListFormat)
	NotExist                        // the list file, or a file a manifest names, does not exist (SourceAddrListFilePathNotExist)
	InvalidPath                     // the list's path or URL is malformed, or names a folder (SourceAddrListFilePathInvalid)
	CannotConnect                   // a URL is not a usable http(s) URL, or its server cannot be reached (SourceAddrCannotConnectUrl)
)

var reasonKinds = map[Reason]connectors.Kind{
	BadFormat:     connectors.KindInvalidArgument,
	NotExist:      connectors.KindNotFound,
	InvalidPath:   connectors.KindInvalidArgument,
	CannotConnect: connectors.KindBadEndpoint,
}

// ListFileError is a problem of the list itself, with where it was found:
// the file ("" for the list named by the address) and the 1-based line
// (0 when it is about the whole file).
type ListFileError struct {
	Reason Reason
	File   string
	Line   int
	Msg    string
}

func (e *ListFileError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("list file")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, " line %d", e.Line)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

// classified wraps a ListFileError with the kind of its reason.
func classified(op string, e *ListFileError) error {
	return &connectors.Error{Kind: reasonKinds[e.Reason], Op: op, Err: e}
}

// ReasonOf returns the reason of a list problem, 0 if err is none.
func ReasonOf(err error) Reason {
	var le *ListFileError
	if errors.As(err, &le) {
		return le.Reason
	}
	return 0
}

// display is a URL as errors show it: without user info or query, which
// may hold a password or a presigned URL's signature.
func display(u *url.URL) string {
	c := *u
	c.User, c.RawQuery, c.ForceQuery, c.Fragment = nil, "", false, ""
	return c.String()
}

// transportError keeps net/http's error but drops the full URL it names.
func transportError(u *url.URL, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		c := *ue
		c.URL = display(u)
		return &c
	}
	return err
}

// statusError is an HTTP answer other than success.
type statusError struct {
	method, url string
	status      int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d %s", e.method, e.url, e.status, http.StatusText(e.status))
}

// httpError classifies an unsuccessful answer.
func httpError(op, key string, req *http.Request, resp *http.Response) error {
	e := &connectors.Error{
		Kind:   connectors.HTTPKind(resp.StatusCode),
		Op:     op,
		Key:    key,
		Status: resp.StatusCode,
		Err:    &statusError{method: req.Method, url: display(req.URL), status: resp.StatusCode},
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		// Redirects are not followed: they could lead anywhere.
		e.Kind = connectors.KindInvalidArgument
	case resp.StatusCode == http.StatusGone:
		e.Kind = connectors.KindNotFound
	}
	e.RetryAfter = connectors.RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	return e
}

func unsupported(op, key string) error {
	return &connectors.Error{Kind: connectors.KindUnsupported, Op: op, Key: key,
		Err: errors.New("an HTTP list is a read-only source")}
}
