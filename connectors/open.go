package connectors

import (
	"context"
	"errors"
	"io"
	"net/http"
)

// OpenWithoutRead answers the calls to Open an object store needs no GET
// for: a negative offset is refused, and a read of nothing (length 0),
// which no Range header can ask for, is answered by a Stat, so a missing
// key is still told and the reader tells the object (ObjectReader). done
// is false when the caller must read.
func OpenWithoutRead(ctx context.Context, b interface {
	Stat(context.Context, string) (Object, error)
}, key string, offset, length int64) (rc io.ReadCloser, done bool, err error) {
	switch {
	case offset < 0:
		return nil, true, NewError(KindInvalidArgument, "open", key, errors.New("negative offset"))
	case length == 0:
		o, err := b.Stat(ctx, key)
		if err != nil {
			return nil, true, err
		}
		return NewObjectReader(http.NoBody, o), true, nil
	}
	return nil, false, nil
}
