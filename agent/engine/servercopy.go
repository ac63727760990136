package engine

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// errHostCopy says a file cannot be copied on the server in a way mgw can
// verify: it is copied through this host instead, as without the feature.
var errHostCopy = errors.New("copy through this host")

// serverCopier returns the destination's server-side copier when the job
// allows it (server_side_copy, on by default) and the connector says the
// source is a bucket of its own service (connectors.Service), so the
// destination's requests can read it.
func (r *Runner) serverCopier() connectors.ServerCopier {
	sc := r.Dst.Features().ServerCopier
	if sc == nil || !r.Job.ServerSideCopy || !sc.CopiesFrom(r.Src) {
		return nil
	}
	return sc
}

// copyServer has the destination copy o from the source on the server,
// then verifies the copy as any other (serverCopyVerified), the connector
// copying only while the source still has the listed ETag. It returns errHostCopy where the server cannot,
// or where the ETags differ: the copy through this host then overwrites
// the object, and only a verified copy is recorded.
func (r *Runner) copyServer(ctx context.Context, o connectors.Object) error {
	if r.started[o.Key] || r.noServerCopy.Load() {
		return errHostCopy // an upload of an earlier run to resume through the host
	}
	opts, note, err := r.putOptions(ctx, o, nil)
	if err != nil {
		return err
	}
	var got connectors.Object
	err = r.paced(ctx, connectors.Destination, func() error {
		var err error
		got, err = r.serverCopy.CopyFrom(ctx, r.Src, o, o.Key, opts)
		return err
	})
	var ce *connectors.Error
	switch kind := connectors.KindOf(err); {
	case err == nil:
	case errors.As(err, &ce) && ce.Status == http.StatusNotImplemented:
		// The service has no server-side copy: stop asking for this run.
		r.noServerCopy.Store(true)
		r.log.Info("the destination cannot copy on the server: copying through this host", "err", RootCause(err))
		return errHostCopy
	case kind == connectors.KindUnsupported:
		return errHostCopy
	case kind == connectors.KindNotFound, kind == connectors.KindChanged:
		// The copy's source is gone, or no longer the version listed.
		var se *sideError
		if errors.As(err, &se) {
			err = se.err
		}
		return onSide(connectors.Source, err)
	default:
		return err
	}
	if !r.serverCopyVerified(ctx, o, got) {
		r.log.Warn("server-side copy not verified: copying through this host", "path", o.Key,
			"source_etag", o.ETag, "destination_etag", got.ETag)
		return errHostCopy
	}
	if err := r.record(o, got, note, true); err != nil {
		return err
	}
	r.Progress.BytesCopied.Add(o.Size)
	r.Progress.FilesServerCopied.Add(1)
	r.Progress.BytesServerCopied.Add(o.Size)
	return nil
}

// serverCopyVerified reports whether the destination's checksum of the
// copy, computed from the bytes it wrote, equals the source's: the ETag
// listed (the same MD5, or the same MD5 of part MD5s over the same
// boundaries), or, where the connector could not copy in the source's part
// layout (OSS tells no object's part sizes), the CRC64 of the whole
// object. The source's CRC64 is not listed: a HEAD reads it, and counts
// only while the source still holds the listed ETag, the version copied.
// Cost: one HEAD per object copied in parts.
func (r *Runner) serverCopyVerified(ctx context.Context, o, got connectors.Object) bool {
	switch {
	case got.Size != o.Size:
		return false
	case strings.EqualFold(got.ETag, o.ETag):
		return true
	case !got.HasCRC64:
		return false
	}
	var st connectors.Object
	err := r.paced(ctx, connectors.Source, func() error {
		var err error
		st, err = r.Src.Stat(ctx, o.Key)
		return err
	})
	return err == nil && strings.EqualFold(st.ETag, o.ETag) && st.HasCRC64 && st.CRC64 == got.CRC64
}
