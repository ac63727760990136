package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/azblob"
	"github.com/mgw-dev/mgw/connectors/cos"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/connectors/local"
	"github.com/mgw-dev/mgw/connectors/nfs"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/connectors/s3"
	"github.com/mgw-dev/mgw/connectors/smb"
	"github.com/mgw-dev/mgw/state"
)

// The GCS connector, registered by open_gcs.go; nil in a build tagged
// nogcs, which leaves Google's client (about 60% of the binary) out.
var (
	openGCS         func(context.Context, connectors.Address) (connectors.Bucket, error)
	checkGCSKeyFile func(data []byte) error
)

var errNoGCS = errors.New("this build of mgw has no GCS support (it was built with -tags nogcs); use a build without that tag")

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
	case "cos":
		return cos.New(ctx, ca)
	case "httplist":
		return httplist.New(ca)
	case "azblob":
		return azblob.New(ctx, ca)
	case "gcs":
		if openGCS == nil {
			return nil, fmt.Errorf("address %s: %w", a.Name, errNoGCS)
		}
		return openGCS(ctx, ca)
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
		return AddressCode(side, a.CodeType(), err), err
	}
	defer b.Close()
	if err := b.Check(ctx); err != nil {
		return AddressCode(side, a.CodeType(), err), err
	}
	return "", nil
}

// OpenJob opens a job's two addresses and returns its runner, and a func
// that closes them. An address that cannot be opened is a *JobError with
// its code.
func OpenJob(ctx context.Context, cfg *Config, job *JobConfig, st *state.Store, log *slog.Logger) (*Runner, func(), error) {
	srcAddr, dstAddr := cfg.Address(job.Source), cfg.Address(job.Destination)
	src, err := OpenAddress(ctx, sizedPool(srcAddr, job.Concurrency))
	if err != nil {
		return nil, nil, &JobError{Code: AddressCode(Source, srcAddr.CodeType(), err), Err: err}
	}
	dst, err := OpenAddress(ctx, sizedPool(dstAddr, job.Concurrency))
	if err != nil {
		src.Close()
		return nil, nil, &JobError{Code: AddressCode(Destination, dstAddr.CodeType(), err), Err: err}
	}
	return NewRunner(job, srcAddr, dstAddr, src, dst, st, log), func() { src.Close(); dst.Close() }, nil
}

// sizedPool gives a share address as many sessions as the job has
// copiers, unless the config sets conns: with fewer, copiers wait for a
// session on every small file.
func sizedPool(a *AddressConfig, concurrency int) *AddressConfig {
	if a.Conns != 0 || !isShare(a.Type) {
		return a
	}
	c := *a
	c.Conns = min(concurrency, maxConns)
	return &c
}
