package config

import (
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// Secrets are needed only where an address is opened (run, agent, check,
// address verify). A secret that cannot be had (a ${VAR} not set, a
// secret file not readable) must not stop the commands that only read
// the state and the config (status, job list, failed, skipped, report,
// address list): loading the config keeps the problem with the address,
// and ResolveSecrets, called by the commands that open addresses, gives
// it, with the code and message a failed load gave before.

// pendingSecrets is what stands between an address and its secrets.
type pendingSecrets struct {
	env    ConfigErrors    // ${VAR} of a secret field not set
	fields map[string]bool // the secret fields those are in
	files  ConfigErrors    // secret files that cannot be read, and what follows from a missing secret
}

// ResolveSecrets reports the secrets the config's addresses cannot have:
// a ${VAR} not set in a secret field, a secret file that cannot be read.
// Every command that opens an address calls it after loading the config.
// As when validation stopped at an unset variable, unset variables are
// reported alone.
func (c *Config) ResolveSecrets() error {
	var env, files ConfigErrors
	for i := range c.Addresses {
		env = append(env, c.Addresses[i].secrets.env...)
		files = append(files, c.Addresses[i].secrets.files...)
	}
	switch {
	case len(env) > 0:
		return env
	case len(files) > 0:
		return files
	}
	return nil
}

// isSecretFile tells the fields naming a file that holds a secret
// (password_file, access_key_secret_file, key_file…) from other files
// (list_file).
func isSecretFile(tag string) bool {
	base, ok := strings.CutSuffix(tag, "_file")
	return ok && isSecretField(base)
}

// pendingProblem reports whether a problem validation found with the
// address is its secrets' to report: a secret file it could not read, or
// a complaint about a secret field whose ${VAR} is not set.
func (a *AddressConfig) pendingProblem(pr connectors.Problem) bool {
	if a.secrets.fields[pr.Field] {
		return true
	}
	return isSecretFile(pr.Field) && pr.Code == codes.BadParameters && strings.HasPrefix(pr.Detail, "cannot read the ")
}

// expandSecret is expandEnv for the value of a secret field of
// addresses[i]: an unset variable is that address's pending problem, not
// the load's. It reports whether the value holds more than references,
// a secret written in the file.
func (p *parser) expandSecret(n *yaml.Node, i int, field string) (inline bool) {
	if n.Kind != yaml.ScalarNode {
		p.expandEnv(n)
		return false
	}
	inline = strings.TrimSpace(envRef.ReplaceAllString(n.Value, "")) != ""
	n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := os.LookupEnv(name)
		if !ok {
			ps := p.pendingOf(i)
			ps.env = append(ps.env, &ConfigError{Code: codes.BadParameters, File: p.file, Line: n.Line,
				Detail: "environment variable " + name + " is not set"})
			ps.fields[field] = true
		}
		return v
	})
	return inline
}

func (p *parser) pendingOf(i int) *pendingSecrets {
	if p.pending == nil {
		p.pending = map[int]*pendingSecrets{}
	}
	ps := p.pending[i]
	if ps == nil {
		ps = &pendingSecrets{fields: map[string]bool{}}
		p.pending[i] = ps
	}
	return ps
}

// expandRoot is expandEnv on the whole document, with the secret fields
// of addresses set apart (expandSecret).
func (p *parser) expandRoot(n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.expandEnv(n)
		return
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		key, val := n.Content[k], n.Content[k+1]
		if key.Value != "addresses" || val.Kind != yaml.SequenceNode {
			p.expandEnv(key)
			p.expandEnv(val)
			continue
		}
		for i, item := range val.Content {
			if item.Kind != yaml.MappingNode {
				p.expandEnv(item)
				continue
			}
			for f := 0; f+1 < len(item.Content); f += 2 {
				fk, fv := item.Content[f], item.Content[f+1]
				if isSecretField(fk.Value) {
					if p.expandSecret(fv, i, fk.Value) {
						p.inlineSecret = true
					}
					continue
				}
				p.expandEnv(fk)
				p.expandEnv(fv)
			}
		}
	}
}

// credentialsIn reports whether an endpoint carries a password
// (https://user:password@host): a secret in a field shown in the view,
// `mgw address list` and logs.
func credentialsIn(endpoint string) bool {
	rest := endpoint
	if _, after, ok := strings.Cut(endpoint, "://"); ok {
		rest = after
	}
	if u, err := url.Parse("https://" + rest); err == nil && u.User != nil {
		_, set := u.User.Password()
		return set
	}
	// A URL that does not parse may still hold one: user:pass@host.
	at := strings.LastIndex(rest, "@")
	return at > 0 && strings.Contains(rest[:at], ":")
}

// withoutCredentials is endpoint with the user information dropped, for
// the backend's checks of the rest.
func withoutCredentials(endpoint string) string {
	scheme, rest, ok := strings.Cut(endpoint, "://")
	if !ok {
		scheme, rest = "", endpoint
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = rest[at+1:]
	}
	if scheme == "" {
		return rest
	}
	return scheme + "://" + rest
}

// warnReadable warns, once a load, of each file holding secrets that
// users other than its owner can read: the config when a secret is
// written in it, and every secret file of an address.
func warnReadable(c *Config, inlineSecret bool) {
	if runtime.GOOS == "windows" {
		return // no Unix permission bits to judge
	}
	seen := map[string]bool{}
	warn := func(path string) {
		if path == "" || seen[path] {
			return
		}
		seen[path] = true
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm()&0o044 == 0 {
			return
		}
		slog.Warn("a file holding secrets is readable by other users: run chmod 600 "+path,
			"file", path, "mode", fi.Mode().Perm().String(), "fix", "chmod 600 "+path)
	}
	if inlineSecret {
		warn(c.Path)
	}
	for i := range c.Addresses {
		ca := c.Addresses[i].Connector()
		for _, f := range []string{ca.AccessKeySecretFile, ca.SecretKeyFile, ca.PasswordFile, ca.KeyFile} {
			warn(f)
		}
	}
}
