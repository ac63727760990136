package gcs

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

// apiStandIn is an httptest server in the JSON API's place that gives
// every request the same answer, and records what it was sent.
type apiStandIn struct {
	*httptest.Server
	mu     sync.Mutex
	paths  []string // escaped path of each request, in order
	tokens []string // the bearer tokens sent
}

func newAPIStandIn(t *testing.T, answer func(w http.ResponseWriter, token string)) *apiStandIn {
	s := &apiStandIn{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // an upload is answered once it is all in
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		s.mu.Lock()
		s.paths = append(s.paths, r.URL.EscapedPath())
		s.tokens = append(s.tokens, tok)
		s.mu.Unlock()
		answer(w, tok)
	}))
	t.Cleanup(s.Close)
	return s
}

// take returns and forgets what was recorded.
func (s *apiStandIn) take() (paths, tokens []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	paths, tokens = s.paths, s.tokens
	s.paths, s.tokens = nil, nil
	return paths, tokens
}

// ops are each of the connector's requests, by name.
var ops = []struct {
	name string
	do   func(ctx context.Context, b *Bucket) error
}{
	{"stat", func(ctx context.Context, b *Bucket) error { _, err := b.Stat(ctx, "a/b c"); return err }},
	{"list", func(ctx context.Context, b *Bucket) error {
		return b.List(ctx, "", func(connectors.Object) error { return nil }, nil)
	}},
	{"open", func(ctx context.Context, b *Bucket) error {
		r, err := b.Open(ctx, "a/b c", 0, -1)
		if err == nil {
			r.Close()
		}
		return err
	}},
	{"put", func(ctx context.Context, b *Bucket) error {
		_, err := b.Put(ctx, "a/b c", bytes.NewReader([]byte("data")), 4, connectors.PutOptions{})
		return err
	}},
	{"delete", func(ctx context.Context, b *Bucket) error { return b.Delete(ctx, "a/b c") }},
}

// standInBucket opens a bucket at the stand-in (a bare host: the
// connector adds /storage/v1/), with a key gcstest's token endpoint knows.
func standInBucket(t *testing.T, s *apiStandIn) *Bucket {
	b := open(t, connectors.Address{Name: "gcs-stand-in", Type: "gcs", Endpoint: s.URL, Bucket: "bkt", KeyJSON: keyJSON})
	b.exists.Store(true) // a 404 is the object's: no second request to tell
	return b
}

// The agent owns retries and throttling: each 429 and 503 must reach it
// after one request, never be retried by the client on its own.
func TestNoRetryOfThrottles(t *testing.T) {
	for _, status := range []int{http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		s := newAPIStandIn(t, func(w http.ResponseWriter, _ string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			io.WriteString(w, `{"error":{"code":503,"message":"Please slow down.","errors":[{"reason":"x"}]}}`)
		})
		b := standInBucket(t, s)
		for _, op := range ops {
			err := op.do(t.Context(), b)
			paths, _ := s.take()
			if len(paths) != 1 {
				t.Errorf("%d, %s: %d requests %v, want 1", status, op.name, len(paths), paths)
			}
			var ce *connectors.Error
			if !errors.As(err, &ce) || ce.Kind != connectors.KindThrottled || ce.Status != status {
				t.Errorf("%d, %s: %v, want a throttle of status %d", status, op.name, err, status)
			}
		}
	}
}

// Object names are one path segment of the URL: their slashes escaped.
func TestObjectNameEscaped(t *testing.T) {
	s := newAPIStandIn(t, func(w http.ResponseWriter, _ string) { w.WriteHeader(http.StatusNotFound) })
	b := standInBucket(t, s)
	if _, err := b.Stat(t.Context(), "a/b c"); connectors.KindOf(err) != connectors.KindNotFound {
		t.Errorf("Stat: %v, want not found", err)
	}
	if paths, _ := s.take(); len(paths) != 1 || paths[0] != "/storage/v1/b/bkt/o/a%2Fb%20c" {
		t.Errorf("requested %v, want /storage/v1/b/bkt/o/a%%2Fb%%20c", paths)
	}
}

// No error holds the access token, even when the server quotes it back
// (as a proxy's error page might), in JSON or in plain text.
func TestErrorsHoldNoToken(t *testing.T) {
	for name, answer := range map[string]func(w http.ResponseWriter, tok string){
		"json": func(w http.ResponseWriter, tok string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"error":{"code":403,"message":"Bearer `+tok+` may not","errors":[{"reason":"forbidden"}]}}`)
		},
		"text": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "refused Authorization: Bearer "+tok+"\n")
		},
	} {
		s := newAPIStandIn(t, answer)
		b := standInBucket(t, s)
		for _, op := range ops {
			err := op.do(t.Context(), b)
			_, tokens := s.take()
			if len(tokens) == 0 || tokens[0] == "" {
				t.Fatalf("%s, %s: no token was sent", name, op.name)
			}
			if err == nil {
				t.Errorf("%s, %s: no error", name, op.name)
			} else if strings.Contains(err.Error(), tokens[0]) {
				t.Errorf("%s, %s: the error holds the access token", name, op.name)
			}
		}
	}
}
