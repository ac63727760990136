package upyun

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an upyun address: a source only,
// with the catalogue's YOUPAI codes.
var Backend = connectors.Backend{
	Type:       "upyun",
	Open:       func(_ context.Context, a connectors.Address) (connectors.Bucket, error) { return New(a) },
	Validate:   validate,
	Code:       code,
	Root:       root,
	SourceOnly: true,
}

// DefaultEndpoint is UPYUN's REST API host that picks the best line.
const DefaultEndpoint = "https://v0.api.upyun.com"

// Lines are the endpoint names UPYUN documents, by the network they serve.
var Lines = map[string]string{
	"auto":    DefaultEndpoint,
	"telecom": "https://v1.api.upyun.com",
	"unicom":  "https://v2.api.upyun.com",
	"mobile":  "https://v3.api.upyun.com",
}

// validate checks service, operator, password (or password_file, read
// here), prefix, endpoint (a line's name, or a URL) and cdn, and fills in
// the default endpoint.
func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	if msg := serviceProblem(a.Service); msg != "" {
		ps.Add(codes.SourceAddrServiceInvalid, "service", msg)
	}
	if a.Operator == "" {
		ps.Add(codes.SourceAddrUserDoesNotExist, "operator", "required for type upyun")
	}
	switch {
	case a.PasswordFile != "":
		a.Password = ps.Secret("password_file", "password", a.PasswordFile)
	case a.Password == "":
		ps.Add(codes.SourceAddrPasswordInvalid, "password", "password or password_file is required for type upyun")
	}
	// UPYUN's names are UTF-8, without \t, \r or \n.
	if msg := addrcheck.PrefixProblem(a.Prefix); msg != "" {
		ps.Add(codes.SourceAddrPathInvalid, "prefix", msg)
	}
	a.Prefix = addrcheck.CleanPrefix(a.Prefix)
	switch line, named := Lines[a.Endpoint]; {
	case a.Endpoint == "":
		a.Endpoint = DefaultEndpoint
	case named:
		a.Endpoint = line
	default:
		ps.Endpoint(a)
	}
	if a.CDN != "" {
		a.CDN = addrcheck.HTTPS(a.CDN)
		if u, err := url.Parse(a.CDN); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
			u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			ps.Add(codes.SourceAddrCdnInvalid, "cdn", "not a domain, or an http:// or https:// URL of a domain without a path")
		}
	}
	return ps
}

// serviceProblem says why name cannot be a service: it is one segment of
// every request's path.
func serviceProblem(name string) string {
	switch {
	case name == "":
		return "required for type upyun: the service (bucket) name"
	case name == "." || name == ".." || strings.ContainsAny(name, "/\\"):
		return fmt.Sprintf("%q is not a service name", name)
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f {
			return fmt.Sprintf("%q holds a space or a control character", name)
		}
	}
	return ""
}

// root is where an address's files live: the service and prefix, the same
// whichever line (endpoint) reaches them.
func root(a connectors.Address) string {
	return "upyun/" + url.PathEscape(a.Service) + "/" + a.Prefix
}

// code gives UPYUN's own codes: from UPYUN's error code where it answered
// one, else from the error's kind.
func code(side connectors.Side, _ connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	k := connectors.KindOf(err)
	var ce *cdnError
	if errors.As(err, &ce) && k != connectors.KindTimeout && k != connectors.KindThrottled {
		return codes.SourceAddrCdnInvalid
	}
	var e *connectors.Error
	if errors.As(err, &e) {
		if c := codeOf[e.Code]; c != "" {
			return c
		}
	}
	switch k {
	case connectors.KindBadKeyID:
		return codes.SourceAddrUserDoesNotExist
	case connectors.KindBadSecret:
		return codes.SourceAddrPasswordInvalid
	case connectors.KindNoSuchBucket:
		return codes.SourceAddrServiceInvalid
	case connectors.KindNotFound, connectors.KindNotDir, connectors.KindUnsupportedName:
		return codes.SourceAddrPathInvalid
	}
	return ""
}

// codeOf maps UPYUN's error codes (its "API 错误码表") to the catalogue's,
// where one says more than the error's kind.
var codeOf = map[string]string{
	"40100006": codes.SourceAddrUserDoesNotExist, // user not exists
	"40100007": codes.SourceAddrUserBlocked,      // user blocked
	"40100008": codes.SourceAddrUserBlocked,      // user blocked in this bucket
	"40100005": codes.SourceAddrPasswordInvalid,  // signature error: the password is the key
	"40100009": codes.SourceAddrPasswordInvalid,  // user password error
	"40100010": codes.SourceAddrServiceInvalid,   // account not exist
	"40100012": codes.SourceAddrServiceInvalid,   // bucket not exist
	"40100014": codes.SourceAddrServiceInvalid,   // bucket removed
	"40100011": codes.SourceAddrServiceBlocked,   // account blocked
	"40100013": codes.SourceAddrServiceBlocked,   // bucket blocked
	"40100018": codes.SourceAddrServiceBlocked,   // account inactivate
	"40100019": codes.SourceAddrServiceBlocked,   // account forbidden
	"40100020": codes.SourceAddrServiceBlocked,   // account reject
	"40100021": codes.SourceAddrServiceBlocked,   // overdue account
}
