package azblob

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an azblob address.
var Backend = connectors.Backend{
	Type:     "azblob",
	Open:     openContainer,
	Validate: validate,
	Code:     code,
	Root:     addrcheck.BucketRoot,
	Restore:  true,
}

// Naming rules Azure enforces, checked so a typo is reported with its
// line before any request.
var (
	accountRE   = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	containerRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) // and 3-63 long, or $root
)

// openContainer opens the container the address names: validation
// copies Container into Bucket, and so does openContainer for an address
// never validated.
func openContainer(ctx context.Context, a connectors.Address) (connectors.Bucket, error) {
	if a.Container != "" {
		a.Bucket = a.Container
	}
	return New(ctx, a)
}

// validate checks the container and that exactly one way to sign in is
// given, works out the blob endpoint (for Root and New) when the address
// does not give it, and drops the prefix's leading slashes.
func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	switch {
	case a.Container == "" && a.Bucket == "":
		ps.Add(codes.BadParameters, "container", "required for type azblob")
	case a.Container != "" && a.Bucket != "" && a.Container != a.Bucket:
		ps.Add(codes.BadParameters, "container", "give container or bucket, not both")
	case a.Container == "":
		a.Container = a.Bucket
	}
	if c := a.Container; c != "" && c != "$root" && (len(c) < 3 || len(c) > 63 || !containerRE.MatchString(c)) {
		ps.Add(codes.AzureSourceAddrContainerInvalid, "container",
			fmt.Sprintf("%q: 3-63 lower-case letters, digits and single hyphens, starting with a letter or digit", a.Container))
	}
	a.Bucket = a.Container
	validateCredentials(a, &ps)
	a.Prefix = addrcheck.CleanPrefix(a.Prefix)
	return ps
}

// validateCredentials checks the one way to sign in and fills in the
// account and endpoint it implies.
func validateCredentials(a *connectors.Address, ps *addrcheck.Problems) {
	ways := 0
	for _, v := range []string{a.ConnectionString, a.AccountKey, a.SAS} {
		if v != "" {
			ways++
		}
	}
	if ways != 1 {
		ps.Add(codes.AzureSourceConnStrAccountInvalid, "connection_string",
			"give exactly one of connection_string, account_key (with account) or sas_token")
		return
	}
	if a.ConnectionString != "" {
		cs, err := connectors.ParseAzureConnString(a.ConnectionString)
		if err != nil {
			ps.Add(codes.AzureSourceConnStrAccountInvalid, "connection_string", err.Error())
			return
		}
		if cs.AccountKey != "" {
			if _, err := base64.StdEncoding.DecodeString(cs.AccountKey); err != nil {
				ps.Add(codes.AzureSourceConnStrAccountInvalid, "connection_string", "AccountKey is not base64")
			}
		}
		a.Account = cs.AccountName
		if cs.BlobEndpoint != "" {
			a.Endpoint = cs.BlobEndpoint
		}
	}
	if a.Account != "" && !accountRE.MatchString(a.Account) {
		ps.Add(codes.AzureSourceConnStrAccountInvalid, "account", fmt.Sprintf("%q: 3-24 lower-case letters and digits", a.Account))
	}
	if a.AccountKey != "" {
		if a.Account == "" {
			ps.Add(codes.AzureSourceConnStrAccountInvalid, "account", "required with account_key")
		}
		if _, err := base64.StdEncoding.DecodeString(a.AccountKey); err != nil {
			ps.Add(codes.AzureSourceConnStrAccountInvalid, "account_key", "not base64, as the portal shows it")
		}
	}
	if a.SAS != "" {
		a.SAS = strings.TrimPrefix(a.SAS, "?")
		if q, err := url.ParseQuery(a.SAS); err != nil || q.Get("sig") == "" {
			ps.Add(codes.AzureSourceConnStrAccountInvalid, "sas_token", "not a SAS token (a query string with sig=)")
		}
		if a.Account == "" && a.Endpoint == "" {
			ps.Add(codes.AzureSourceConnStrAccountInvalid, "account", "a SAS token needs the account or the endpoint")
		}
	}
	if a.Endpoint == "" && a.Account != "" {
		a.Endpoint = "https://" + a.Account + ".blob.core.windows.net"
	}
	ps.Endpoint(a)
}

// code gives Azure's own source codes. The catalogue has them for
// sources only; a destination gets the generic ones.
func code(side connectors.Side, _ connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	switch connectors.KindOf(err) {
	// A wrong key or SAS, an account the service does not know (no such
	// host on Azure, ResourceNotFound on Azurite), or a connection string
	// that does not parse.
	case connectors.KindBadKeyID, connectors.KindBadSecret, connectors.KindBadEndpoint:
		return codes.AzureSourceConnStrAccountInvalid
	case connectors.KindNoSuchBucket:
		return codes.AzureSourceAddrContainerInvalid
	}
	return ""
}
