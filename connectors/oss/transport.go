package oss

import (
	"crypto/tls"
	"io"
	"net/http"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/transport"
)

// defaultTimeout bounds each wait for the server when the address sets none.
const defaultTimeout = time.Minute

// newHTTPClient returns a client tuned for many transfers in parallel to
// one endpoint (transport.New), requiring TLS 1.2 or newer.
func newHTTPClient(timeout time.Duration) *http.Client {
	tr := transport.New(timeout, 256)
	// Each request's own deadline (call, and the watchdog of streamed
	// bodies) bounds the wait for an answer and names it a stall: a
	// header timeout of the transport would end the same wait as a plain
	// timeout.
	tr.ResponseHeaderTimeout = 0
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	return &http.Client{
		Transport: tr,
		// OSS answers with redirects only for website hosting; a redirect
		// here is an error to report, not to follow with our signature.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// uploadBody is a request body of size bytes that fails if the source
// ends early. Its source is read under the request's watchdog
// (watchdog.Dog.Source): the clock runs while the transport writes and
// stops while the source is read.
type uploadBody struct {
	r    io.Reader
	size int64
	read int64
}

func (b *uploadBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read += int64(n)
	if err == io.EOF && b.read < b.size {
		// The source shrank since its size was taken.
		err = errShortBody{got: b.read, want: b.size}
	}
	return n, err
}
