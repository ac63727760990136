package connectors

import (
	"net/url"
	"time"
)

// Address is everything a backend needs to open a data address. It is plain
// data filled from the config; secrets are already resolved from the
// environment or files, and must never be logged: String redacts them.
type Address struct {
	Name string
	Type string // local | s3 | oss | cos | httplist | azblob | gcs | smb | nfs

	// local: the folder; smb, nfs: the folder inside the share or export
	Path string

	// smb, nfs (see connectors/smb and connectors/nfs)
	Server   string // host or host:port
	Share    string // smb
	Export   string // nfs
	User     string // smb
	Password string // smb
	Domain   string // smb
	UID, GID uint32 // nfs AUTH_UNIX credentials
	// Conns is the number of connections kept to the server (0 = 8; a job
	// sizes it to its concurrency unless the config sets conns).
	Conns int

	// object stores
	Endpoint        string // URL; http:// or https://
	Region          string
	Bucket          string
	Prefix          string // key prefix inside the bucket; "" or ending in "/"
	PathStyle       bool   // S3: path-style URLs (required by most gateways on loopback)
	AccessKeyID     string
	AccessKeySecret string

	// httplist: the list of URLs, a local path or an http(s) URL, and its
	// format ("" = told by its first line; see connectors/httplist).
	ListFile   string
	ListFormat string
	// S3 preset (aws, bos, ks3, qiniu, other): see connectors/s3/provider.go.
	Provider string

	// azblob: Bucket is the container. One of ConnectionString, Account +
	// AccountKey, or SAS (with Account or Endpoint) authenticates.
	ConnectionString string
	Account          string
	AccountKey       string
	SAS              string

	// gcs: the service-account key file's path and its content.
	KeyFile string
	KeyJSON []byte

	// PageSize is the number of keys asked for per list request (0 = the
	// service's maximum, 1000). Tests set it small to exercise paging.
	PageSize int

	// Timeout bounds each request's wait for an answer (0 = a sensible default).
	Timeout time.Duration
}

// Redacted returns a copy safe to print: every secret replaced by ****.
func (a Address) Redacted() Address {
	if a.AccessKeySecret != "" {
		a.AccessKeySecret = "****"
	}
	a.ListFile = redactURL(a.ListFile)
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
	return a
}

// redactURL hides the password and the query (a presigned URL's
// signature) of a URL; anything else is returned as it is.
func redactURL(s string) string {
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
