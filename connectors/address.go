package connectors

import (
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"time"
)

// Address is everything a backend needs to open a data address, and every
// address field of the config: the agent copies its YAML struct into an
// Address field for field, and the backend's Validate checks it and fills
// in what the fields imply (secrets read from *_file fields, defaults).
// Each field's comment names its yaml field. Secrets must never be logged:
// Redacted hides them.
type Address struct {
	Name string // name
	Type string // type: local | s3 | oss | cos | httplist | upyun | azblob | gcs | smb | nfs

	// path. local: the folder; smb, nfs: the folder inside the share or export
	Path string

	// smb, nfs (see connectors/smb and connectors/nfs)
	Server       string // server: host or host:port
	Share        string // share (smb)
	Export       string // export (nfs)
	User         string // user (smb)
	Password     string // password (smb, upyun); read from PasswordFile by validation when that is set
	PasswordFile string // password_file (smb, upyun): a file holding the password
	Domain       string // domain (smb)
	Version      string // version: the protocol version asked for (smb 2 or 3, nfs 3)
	UID, GID     uint32 // uid, gid (nfs): AUTH_UNIX credentials
	// reserved_port (nfs): MOUNT and NFS from a source port below 1024,
	// as exports with the kernel server's "secure" option require.
	ReservedPort bool
	// conns: the number of connections kept to the server (0 = 8; a job
	// sizes it to its concurrency unless the config sets conns).
	Conns int

	// object stores
	Endpoint            string // endpoint: URL; http:// or https://
	Region              string // region
	Bucket              string // bucket (azblob: the container, set from Container by validation)
	Prefix              string // prefix: key prefix inside the bucket; "" or ending in "/" once validated
	PathStyle           bool   // path_style (s3): path-style URLs (required by most gateways on loopback)
	AccessKeyID         string // access_key_id
	AccessKeySecret     string // access_key_secret
	AccessKeySecretFile string // access_key_secret_file: a file holding AccessKeySecret

	// cos (Tencent): the account's SecretId and SecretKey, copied into
	// AccessKeyID and AccessKeySecret by validation.
	SecretID      string // secret_id
	SecretKey     string // secret_key
	SecretKeyFile string // secret_key_file: a file holding SecretKey

	// httplist: the list of URLs, a local path or an http(s) URL, and its
	// format ("" = told by its first line; see connectors/httplist).
	ListFile   string // list_file
	ListFormat string // list_format
	// upyun: the service (UPYUN's bucket), the operator who signs requests
	// with Password, and a CDN domain to read files through ("" = the
	// API); see connectors/upyun.
	Service  string // service
	Operator string // operator
	CDN      string // cdn

	// provider: the S3 preset (aws, bos, ks3, qiniu, other), see
	// connectors/s3/provider.go.
	Provider string

	// azblob: Container (or Bucket) is the container. One of
	// ConnectionString, Account + AccountKey, or SAS (with Account or
	// Endpoint) authenticates.
	Container        string // container
	ConnectionString string // connection_string
	Account          string // account
	AccountKey       string // account_key
	SAS              string // sas_token

	// gcs: the service-account key file's path (key_file) and its content
	// (read by validation; no yaml field).
	KeyFile string
	KeyJSON []byte

	// PageSize is the number of keys asked for per list request (0 = the
	// service's maximum, 1000). Tests set it small to exercise paging; no
	// yaml field.
	PageSize int

	// timeout: bounds each request's wait for an answer (0 = a sensible default).
	Timeout time.Duration
}

// Redacted returns a copy safe to print: every secret replaced by ****.
func (a Address) Redacted() Address {
	if a.AccessKeySecret != "" {
		a.AccessKeySecret = "****"
	}
	a.ListFile = RedactURL(a.ListFile)
	if a.AccountKey != "" {
		a.AccountKey = "****"
	}
	if a.SAS != "" {
		a.SAS = "****"
	}
	if a.ConnectionString != "" {
		a.ConnectionString = redactAzureConnString(a.ConnectionString)
	}
	if a.KeyJSON != nil {
		a.KeyJSON = []byte("****")
	}
	if a.Password != "" {
		a.Password = "****"
	}
	if a.SecretKey != "" {
		a.SecretKey = "****"
	}
	return a
}

// Format prints a with its secrets hidden, whatever the verb, so that an
// address quoted in an error, a log line or a panic's message never shows
// them.
func (a Address) Format(f fmt.State, verb rune) {
	type plain Address // without the methods: Format would call itself
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(a.Redacted()))
}

// LogValue is what slog logs of a: the same, in any handler (the JSON one
// would otherwise marshal the fields).
func (a Address) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", a)) }

// RedactURL hides the password and the query (a presigned URL's
// signature) of a URL; anything else is returned as it is.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	if u.User != nil {
		u.User = url.User("****")
	}
	if u.RawQuery != "" {
		u.RawQuery = "****"
	}
	return u.String()
}

// AbsPath makes a relative path written in the config relative to base,
// the config file's folder, as people expect of paths written in a file.
func AbsPath(base, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if abs, err := filepath.Abs(filepath.Join(base, p)); err == nil {
		return abs
	}
	return p
}
