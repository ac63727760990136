// Package gcstest is what tests of GCS addresses need besides the storage
// emulator (fake-gcs-server): Storage sets up its buckets and objects, and
// TokenServer is a protocol-level stand-in for Google's OAuth token
// endpoint, since the emulator checks no credentials and no Google token
// endpoint can run here. TokenServer checks what Google checks of a
// service account's token request (an RS256 JWT assertion signed by a key
// ID the account holds, issued by the account, for the token endpoint, not
// expired) and answers as Google does.
package gcstest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// TokenServer issues access tokens for the keys it holds.
type TokenServer struct {
	*httptest.Server
	mu   sync.Mutex
	keys map[string]account // by key ID
}

type account struct {
	email string
	pub   *rsa.PublicKey
}

// NewTokenServer starts a token endpoint at URL + "/token". Close it.
func NewTokenServer() *TokenServer {
	s := &TokenServer{keys: map[string]account{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// TokenURL is what key files name as their token_uri.
func (s *TokenServer) TokenURL() string { return s.URL + "/token" }

// NewKeyFile makes a service account key, registers its key ID with the
// server unless unknown is set (as for a key deleted in the console), and
// returns the key file's JSON.
func (s *TokenServer) NewKeyFile(email string, unknown bool) []byte {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 20)
	rand.Read(id)
	kid := hex.EncodeToString(id)
	if !unknown {
		s.mu.Lock()
		s.keys[kid] = account{email: email, pub: &k.PublicKey}
		s.mu.Unlock()
	}
	js, err := json.MarshalIndent(map[string]string{
		"type":           "service_account",
		"project_id":     "mgw-test",
		"private_key_id": kid,
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   email,
		"client_id":      "1000000000000000000",
		"auth_uri":       "https://accounts.google.com/o/oauth2/auth",
		"token_uri":      s.TokenURL(),
	}, "", "  ")
	if err != nil {
		panic(err)
	}
	return js
}

func (s *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/token" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		answer(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "})
		return
	}
	if !s.valid(r.PostForm.Get("assertion")) {
		answer(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
		return
	}
	tok := make([]byte, 24)
	rand.Read(tok)
	answer(w, http.StatusOK, map[string]any{
		"access_token": "ya29.test-" + hex.EncodeToString(tok), "expires_in": 3599, "token_type": "Bearer",
	})
}

// valid checks the assertion's signature, key ID, issuer, audience and expiry.
func (s *TokenServer) valid(jwt string) bool {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return false
	}
	var hdr struct{ Alg, Kid string }
	var claims struct {
		Iss string `json:"iss"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
	}
	if decode(parts[0], &hdr) != nil || decode(parts[1], &claims) != nil || hdr.Alg != "RS256" {
		return false
	}
	s.mu.Lock()
	acct, ok := s.keys[hdr.Kid]
	s.mu.Unlock()
	if !ok || claims.Iss != acct.email || claims.Aud != s.TokenURL() || time.Unix(claims.Exp, 0).Before(time.Now()) {
		return false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	return rsa.VerifyPKCS1v15(acct.pub, crypto.SHA256, sum[:], sig) == nil
}

func decode(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

func answer(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
