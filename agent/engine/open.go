package engine

import (
	"context"
	"log/slog"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
)

// VerifyAddress checks an address as a job's source or destination and
// returns "" when it is usable, else the catalogue code and the reason.
func VerifyAddress(ctx context.Context, a connectors.Address, side connectors.Side) (code string, err error) {
	b, err := all.Open(ctx, a)
	if err != nil {
		return all.AddressCode(side, a, err), err
	}
	defer b.Close()
	if err := b.Check(ctx); err != nil {
		return all.AddressCode(side, a, err), err
	}
	return "", nil
}

// Addresses are a job's two addresses, opened.
type Addresses struct {
	SrcAddr, DstAddr connectors.Address
	Src, Dst         connectors.Bucket
}

func (a *Addresses) Close() { a.Src.Close(); a.Dst.Close() }

// OpenAddresses opens a job's source and destination, each with as many
// sessions as the job has copiers. An address that cannot be opened is a
// *JobError with its code.
func OpenAddresses(ctx context.Context, cfg *config.Config, job *config.JobConfig) (*Addresses, error) {
	concurrency := job.Settings().Concurrency
	a := &Addresses{SrcAddr: sizedPool(*cfg.Resolved(job.Source), concurrency), DstAddr: sizedPool(*cfg.Resolved(job.Destination), concurrency)}
	var err error
	if a.Src, err = all.Open(ctx, a.SrcAddr); err != nil {
		return nil, &JobError{Code: all.AddressCode(connectors.Source, a.SrcAddr, err), Err: err}
	}
	if a.Dst, err = all.Open(ctx, a.DstAddr); err != nil {
		a.Src.Close()
		return nil, &JobError{Code: all.AddressCode(connectors.Destination, a.DstAddr, err), Err: err}
	}
	return a, nil
}

// OpenJob opens a job's two addresses and returns its runner, and a func
// that closes them. An address that cannot be opened is a *JobError with
// its code.
func OpenJob(ctx context.Context, cfg *config.Config, job *config.JobConfig, st *state.Store, log *slog.Logger) (*Runner, func(), error) {
	a, err := OpenAddresses(ctx, cfg, job)
	if err != nil {
		return nil, nil, err
	}
	return NewRunner(job.Settings(), a.SrcAddr, a.DstAddr, a.Src, a.Dst, st, log), a.Close, nil
}

// sizedPool gives a share address as many sessions as the job has
// copiers, unless the config sets conns: with fewer, copiers wait for a
// session on every small file.
func sizedPool(a connectors.Address, concurrency int) connectors.Address {
	if b, _ := all.Lookup(a.Type); a.Conns != 0 || !b.Shared {
		return a
	}
	a.Conns = min(concurrency, connectors.MaxConns)
	return a
}

// addressCode is the catalogue code of an error met on one side's address
// as a whole (checking or listing it).
func (r *Runner) addressCode(side connectors.Side, err error) string {
	a := r.SrcAddr
	if side == connectors.Destination {
		a = r.DstAddr
	}
	return all.AddressCode(side, a, err)
}
