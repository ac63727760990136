package config

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors/cos"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/state/codes"
)

// validateCloudA checks the cos and httplist address types and reports
// whether a was one of them. COS problems get COS's own catalogue codes
// (SourceAppIdInvalid, SourceAddrRegionInvalid, SourceAddrSecretIdInvalid,
// SourceFolderPathInvalid); list problems the HTTP/HTTPS ones.
func (p *parser) validateCloudA(a *AddressConfig, cfgPath string) bool {
	fail := func(code, field, detail string) {
		line, f := a.pos.at(field)
		p.fail(code, line, f, detail)
	}
	switch a.Type {
	case "cos":
		validateCOS(a, fail)
	case "httplist":
		switch {
		case a.ListFile == "":
			fail(codes.SourceAddrListFilePathInvalid, "list_file", "required for type httplist")
		case httplist.ValidLocation(a.ListFile) != nil:
			fail(codes.SourceAddrListFilePathInvalid, "list_file", httplist.ValidLocation(a.ListFile).Error())
		case !strings.Contains(a.ListFile, "://"):
			a.ListFile = relativeTo(cfgPath, a.ListFile)
		}
		if a.ListFormat != "" && !contains(httplist.Formats, a.ListFormat) {
			fail(codes.BadParameters, "list_format", fmt.Sprintf("%q is not one of %s", a.ListFormat, strings.Join(httplist.Formats, ", ")))
		}
	default:
		return false
	}
	return true
}

func validateCOS(a *AddressConfig, fail func(code, field, detail string)) {
	switch {
	case a.Bucket == "":
		fail(codes.SourceAddrBucketInvalid, "bucket", "required for type cos: <name>-<appid>")
	case !cosAppID(a.Bucket):
		fail(codes.SourceAppIdInvalid, "bucket", fmt.Sprintf("%q does not end in -<appid> (the account's APPID, digits)", a.Bucket))
	case !cos.BucketRE.MatchString(a.Bucket):
		fail(codes.SourceAddrBucketInvalid, "bucket", fmt.Sprintf("%q: lower-case letters, digits and hyphens, at most 50 before -<appid>", a.Bucket))
	}
	if a.Region == "" {
		a.Region = cosEndpointRegion(a.Endpoint)
	}
	switch {
	case a.Region == "":
		fail(codes.SourceAddrRegionInvalid, "region", "required for type cos (or an endpoint naming it), e.g. ap-guangzhou")
	case !cos.RegionRE.MatchString(a.Region):
		fail(codes.SourceAddrRegionInvalid, "region", fmt.Sprintf("%q is not a COS region such as ap-guangzhou", a.Region))
	}
	if a.SecretID == "" {
		fail(codes.SourceAddrSecretIdInvalid, "secret_id", "required for type cos")
	}
	switch {
	case a.SecretKeyFile != "":
		b, err := os.ReadFile(a.SecretKeyFile)
		if err != nil {
			fail(codes.BadParameters, "secret_key_file", "cannot read the secret file: "+pathError(err))
		}
		a.SecretKey = strings.TrimRight(string(b), "\r\n")
	case a.SecretKey == "":
		fail(codes.SourceAddrSecretIdInvalid, "secret_key", "secret_key or secret_key_file is required for type cos")
	}
	if msg := cosPrefixProblem(a.Prefix); msg != "" {
		fail(codes.SourceFolderPathInvalid, "prefix", msg)
	}
	if a.Endpoint != "" && !strings.Contains(a.Endpoint, "://") {
		a.Endpoint = "https://" + a.Endpoint
	}
	if a.Prefix != "" && !strings.HasSuffix(a.Prefix, "/") {
		a.Prefix += "/"
	}
	a.AccessKeyID, a.AccessKeySecret = a.SecretID, a.SecretKey
}

// cosEndpointRegion is the region a COS endpoint names
// (cos.<region>.myqcloud.com, cos-internal.<region>.tencentcos.cn...), or "".
func cosEndpointRegion(endpoint string) string {
	host := endpoint
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	host, _, _ = strings.Cut(host, "/")
	if m := cosEndpointRE.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

var cosEndpointRE = regexp.MustCompile(`(?:^|\.)cos(?:-internal)?\.([a-z]+(?:-[a-z]+)+(?:-[0-9]+)?)\.(?:myqcloud\.com|tencentcos\.cn)(?::[0-9]+)?$`)

// cosAppID tells whether a bucket name ends in -<appid>.
func cosAppID(bucket string) bool {
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

// cosPrefixProblem says why COS cannot hold keys under prefix: COS keys
// are UTF-8 without control characters, at most 850 bytes.
func cosPrefixProblem(prefix string) string {
	switch {
	case !utf8.ValidString(prefix):
		return "the prefix is not valid UTF-8"
	case len(prefix) >= 850:
		return "the prefix is longer than a COS key may be"
	}
	for _, r := range prefix {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("the prefix holds the control character %U", r)
		}
	}
	for _, seg := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(prefix, "/"), "/"), "/") {
		if seg == "." || seg == ".." {
			return `the prefix has a "." or ".." segment`
		}
	}
	return ""
}

// validateJobCloudA refuses a read-only address as a job's destination.
func (p *parser) validateJobCloudA(j *JobConfig, dst *AddressConfig) {
	if dst != nil && dst.Type == "httplist" {
		line, field := j.pos.at("destination")
		p.fail(codes.DestinationDataAddressInvalid, line, field, fmt.Sprintf("%q is a URL list, which can only be a source", j.Destination))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
