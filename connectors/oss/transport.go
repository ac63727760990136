package oss

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync/atomic"
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

// watchdog cancels a streaming request that makes no progress for d. A
// whole-request deadline would not do: a large part may rightly take
// hours, but the server must never go quiet for long. Time the caller
// spends producing or consuming data does not count (pause).
type watchdog struct {
	d      time.Duration
	timer  *time.Timer
	cancel context.CancelFunc
	fired  atomic.Bool
}

// newWatchdog returns a context for the request and its armed watchdog.
func newWatchdog(ctx context.Context, d time.Duration) (context.Context, *watchdog) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watchdog{d: d, cancel: cancel}
	w.timer = time.AfterFunc(d, func() {
		w.fired.Store(true)
		cancel()
	})
	return ctx, w
}

func (w *watchdog) kick()  { w.timer.Reset(w.d) }
func (w *watchdog) pause() { w.timer.Stop() }

// stop ends the request's context; call it once the response is consumed.
func (w *watchdog) stop() {
	w.timer.Stop()
	w.cancel()
}

// check turns an error caused by the watchdog into a timeout.
func (w *watchdog) check(err error) error {
	if err != nil && w.fired.Load() {
		return errStalled(w.d)
	}
	return err
}

// uploadBody is a request body of size bytes, watched while the
// transport sends it: the clock runs while the transport writes and stops
// while the source is read.
type uploadBody struct {
	r    io.Reader
	w    *watchdog
	size int64
	read int64
}

func (b *uploadBody) Read(p []byte) (int, error) {
	b.w.pause()
	n, err := b.r.Read(p)
	b.w.kick()
	b.read += int64(n)
	if err == io.EOF && b.read < b.size {
		// The source shrank since its size was taken.
		err = errShortBody{got: b.read, want: b.size}
	}
	return n, err
}
