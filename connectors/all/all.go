// Package all is the registry of address types: it maps an address's type
// to its backend (connectors.Backend) to open, validate, name the root of,
// and map the errors of an address. It is the only package that imports
// every backend; a new backend is one folder and one line here.
//
// It must not know jobs, config files or the agent: callers pass a
// connectors.Address and get back connectors values (Problems, codes).
// Each backend's rules stay in the backend; what is here is only what
// concerns no one backend: the type field itself, and the generic
// mapping of errors to codes.
package all

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/azblob"
	"github.com/mgw-dev/mgw/connectors/cos"
	"github.com/mgw-dev/mgw/connectors/gcs"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/connectors/local"
	"github.com/mgw-dev/mgw/connectors/nfs"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/connectors/s3"
	"github.com/mgw-dev/mgw/connectors/smb"
	"github.com/mgw-dev/mgw/connectors/upyun"
	"github.com/mgw-dev/mgw/state/codes"
)

// backends are the address types, in the order messages list them.
var backends = []connectors.Backend{
	local.Backend, s3.Backend, oss.Backend, cos.Backend, httplist.Backend, upyun.Backend, azblob.Backend, smb.Backend, nfs.Backend,
	gcs.Backend,
}

// Types are the address types mgw supports, in the order messages list
// them.
func Types() []string {
	out := make([]string, len(backends))
	for i, b := range backends {
		out[i] = b.Type
	}
	return out
}

// Lookup returns the backend of an address type.
func Lookup(typ string) (connectors.Backend, bool) {
	for _, b := range backends {
		if b.Type == typ {
			return b, true
		}
	}
	return connectors.Backend{}, false
}

// Open opens the backend of an address. It sends no request: the
// Bucket's Check verifies the address.
func Open(ctx context.Context, a connectors.Address) (connectors.Bucket, error) {
	if b, ok := Lookup(a.Type); ok {
		return b.Open(ctx, a)
	}
	return nil, fmt.Errorf("address %s: unknown type %q", a.Name, a.Type)
}

// Validate checks an address's fields and fills in what they imply, as
// its backend's Validate does (base is the config file's folder, against
// which relative paths are made absolute). A type that is missing or not
// one of Types is a Problem on the field "type".
func Validate(a *connectors.Address, base string) []connectors.Problem {
	if b, ok := Lookup(a.Type); ok {
		return b.Validate(a, base)
	}
	types := strings.Join(Types(), ", ")
	if a.Type == "" {
		return []connectors.Problem{{Code: codes.BadParameters, Field: "type", Detail: "required: one of " + types}}
	}
	return []connectors.Problem{{Code: unknownTypeCode(a.Type), Field: "type", Detail: fmt.Sprintf("%q is not one of %s", a.Type, types)}}
}

// nasMethods are share protocols people may write as a type that mgw
// does not speak: the catalogue has a code for them.
var nasMethods = []string{"cifs", "nas", "nfs4", "nfsv4", "afp", "smb1"}

// unknownTypeCode is the code for an address type mgw does not know.
func unknownTypeCode(typ string) string {
	if slices.Contains(nasMethods, strings.ToLower(typ)) {
		return codes.SourceAccessMethodInvalid
	}
	return codes.BadParameters
}

// Overlap reports whether two addresses point at the same data, or one
// inside the other: a job copying from one into the other would feed
// itself its own output. Addresses of different types never overlap; a
// type without a backend here is compared as an address in a bucket.
func Overlap(a, b connectors.Address) bool {
	if a.Name == b.Name {
		return true
	}
	if a.Type != b.Type {
		return false
	}
	root := addrcheck.BucketRoot
	if be, ok := Lookup(a.Type); ok && be.Root != nil {
		root = be.Root
	}
	ra, rb := root(a), root(b)
	return strings.HasPrefix(ra, rb) || strings.HasPrefix(rb, ra)
}
