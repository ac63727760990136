package cos

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of a cos address. COS problems get
// COS's own catalogue codes (SourceAppIdInvalid, SourceAddrRegionInvalid,
// SourceAddrSecretIdInvalid, SourceFolderPathInvalid).
var Backend = connectors.Backend{
	Type:     "cos",
	Open:     New,
	Validate: validate,
	Code:     code,
	Root:     addrcheck.BucketRoot,
	Restore:  true,
}

// validate checks the bucket (<name>-<appid>), the region (given, or
// named by the endpoint), the SecretId/SecretKey pair and the prefix,
// and copies the pair into AccessKeyID/AccessKeySecret, which New uses.
func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	switch {
	case a.Bucket == "":
		ps.Add(codes.SourceAddrBucketInvalid, "bucket", "required for type cos: <name>-<appid>")
	case !hasAppID(a.Bucket):
		ps.Add(codes.SourceAppIdInvalid, "bucket", fmt.Sprintf("%q does not end in -<appid> (the account's APPID, digits)", a.Bucket))
	case !BucketRE.MatchString(a.Bucket):
		ps.Add(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: lower-case letters, digits and hyphens, at most 50 before -<appid>", a.Bucket))
	}
	if a.Region == "" {
		a.Region = endpointRegion(a.Endpoint)
	}
	switch {
	case a.Region == "":
		ps.Add(codes.SourceAddrRegionInvalid, "region", "required for type cos (or an endpoint naming it), e.g. ap-guangzhou")
	case !RegionRE.MatchString(a.Region):
		ps.Add(codes.SourceAddrRegionInvalid, "region", fmt.Sprintf("%q is not a COS region such as ap-guangzhou", a.Region))
	}
	if a.SecretID == "" {
		ps.Add(codes.SourceAddrSecretIdInvalid, "secret_id", "required for type cos")
	}
	switch {
	case a.SecretKeyFile != "":
		a.SecretKey = ps.Secret("secret_key_file", "secret", a.SecretKeyFile)
	case a.SecretKey == "":
		ps.Add(codes.SourceAddrSecretIdInvalid, "secret_key", "secret_key or secret_key_file is required for type cos")
	}
	if msg := prefixProblem(a.Prefix); msg != "" {
		ps.Add(codes.SourceFolderPathInvalid, "prefix", msg)
	}
	if a.Endpoint != "" {
		a.Endpoint = addrcheck.HTTPS(a.Endpoint)
	}
	a.Prefix = addrcheck.SlashEnd(a.Prefix)
	a.AccessKeyID, a.AccessKeySecret = a.SecretID, a.SecretKey
	return ps
}

// endpointRegion is the region a COS endpoint names
// (cos.<region>.myqcloud.com, cos-internal.<region>.tencentcos.cn...), or "".
func endpointRegion(endpoint string) string {
	host := endpoint
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	if m := endpointRE.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

var endpointRE = regexp.MustCompile(`(?:^|\.)cos(?:-internal)?\.([a-z]+(?:-[a-z]+)+(?:-[0-9]+)?)\.(?:myqcloud\.com|tencentcos\.cn)(?::[0-9]+)?$`)

// hasAppID tells whether a bucket name ends in -<appid>: a name without
// one is the catalogue's SourceAppIdInvalid, not a bad name.
func hasAppID(bucket string) bool {
	i := strings.LastIndexByte(bucket, '-')
	if i <= 0 || i == len(bucket)-1 {
		return false
	}
	for _, c := range bucket[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// prefixProblem says why COS cannot hold keys under prefix: COS keys are
// UTF-8 without control characters, at most 850 bytes.
func prefixProblem(prefix string) string {
	if msg := addrcheck.PrefixProblem(prefix); msg != "" {
		return msg
	}
	if len(prefix) >= 850 {
		return "the prefix is longer than a COS key may be"
	}
	return ""
}

// code gives COS's own source codes: one for either half of the key
// pair, and the prefix for a name COS refuses.
func code(side connectors.Side, _ connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	switch connectors.KindOf(err) {
	case connectors.KindBadKeyID, connectors.KindBadSecret:
		return codes.SourceAddrSecretIdInvalid
	case connectors.KindUnsupportedName:
		return codes.SourceFolderPathInvalid
	}
	return ""
}
