package agent

import (
	"context"
	"fmt"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/local"
	"github.com/mgw-dev/mgw/connectors/nfs"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/connectors/s3"
	"github.com/mgw-dev/mgw/connectors/smb"
)

// OpenAddress opens the backend of a data address. It is the one place
// that knows every backend.
func OpenAddress(ctx context.Context, a *AddressConfig) (connectors.Bucket, error) {
	ca := a.Connector()
	switch a.Type {
	case "local":
		return local.New(ca)
	case "s3":
		return s3.New(ctx, ca)
	case "oss":
		return oss.New(ctx, ca)
	case "smb":
		return smb.New(ca)
	case "nfs":
		return nfs.New(ca)
	}
	return nil, fmt.Errorf("address %s: unknown type %q", a.Name, a.Type)
}

// VerifyAddress checks an address as a job's source or destination and
// returns "" when it is usable, else the catalogue code and the reason.
func VerifyAddress(ctx context.Context, a *AddressConfig, side Side) (code string, err error) {
	b, err := OpenAddress(ctx, a)
	if err != nil {
		return AddressCode(side, a.Type, err), err
	}
	defer b.Close()
	if err := b.Check(ctx); err != nil {
		return AddressCode(side, a.Type, err), err
	}
	return "", nil
}
