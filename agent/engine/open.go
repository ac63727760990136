package engine

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/mgw-dev/mgw/agent/config"
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

// OpenAddress opens the backend of a data address. INTERIM until connectors/all.
func OpenAddress(ctx context.Context, ca connectors.Address) (connectors.Bucket, error) {
	switch ca.Type {
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
		if config.OpenGCS == nil {
			return nil, fmt.Errorf("address %s: %w", ca.Name, config.ErrNoGCS)
		}
		return config.OpenGCS(ctx, ca)
	case "smb":
		return smb.New(ca)
	case "nfs":
		return nfs.New(ca)
	}
	return nil, fmt.Errorf("address %s: unknown type %q", ca.Name, ca.Type)
}

// VerifyAddress checks an address as a job's source or destination and
// returns "" when it is usable, else the catalogue code and the reason.
func VerifyAddress(ctx context.Context, a connectors.Address, side connectors.Side) (code string, err error) {
	b, err := OpenAddress(ctx, a)
	if err != nil {
		return AddressCode(side, codeType(a), err), err
	}
	defer b.Close()
	if err := b.Check(ctx); err != nil {
		return AddressCode(side, codeType(a), err), err
	}
	return "", nil
}

// OpenJob opens a job's two addresses and returns its runner, and a func
// that closes them. An address that cannot be opened is a *JobError with
// its code.
func OpenJob(ctx context.Context, cfg *config.Config, job *config.JobConfig, st *state.Store, log *slog.Logger) (*Runner, func(), error) {
	set := job.Settings()
	srcAddr := sizedPool(cfg.Address(job.Source).Connector(), set.Concurrency)
	dstAddr := sizedPool(cfg.Address(job.Destination).Connector(), set.Concurrency)
	src, err := OpenAddress(ctx, srcAddr)
	if err != nil {
		return nil, nil, &JobError{Code: AddressCode(connectors.Source, codeType(srcAddr), err), Err: err}
	}
	dst, err := OpenAddress(ctx, dstAddr)
	if err != nil {
		src.Close()
		return nil, nil, &JobError{Code: AddressCode(connectors.Destination, codeType(dstAddr), err), Err: err}
	}
	return NewRunner(set, srcAddr, dstAddr, src, dst, st, log), func() { src.Close(); dst.Close() }, nil
}

// sizedPool gives a share address as many sessions as the job has
// copiers, unless the config sets conns: with fewer, copiers wait for a
// session on every small file.
func sizedPool(a connectors.Address, concurrency int) connectors.Address {
	if a.Conns != 0 || !isShare(a.Type) {
		return a
	}
	a.Conns = min(concurrency, maxConns)
	return a
}

// INTERIM until connectors/all.
const maxConns = 256

func codeType(a connectors.Address) string {
	if a.Type == "s3" && a.Provider != "" {
		return "s3:" + strings.ToLower(a.Provider)
	}
	return a.Type
}
