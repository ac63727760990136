package engine

import (
	"context"
	"io"
	"os"

	"github.com/mgw-dev/mgw/connectors"
)

// archive copies key under the job's archive prefix at the destination:
// on the server where the destination can copy, else through a temporary
// file (Put needs to rewind its reader to retry).
func (r *Runner) archive(ctx context.Context, key string) error {
	to := r.Job.ArchivePrefix + key
	if c := r.Dst.Features().Copier; c != nil {
		err := c.Copy(ctx, key, to)
		if connectors.KindOf(err) != connectors.KindInvalidArgument {
			return err // done, or a real error; too large to copy falls through
		}
	}
	o, err := r.Dst.Stat(ctx, key)
	if err != nil {
		return err
	}
	rc, err := r.Dst.Open(ctx, key, 0, -1)
	if err != nil {
		return err
	}
	defer rc.Close()
	tmp, err := os.CreateTemp("", "mgw-archive-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, rc)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	opts := connectors.PutOptions{ModTime: o.ModTime, Meta: o.Meta}
	if v, ok := o.Meta[connectors.MetaMtime]; ok {
		if t, err := connectors.ParseMtime(v); err == nil {
			opts.ModTime = t
		}
	}
	_, err = r.Dst.Put(ctx, to, tmp, n, opts)
	return err
}
