package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mgw-dev/mgw/agent/engine/pace"
	"github.com/mgw-dev/mgw/connectors"
)

// copyStream sends a large file in one streaming request, for destinations
// without multipart upload (a local folder). The reader reopens the source
// when the destination rewinds it to retry.
func (r *Runner) copyStream(ctx context.Context, o connectors.Object) error {
	rr := &reopenReader{ctx: ctx, b: r.Src, key: o.Key, size: o.Size, crc: r.Dst.Features().CRC64, lim: r.limits}
	rr.sum = newSums(rr.crc)
	defer rr.Close()
	opts, note, err := r.putOptions(ctx, o, nil)
	if err != nil {
		return err
	}
	tl := r.newTempLog(o.Key)
	tl.set(&opts)
	var got connectors.Object
	err = r.paced(ctx, connectors.Destination, func() error {
		var err error
		got, err = r.Dst.Put(ctx, o.Key, rr, o.Size, opts)
		return err
	})
	err = tl.after(ctx, err)
	if rr.err != nil {
		return rr.err
	}
	if err != nil {
		return err
	}
	if rr.sum.n != o.Size {
		return errChanged(o.Key, fmt.Sprintf("size %d at scan, %d read", o.Size, rr.sum.n))
	}
	if err := r.unchangedAfter(ctx, o, rr.rc); err != nil {
		return err
	}
	return r.verifiedDone(o, got, nil, rr.sum, note)
}

// reopenReader reads a source object as an io.ReadSeeker: seeking to the
// start reopens it, so a destination can retry without staging to disk.
type reopenReader struct {
	ctx  context.Context
	b    connectors.Bucket
	key  string
	size int64
	rc   io.ReadCloser
	in   io.Reader // rc paced by lim
	lim  *pace.Limiter
	crc  bool // compute a CRC64 too
	sum  *sums
	err  error // the source's error, kept apart from the destination's
}

func (r *reopenReader) Read(p []byte) (int, error) {
	if r.rc == nil {
		rc, err := r.b.Open(r.ctx, r.key, 0, -1)
		if err != nil {
			r.err = onSide(connectors.Source, err)
			return 0, r.err
		}
		r.rc = rc
		r.in = r.lim.Reader(r.ctx, rc)
	}
	// Never hand over more than the size the destination was told.
	if left := r.size - r.sum.n; int64(len(p)) > left {
		if left == 0 {
			var one [1]byte
			if n, _ := r.in.Read(one[:]); n > 0 {
				r.err = errChanged(r.key, "grew while it was copied")
				return 0, r.err
			}
			return 0, io.EOF
		}
		p = p[:left]
	}
	n, err := r.in.Read(p)
	r.sum.Write(p[:n])
	if err == io.EOF && r.sum.n < r.size {
		r.err = errChanged(r.key, "shrank while it was copied")
		return n, r.err
	}
	if err != nil && err != io.EOF {
		r.err = onSide(connectors.Source, connectors.NewError(connectors.Classify(err), "read", r.key, err))
		return n, r.err
	}
	return n, nil
}

func (r *reopenReader) Seek(off int64, whence int) (int64, error) {
	if off != 0 || whence != io.SeekStart {
		return 0, errors.New("reopenReader: only Seek(0, io.SeekStart) is supported")
	}
	r.Close()
	r.sum = newSums(r.crc)
	r.err = nil
	return 0, nil
}

func (r *reopenReader) Close() error {
	if r.rc != nil {
		r.rc.Close()
		r.rc = nil
	}
	return nil
}
