package connectors

import (
	"context"
	"io"
)

// ContextReader returns r, stopping with ctx's error once ctx ends: a
// Put that copies from a reader without a context of its own (a file, a
// share's write loop) then ends with its caller.
func ContextReader(ctx context.Context, r io.Reader) io.Reader { return ctxReader{ctx, r} }

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
