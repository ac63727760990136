package watchdog

import (
	"errors"
	"net"
	"net/http"
	"testing"
	"time"
)

// A server that takes the request and never answers: the transport's
// response header timeout comes out as a Stalled of its length, which
// says how long the client waited.
func TestTransportUnanswered(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, unanswered, until the test ends
		}
	}()
	const d = 50 * time.Millisecond
	tr := &http.Transport{ResponseHeaderTimeout: d}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: Transport(tr, d)}
	_, err = c.Get("http://" + ln.Addr().String())
	var st Stalled
	if !errors.As(err, &st) || st.After != d {
		t.Fatalf("Get from a server that never answers: %v, want a Stalled of %v", err, d)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%v is not a timeout", err)
	}

	// Other errors pass as they are.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln2.Addr().String()
	ln2.Close()
	if _, err := c.Get("http://" + addr); err == nil || errors.As(err, &st) {
		t.Errorf("Get from a closed port: %v, want the refusal as it is", err)
	}
}
