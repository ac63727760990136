package gcs

import (
	"context"
	"net/http"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/jwt"
)

const (
	defaultTokenURL = "https://oauth2.googleapis.com/token"
	scopeReadWrite  = "https://www.googleapis.com/auth/devstorage.read_write"
)

// tokenSource gives the service account's access token: a JWT signed with the
// key file's private key is traded for one at the key file's token_uri,
// and the token is reused until it nears its expiry.
type tokenSource struct {
	mu  sync.Mutex // one fetch at a time, so tr.err is that fetch's
	src oauth2.TokenSource
	tr  *lastError
}

// lastError keeps the error of the token request's transport: the token
// source reports it as text only, and its kind (a refused connection, a
// timeout) decides what the agent does.
type lastError struct {
	rt  http.RoundTripper
	err error
}

func (l *lastError) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := l.rt.RoundTrip(r)
	if err != nil {
		l.err = err
	}
	return resp, err
}

func newTokens(k KeyFile, rt http.RoundTripper) *tokenSource {
	cfg := &jwt.Config{
		Email:        k.ClientEmail,
		PrivateKey:   []byte(k.PrivateKey),
		PrivateKeyID: k.PrivateKeyID,
		TokenURL:     k.TokenURI,
		Scopes:       []string{scopeReadWrite},
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = defaultTokenURL
	}
	t := &tokenSource{tr: &lastError{rt: rt}}
	// The token requests go over the bucket's own connections.
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: t.tr})
	t.src = cfg.TokenSource(ctx)
	return t
}

// tokenFailure is a token that could not be had: err from the token
// source, cause from the transport if the endpoint gave no answer.
type tokenFailure struct {
	err, cause error
}

func (f *tokenFailure) Error() string { return "token request failed" }

func (t *tokenSource) token() (*oauth2.Token, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tr.err = nil
	tok, err := t.src.Token()
	if err != nil {
		return nil, &tokenFailure{err: err, cause: t.tr.err}
	}
	return tok, nil
}
