package oss

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"time"
)

// defaultTimeout bounds each wait for the server when the address sets none.
const defaultTimeout = time.Minute

// newHTTPClient returns a client tuned for many transfers in parallel to
// one endpoint: the default transport keeps only two idle connections per
// host, so a busy agent would keep opening and closing them.
func newHTTPClient(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 30*time.Second), KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   min(timeout, 30*time.Second),
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		// Objects are read as stored: a gzip Content-Encoding is the
		// object's, not the transfer's, and must not be undone.
		DisableCompression: true,
	}
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
