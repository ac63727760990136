package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/s3"
	"github.com/mgw-dev/mgw/state/codes"
)

// Naming rules the services enforce, checked here so a typo is reported
// with its line before any request.
var (
	azureAccountRE   = regexp.MustCompile(`^[a-z0-9]{3,24}$`)
	azureContainerRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) // and 3-63 long, or $root
	gcsBucketRE      = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$`)
	s3BucketRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
)

// validateCloudB checks azblob and gcs addresses whole, and applies an s3
// address's provider preset before the s3 checks of validateAddress run.
// It reports whether it handled the address whole.
func (p *parser) validateCloudB(a *AddressConfig, cfgPath string) bool {
	fail := func(code, field, detail string) {
		line, f := a.pos.at(field)
		p.fail(code, line, f, detail)
	}
	normPrefix := func() {
		a.Prefix = strings.TrimLeft(a.Prefix, "/")
		if a.Prefix != "" && !strings.HasSuffix(a.Prefix, "/") {
			a.Prefix += "/"
		}
	}
	switch a.Type {
	case "s3":
		if a.Provider == "" {
			return false
		}
		preset, ok := s3.Presets[strings.ToLower(a.Provider)]
		if !ok {
			fail(codes.BadParameters, "provider", fmt.Sprintf("%q is not one of %s", a.Provider, s3.ProviderNames))
			return false
		}
		a.Provider = preset.Name
		if a.Region == "" {
			a.Region = preset.DefaultRegion
		}
		if a.Endpoint == "" {
			a.Endpoint = preset.EndpointFor(a.Region)
		}
		if preset.Name != "other" && a.Bucket != "" && !s3BucketRE.MatchString(a.Bucket) {
			fail(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: 3-63 lower-case letters, digits, dots and hyphens", a.Bucket))
		}
		return false
	case "azblob":
		p.validateAzure(a, fail)
		normPrefix()
		return true
	case "gcs":
		if checkGCSKeyFile == nil {
			fail(codes.DataAddressInvalid, "type", errNoGCS.Error())
			return true
		}
		switch {
		case a.Bucket == "":
			fail(codes.BadParameters, "bucket", "required for type gcs")
		case !gcsBucketRE.MatchString(a.Bucket) || strings.HasPrefix(a.Bucket, "goog"):
			fail(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: 3-222 lower-case letters, digits, dots, hyphens and underscores", a.Bucket))
		}
		if a.KeyFile == "" {
			fail(codes.BadParameters, "key_file", "required for type gcs: the service account's JSON key file")
		} else {
			a.KeyFile = relativeTo(cfgPath, a.KeyFile)
			data, err := os.ReadFile(a.KeyFile)
			if err != nil {
				fail(codes.BadParameters, "key_file", "cannot read the key file: "+pathError(err))
			} else if err := checkGCSKeyFile(data); err != nil {
				fail(codes.SourceBadPrivateKeyFileFormat, "key_file", err.Error())
			} else {
				a.keyJSON = data
			}
		}
		p.validateEndpoint(a, fail)
		normPrefix()
		return true
	}
	return false
}

// validateAzure checks the container and that exactly one way to sign in
// is given, and works out the blob endpoint (for sameLocation and the
// connector) when the address does not give it.
func (p *parser) validateAzure(a *AddressConfig, fail func(code, field, detail string)) {
	switch {
	case a.Container == "" && a.Bucket == "":
		fail(codes.BadParameters, "container", "required for type azblob")
	case a.Container != "" && a.Bucket != "" && a.Container != a.Bucket:
		fail(codes.BadParameters, "container", "give container or bucket, not both")
	case a.Container == "":
		a.Container = a.Bucket
	}
	if c := a.Container; c != "" && c != "$root" && (len(c) < 3 || len(c) > 63 || !azureContainerRE.MatchString(c)) {
		fail(codes.AzureSourceAddrContainerInvalid, "container",
			fmt.Sprintf("%q: 3-63 lower-case letters, digits and single hyphens, starting with a letter or digit", a.Container))
	}
	a.Bucket = a.Container
	ways := 0
	for _, v := range []string{a.ConnectionString, a.AccountKey, a.SASToken} {
		if v != "" {
			ways++
		}
	}
	if ways != 1 {
		fail(codes.AzureSourceConnStrAccountInvalid, "connection_string",
			"give exactly one of connection_string, account_key (with account) or sas_token")
		return
	}
	if a.ConnectionString != "" {
		cs, err := connectors.ParseAzureConnString(a.ConnectionString)
		if err != nil {
			fail(codes.AzureSourceConnStrAccountInvalid, "connection_string", err.Error())
			return
		}
		if cs.AccountKey != "" {
			if _, err := base64.StdEncoding.DecodeString(cs.AccountKey); err != nil {
				fail(codes.AzureSourceConnStrAccountInvalid, "connection_string", "AccountKey is not base64")
			}
		}
		a.Account = cs.AccountName
		if cs.BlobEndpoint != "" {
			a.Endpoint = cs.BlobEndpoint
		}
	}
	if a.Account != "" && !azureAccountRE.MatchString(a.Account) {
		fail(codes.AzureSourceConnStrAccountInvalid, "account", fmt.Sprintf("%q: 3-24 lower-case letters and digits", a.Account))
	}
	if a.AccountKey != "" {
		if a.Account == "" {
			fail(codes.AzureSourceConnStrAccountInvalid, "account", "required with account_key")
		}
		if _, err := base64.StdEncoding.DecodeString(a.AccountKey); err != nil {
			fail(codes.AzureSourceConnStrAccountInvalid, "account_key", "not base64, as the portal shows it")
		}
	}
	if a.SASToken != "" {
		a.SASToken = strings.TrimPrefix(a.SASToken, "?")
		if q, err := url.ParseQuery(a.SASToken); err != nil || q.Get("sig") == "" {
			fail(codes.AzureSourceConnStrAccountInvalid, "sas_token", "not a SAS token (a query string with sig=)")
		}
		if a.Account == "" && a.Endpoint == "" {
			fail(codes.AzureSourceConnStrAccountInvalid, "account", "a SAS token needs the account or the endpoint")
		}
	}
	if a.Endpoint == "" && a.Account != "" {
		a.Endpoint = "https://" + a.Account + ".blob.core.windows.net"
	}
	p.validateEndpoint(a, fail)
}

// validateEndpoint makes a bare host an https URL and refuses the rest of
// what cannot be one.
func (p *parser) validateEndpoint(a *AddressConfig, fail func(code, field, detail string)) {
	if a.Endpoint == "" {
		return
	}
	if !strings.Contains(a.Endpoint, "://") {
		a.Endpoint = "https://" + a.Endpoint
	}
	u, err := url.Parse(a.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		// Not quoted: a URL may carry a password.
		fail(codes.SourceAddrEndpointInvalid, "endpoint", "not an http:// or https:// URL without credentials")
	}
}

// cloudBConnector copies the fields of the s3 preset, azblob and gcs into
// what the connector gets.
func (a *AddressConfig) cloudBConnector(ca *connectors.Address) {
	ca.Provider = a.Provider
	ca.ConnectionString = a.ConnectionString
	ca.Account = a.Account
	ca.AccountKey = a.AccountKey
	ca.SAS = a.SASToken
	ca.KeyFile = a.KeyFile
	ca.KeyJSON = a.keyJSON
	if a.Type == "azblob" && a.Container != "" {
		ca.Bucket = a.Container
	}
	if a.Type == "gcs" && ca.KeyJSON == nil && a.KeyFile != "" {
		// An address built without LoadConfig: read the file now.
		ca.KeyJSON, _ = os.ReadFile(a.KeyFile)
	}
}

// CodeType is the address type as AddressCode reads it: the type, and for
// s3 with a provider preset "s3:<provider>", since some providers have
// codes of their own.
func (a *AddressConfig) CodeType() string {
	if a.Type == "s3" && a.Provider != "" {
		return "s3:" + strings.ToLower(a.Provider)
	}
	return a.Type
}
