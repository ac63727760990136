package httplist_test

import (
	"encoding/base64"
	"errors"
	"io"

	"github.com/mgw-dev/mgw/connectors/httplist"
)

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func readAll(r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	return string(b), err
}

func asListFileError(err error, target **httplist.ListFileError) bool {
	return errors.As(err, target)
}
