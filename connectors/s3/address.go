package s3

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an s3 address.
var Backend = connectors.Backend{
	Type:     "s3",
	Open:     New,
	Validate: validate,
	Code:     code,
	Root:     addrcheck.BucketRoot,
	Restore:  true,
}

// bucketRE is the bucket naming rule of the known providers (not
// "other": a gateway may take more), checked so a typo is reported with
// its line before any request.
var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// validate applies the provider preset (endpoint and region from it,
// its bucket rule), then checks the fields every S3 address needs.
func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	if a.Provider != "" {
		if preset, ok := Presets[strings.ToLower(a.Provider)]; !ok {
			ps.Add(codes.BadParameters, "provider", fmt.Sprintf("%q is not one of %s", a.Provider, ProviderNames))
		} else {
			a.Provider = preset.Name
			if a.Region == "" {
				a.Region = preset.DefaultRegion
			}
			if a.Endpoint == "" {
				a.Endpoint = preset.EndpointFor(a.Region)
			}
			if preset.Name != "other" && a.Bucket != "" && !bucketRE.MatchString(a.Bucket) {
				ps.Add(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: 3-63 lower-case letters, digits, dots and hyphens", a.Bucket))
			}
		}
	}
	ps.AccessKey(codes.BadParameters, a)
	if a.Region == "" {
		a.Region = defaultRegion
	}
	return ps
}

// code gives the source codes the catalogue has for the bos and ks3
// presets; a destination, and every other provider, gets the generic
// ones.
func code(side connectors.Side, a connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	k := connectors.KindOf(err)
	switch strings.ToLower(a.Provider) {
	case "bos":
		if k == connectors.KindNoSuchBucket {
			return codes.SourceAddrEndpointBucketNotMatchOrNoSuchBucket
		}
	case "ks3":
		switch k {
		case connectors.KindBadSecret, connectors.KindBadEndpoint:
			return codes.SourceAddrEndpointOrSkInvalid
		case connectors.KindBadKeyID, connectors.KindAccessDenied:
			return codes.SourceAddrAccessKeyOrPermissionInvalid
		}
	}
	return ""
}
