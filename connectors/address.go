package connectors

import "time"

// Address is everything a backend needs to open a data address. It is plain
// data filled from the config; secrets are already resolved from the
// environment or files, and must never be logged: String redacts them.
type Address struct {
	Name string
	Type string // local | s3 | oss | smb | nfs

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
	// Conns is the number of connections kept to the server (0 = 8).
	Conns int

	// object stores
	Endpoint        string // URL; http:// or https://
	Region          string
	Bucket          string
	Prefix          string // key prefix inside the bucket; "" or ending in "/"
	PathStyle       bool   // S3: path-style URLs (required by most gateways on loopback)
	AccessKeyID     string
	AccessKeySecret string

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
	if a.Password != "" {
		a.Password = "****"
	}
	return a
}
