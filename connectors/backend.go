package connectors

import "context"

// Side says which end of a job an address or an error is on: the same
// error kind means a different catalogue code, and a different fix, on
// each side.
type Side uint8

const (
	Source Side = iota
	Destination
)

func (s Side) String() string {
	if s == Source {
		return "source"
	}
	return "destination"
}

// Problem is one thing wrong with an address's fields, found before any
// request is sent.
type Problem struct {
	Code   string // catalogue code (state/codes constants)
	Field  string // the config field's name as the user writes it: "bucket", "secret_key_file", "type"...
	Detail string // what was found; never a secret
}

// MaxConns is the most connections an address of a Shared backend may
// keep to its server (the conns field): more only loads the server.
const MaxConns = 256

// Backend is what the registry (connectors/all) knows of one address type.
// Each backend package exports its own; nothing above the registry tests
// an address's type by name, it asks these fields instead.
type Backend struct {
	Type string
	Open func(ctx context.Context, a Address) (Bucket, error)
	// Validate checks the fields of a and fills in what they imply
	// (defaults, endpoint scheme, prefix "/", region, secrets read from
	// *_file fields, relative paths made absolute against base, which is
	// the config file's folder). It must not make requests.
	Validate func(a *Address, base string) []Problem
	// Code maps an error met checking or listing the address to the
	// catalogue's code, or "" to leave it to the generic mapping. nil:
	// always generic.
	Code func(side Side, a Address, err error) string
	// Root names where the address's data lives, ending in "/" (a local
	// folder: in the OS's separator): two addresses of one type overlap
	// when one's Root is a prefix of the other's (a job must not copy
	// into its own source).
	Root func(a Address) string
	// SourceOnly: the address can only be read (httplist), so it is
	// refused as a destination.
	SourceOnly bool
	// Restore: the backend has archive classes mgw can restore (s3, oss,
	// cos, azblob).
	Restore bool
	// FileSystem: files on a disk or a share (local, smb, nfs). A refusal
	// is a permission on a file, not a provider's 403, and keys are paths
	// (an archive_prefix must not climb out with "..").
	FileSystem bool
	// Shared: sessions to a server (smb, nfs). A job gives the address as
	// many connections as it has copiers (at most MaxConns) unless the
	// address sets conns: with fewer, copiers wait for a session on every
	// small file.
	Shared bool
}
