package gcs

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of a gcs address.
var Backend = connectors.Backend{
	Type:     "gcs",
	Open:     openKeyFile,
	Validate: validate,
	Code:     code,
	Root:     addrcheck.BucketRoot,
}

// bucketRE is GCS's bucket naming rule (names starting "goog" are
// refused as well), checked so a typo is reported before any request.
var bucketRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)

// openKeyFile opens the address with its key file's content: validation
// reads it, and openKeyFile does for an address never validated.
func openKeyFile(ctx context.Context, a connectors.Address) (connectors.Bucket, error) {
	if a.KeyJSON == nil && a.KeyFile != "" {
		a.KeyJSON, _ = os.ReadFile(a.KeyFile) // New tells what is wrong with no key
	}
	return New(ctx, a)
}

// validate checks the bucket name, reads and checks the key file (its
// path relative to the config's folder) into KeyJSON, makes the endpoint
// a URL and drops the prefix's leading slashes.
func validate(a *connectors.Address, base string) []connectors.Problem {
	var ps addrcheck.Problems
	switch {
	case a.Bucket == "":
		ps.Add(codes.BadParameters, "bucket", "required for type gcs")
	case !bucketRE.MatchString(a.Bucket) || strings.HasPrefix(a.Bucket, "goog"):
		ps.Add(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: 3-222 lower-case letters, digits, dots, hyphens and underscores", a.Bucket))
	}
	if a.KeyFile == "" {
		ps.Add(codes.BadParameters, "key_file", "required for type gcs: the service account's JSON key file")
	} else {
		a.KeyFile = connectors.AbsPath(base, a.KeyFile)
		if data, ok := ps.ReadFile("key_file", "key", a.KeyFile); ok {
			if _, err := ParseKeyFile(data); err != nil {
				ps.Add(codes.SourceBadPrivateKeyFileFormat, "key_file", err.Error())
			} else {
				a.KeyJSON = data
			}
		}
	}
	ps.Endpoint(a)
	a.Prefix = addrcheck.CleanPrefix(a.Prefix)
	return ps
}

// code gives the catalogue's GCS codes of a source: a destination, and
// what they do not cover, get the generic ones.
func code(side connectors.Side, _ connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	switch connectors.KindOf(err) {
	case connectors.KindBadKeyID: // the token endpoint refused the key (deleted key ID)
		return codes.SourcePrivateKeyIDInvalid
	case connectors.KindBadSecret: // the key file cannot be used at all
		return codes.SourceBadPrivateKeyFileFormat
	case connectors.KindNoSuchBucket, connectors.KindAccessDenied:
		return codes.SourceKeyFileBucketNotMatchedOrPermission
	}
	return ""
}
