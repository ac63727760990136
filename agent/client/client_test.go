package client

import (
	"errors"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

// An answer the CLI cannot read (not the agent's JSON error) is
// EngineAccessException, with the HTTP status as detail.
func TestEngineAccessException(t *testing.T) {
	dir, err := os.MkdirTemp("", "mgwc") // short: a socket path is limited to about 100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := net.Listen("unix", SocketPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	c, err := Dial(dir)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Call(http.MethodGet, "/v1/jobs", nil)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != codes.EngineAccessException || ae.Detail != "HTTP 502 Bad Gateway" {
		t.Fatalf("Call = %v, want EngineAccessException with the status", err)
	}
}
