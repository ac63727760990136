// Package transport builds the HTTP transport of the backends that speak
// HTTP, so that their timeouts, pooling and handling of compressed bodies
// are set in one place; each backend adds only what it needs beyond it.
package transport

import (
	"net"
	"net/http"
	"time"
)

// New returns a transport that waits at most timeout for an answer's
// headers, and at most timeout, up to 30s, to connect and to shake hands.
// It keeps up to idlePerHost idle connections per host: the default
// transport keeps two, so an agent running many transfers in parallel to
// one endpoint would keep opening and closing them.
//
// Compression is off: objects and ranges are read as stored, so a gzip
// Content-Encoding is the object's, not the transfer's, and must not be
// undone; nor would a range of a transparently compressed body be the
// range asked for.
func New(timeout time.Duration, idlePerHost int) *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer(timeout).DialContext,
		MaxIdleConnsPerHost:   idlePerHost,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   connectTimeout(timeout),
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
}

// connectTimeout caps the wait to connect: a host that takes longer than
// 30s to answer a SYN or a ClientHello is down, however patient reads are.
func connectTimeout(timeout time.Duration) time.Duration {
	return min(timeout, 30*time.Second)
}

func dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: connectTimeout(timeout), KeepAlive: 30 * time.Second}
}
