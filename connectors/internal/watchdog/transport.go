package watchdog

import (
	"net/http"
	"strings"
	"time"
)

// Transport wraps an HTTP transport whose ResponseHeaderTimeout is d
// (the wait for an answer of a client timed by NewForBody, or not at
// all), so that a request given up for want of an answer fails as a
// Stalled of d: net/http's own error does not say how long it waited.
func Transport(rt http.RoundTripper, d time.Duration) http.RoundTripper {
	return &transport{rt: rt, d: d}
}

type transport struct {
	rt http.RoundTripper
	d  time.Duration
}

func (t *transport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(r)
	// net/http's error for it is of a type of its own, unexported.
	if err != nil && strings.Contains(err.Error(), "timeout awaiting response headers") {
		return nil, Stalled{After: t.d}
	}
	return resp, err
}
