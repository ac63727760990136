package httplist

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an httplist address: a source
// only, with the catalogue's HTTP/HTTPS list codes.
//
// Its Root is that of an address in a bucket, which for a list (no
// endpoint, bucket or prefix) is the same for every list: two lists are
// taken to overlap, as the agent has always judged them. A list is never
// a destination anyway (SourceOnly).
var Backend = connectors.Backend{
	Type:       "httplist",
	Open:       func(_ context.Context, a connectors.Address) (connectors.Bucket, error) { return New(a) },
	Validate:   validate,
	Code:       code,
	Root:       addrcheck.BucketRoot,
	SourceOnly: true,
}

// validate checks the form of list_file (without opening it) and makes a
// local list's path absolute against the config's folder; list_format
// must be one of Formats.
func validate(a *connectors.Address, base string) []connectors.Problem {
	var ps addrcheck.Problems
	switch {
	case a.ListFile == "":
		ps.Add(codes.SourceAddrListFilePathInvalid, "list_file", "required for type httplist")
	case ValidLocation(a.ListFile) != nil:
		ps.Add(codes.SourceAddrListFilePathInvalid, "list_file", ValidLocation(a.ListFile).Error())
	case !strings.Contains(a.ListFile, "://"):
		a.ListFile = connectors.AbsPath(base, a.ListFile)
	}
	if a.ListFormat != "" && !slices.Contains(Formats, a.ListFormat) {
		ps.Add(codes.BadParameters, "list_format", fmt.Sprintf("%q is not one of %s", a.ListFormat, strings.Join(Formats, ", ")))
	}
	return ps
}

// code maps a problem of the list (its Reason) to its catalogue code, on
// either side; other errors get the generic codes.
func code(side connectors.Side, _ connectors.Address, err error) string {
	switch ReasonOf(err) {
	case BadFormat:
		return codes.SourceAddrBadHttpListFormat
	case NotExist:
		return codes.SourceAddrListFilePathNotExist
	case InvalidPath:
		return codes.SourceAddrListFilePathInvalid
	case CannotConnect:
		// A URL list is only ever a source (the config refuses it as a
		// destination), so the catalogue's DestAddrCannotConnectUrl has no
		// situation in mgw.
		return codes.SourceAddrCannotConnectUrl
	}
	return ""
}
