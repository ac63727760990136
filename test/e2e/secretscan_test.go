package e2e

import (
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

// secretForms are the ways a secret may show in an output: as written,
// URL-escaped and in base64.
func secretForms(secret string) map[string]string {
	return map[string]string{"as written": secret, "query-escaped": url.QueryEscape(secret),
		"path-escaped": url.PathEscape(secret), "base64": base64.StdEncoding.EncodeToString([]byte(secret)),
		"raw base64": base64.RawURLEncoding.EncodeToString([]byte(secret))}
}

// wantNoSecret fails t where any secret shows, in any form, in out (whose
// first line labels it).
func wantNoSecret(t *testing.T, out string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for how, form := range secretForms(secret) {
			if strings.Contains(out, form) {
				label, _, _ := strings.Cut(out, "\n")
				t.Errorf("secret %.12s shows %s in %s:\n%s", secret, how, label, strings.ReplaceAll(out, form, "<SECRET>"))
			}
		}
	}
}

// secrets are the address's secrets, for wantNoSecret.
func (a address) secrets() []string {
	return []string{a.AccessKeySecret, a.AccountKey, a.SASToken, a.ConnectionString, a.Password}
}
