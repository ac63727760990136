// Package addrcheck holds the checks of address fields that several
// backends share, written once: required fields, secrets read from files,
// endpoints made URLs, prefixes and relative paths normalised, and the
// Root of an address in a bucket.
//
// It knows no address type by name and no catalogue code but the ones a
// caller passes in (and BadParameters for a file it cannot read, the
// same for every type): which fields a type needs, and with what codes,
// is each backend's own rule.
package addrcheck

import (
	"fmt"
	"net/url"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// Problems collects what is wrong with one address, in the order found.
type Problems []connectors.Problem

// Add records one problem.
func (ps *Problems) Add(code, field, detail string) {
	*ps = append(*ps, connectors.Problem{Code: code, Field: field, Detail: detail})
}

// Need records code on each field of pairs (field, value, field, value...)
// whose value is empty: "required for type <typ>".
func (ps *Problems) Need(code, typ string, pairs ...string) {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			ps.Add(code, pairs[i], "required for type "+typ)
		}
	}
}

// ReadFile reads the file named by field. A file it cannot read is
// BadParameters on field, "cannot read the <what> file: <reason>"
// (without the path, which the field's line shows), and ok false.
func (ps *Problems) ReadFile(field, what, file string) (data []byte, ok bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		ps.Add(codes.BadParameters, field, "cannot read the "+what+" file: "+PathError(err))
		return nil, false
	}
	return b, true
}

// Secret reads a secret kept in a file, as ReadFile does. Only the line
// end goes: spaces, commas and quotes are the secret's. A file it cannot
// read gives "".
func (ps *Problems) Secret(field, what, file string) string {
	b, _ := ps.ReadFile(field, what, file)
	return strings.TrimRight(string(b), "\r\n")
}

// Endpoint makes a.Endpoint, when set, an https URL if it is a bare host,
// and refuses with SourceAddrEndpointInvalid what cannot be an http(s)
// URL or carries credentials.
func (ps *Problems) Endpoint(a *connectors.Address) {
	if a.Endpoint == "" {
		return
	}
	a.Endpoint = HTTPS(a.Endpoint)
	u, err := url.Parse(a.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		// Not quoted: a URL may carry a password.
		ps.Add(codes.SourceAddrEndpointInvalid, "endpoint", "not an http:// or https:// URL without credentials")
	}
}

// AccessKey checks the fields of an address signed with an access key ID
// and secret (s3, oss): endpoint, bucket and access_key_id are required
// (with code), and access_key_secret or access_key_secret_file; it reads
// the secret file, makes the endpoint a URL and ends the prefix with "/".
func (ps *Problems) AccessKey(code string, a *connectors.Address) {
	ps.Need(code, a.Type, "endpoint", a.Endpoint, "bucket", a.Bucket, "access_key_id", a.AccessKeyID)
	if a.AccessKeySecret == "" && a.AccessKeySecretFile == "" {
		ps.Add(code, "access_key_secret", "access_key_secret or access_key_secret_file is required for type "+a.Type)
	}
	if a.AccessKeySecretFile != "" {
		a.AccessKeySecret = ps.Secret("access_key_secret_file", "secret", a.AccessKeySecretFile)
	}
	if a.Endpoint != "" {
		a.Endpoint = HTTPS(a.Endpoint)
	}
	a.Prefix = SlashEnd(a.Prefix)
}

// HTTPS makes a bare host (no "://") an https URL.
func HTTPS(endpoint string) string {
	if !strings.Contains(endpoint, "://") {
		return "https://" + endpoint
	}
	return endpoint
}

// SlashEnd ends a non-empty prefix with "/", so that it names a folder.
func SlashEnd(prefix string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return prefix + "/"
	}
	return prefix
}

// CleanPrefix is SlashEnd without leading slashes: services whose keys
// never start with "/" (azblob, gcs) take "/2024" to mean "2024/".
func CleanPrefix(prefix string) string {
	return SlashEnd(strings.TrimLeft(prefix, "/"))
}

// PrefixProblem says why a prefix cannot name a folder of a service whose
// names are UTF-8 without control characters, "" if it can: it is not
// UTF-8, holds a control character, or has a "." or ".." segment.
func PrefixProblem(prefix string) string {
	if !utf8.ValidString(prefix) {
		return "the prefix is not valid UTF-8"
	}
	for _, r := range prefix {
		if r < 0x20 || r == 0x7f {
			return fmt.Sprintf("the prefix holds the control character %U", r)
		}
	}
	for _, seg := range strings.Split(strings.Trim(prefix, "/"), "/") {
		if seg == "." || seg == ".." {
			return `the prefix has a "." or ".." segment`
		}
	}
	return ""
}

// PathError keeps the reason of a file error without repeating the path.
func PathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// BucketRoot is the Root of an address in a bucket: its endpoint (without
// a trailing "/"), bucket and prefix. The endpoint and bucket are escaped
// so that neither holds a "/": one Root is a prefix of another only when
// both name the same endpoint and bucket and one prefix starts the other.
func BucketRoot(a connectors.Address) string {
	return url.PathEscape(strings.TrimRight(a.Endpoint, "/")) + "/" + url.PathEscape(a.Bucket) + "/" + a.Prefix
}
