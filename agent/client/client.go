// Package client is the CLI's side of the agent's control API: HTTP over
// a unix socket in the state dir. It holds the wire types the agent serves
// (APIError, the paths) and must not import the agent itself.
package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/mgw-dev/mgw/state/codes"
)

// SocketPath is where the agent's control API listens: in the state dir,
// which only the agent's user can enter.
func SocketPath(stateDir string) string { return filepath.Join(stateDir, "mgw.sock") }

// APIError is a refused request, with the catalogue code.
type APIError struct {
	Code   string `json:"code"`
	Detail string `json:"message"`
}

func (e *APIError) Error() string { return codes.Text(e.Code, e.Detail) }

// Errorf is an APIError with a formatted detail.
func Errorf(code, format string, a ...any) error {
	return &APIError{Code: code, Detail: fmt.Sprintf(format, a...)}
}

// ErrNoAgent is returned by Dial when no agent answers: the CLI then opens
// the state itself.
var ErrNoAgent = errors.New("no agent answers")

// Client talks to a running agent's control API.
type Client struct {
	http *http.Client
}

// Dial connects to the agent of stateDir. It returns ErrNoAgent when none
// runs, and a NoPermission APIError when the socket is not ours to use.
func Dial(stateDir string) (*Client, error) {
	path := SocketPath(stateDir)
	c, err := net.Dial("unix", path)
	switch {
	case err == nil:
		c.Close()
	case errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return nil, Errorf(codes.NoPermission, "%s", path)
	default:
		return nil, ErrNoAgent
	}
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}
	return &Client{http: &http.Client{Transport: tr}}, nil
}

// Call sends a request and decodes the JSON answer into out (if not nil).
// A refusal comes back as an *APIError.
func (c *Client) Call(method, path string, out any) error {
	resp, err := c.do(method, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Stream copies a text answer (a list, a report) to w as it arrives.
func (c *Client) Stream(path string, w io.Writer) error {
	resp, err := c.do(http.MethodGet, path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(w, resp.Body)
	return err
}

func (c *Client) do(method, path string) (*http.Response, error) {
	req, err := http.NewRequest(method, "http://mgw"+path, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, Errorf(codes.EngineAccessException, "%v", err)
	}
	if resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	var ae APIError
	if err := json.NewDecoder(resp.Body).Decode(&ae); err != nil || ae.Code == "" {
		return nil, Errorf(codes.EngineAccessException, "HTTP %s", resp.Status)
	}
	return nil, &ae
}

// JobPath is the API path of a job's resource.
func JobPath(name string, rest ...string) string {
	p := "/v1/jobs/" + url.PathEscape(name)
	if len(rest) > 0 {
		p += "/" + strings.Join(rest, "/")
	}
	return p
}

// AddressPath is the API path of an address's resource.
func AddressPath(name string, rest ...string) string {
	return fmt.Sprintf("/v1/addresses/%s/%s", url.PathEscape(name), strings.Join(rest, "/"))
}
