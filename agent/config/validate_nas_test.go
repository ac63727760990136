package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

const nasConfig = `
addresses:
  - name: nas-projects
    type: smb
    server: 10.0.0.5
    share: projects
    path: engineering/
    user: backup
    password_file: %s
    domain: CORP
  - name: nas-media
    type: nfs
    server: 10.0.0.6:2049
    export: /export/media
    path: 2024/
    version: 3
    uid: 1000
    gid: 100
    reserved_port: true
    conns: 4
jobs:
  - {name: nas-copy, source: nas-projects, destination: nas-media}
`

// A password holding commas, quotes and spaces is taken as it is, and
// every field reaches the connector.
func TestParseNASConfig(t *testing.T) {
	const password = `a,b"c'd e `
	pw := filepath.Join(t.TempDir(), "nas.pw")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("mgw.yaml", []byte(strings.Replace(nasConfig, "%s", pw, 1)))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Resolved("nas-projects")
	if s.Server != "10.0.0.5" || s.Share != "projects" || s.Path != "engineering/" || s.User != "backup" ||
		s.Password != password || s.Domain != "CORP" {
		t.Errorf("smb address: %+v", s.Redacted())
	}
	if r := s.Redacted(); r.Password != "****" {
		t.Errorf("Redacted keeps the password")
	}
	n := cfg.Resolved("nas-media")
	if n.Server != "10.0.0.6:2049" || n.Export != "/export/media" || n.Path != "2024/" || n.UID != 1000 || n.GID != 100 || !n.ReservedPort || n.Conns != 4 {
		t.Errorf("nfs address: %+v", n)
	}
}

func TestNASConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, code, want string
	}{
		{"smb without share", addrs("  - {name: nas-a, type: smb, server: s, user: u, password: p}\n"), codes.NASParameterEmpty, "addresses[0].share"},
		{"smb without user", addrs("  - {name: nas-a, type: smb, server: s, share: x, password: p}\n"), codes.NASParameterEmpty, "addresses[0].user"},
		{"smb without password", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u}\n"), codes.NASParameterEmpty, "password"},
		{"smb password file missing", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password_file: /nonexistent/pw}\n"), codes.BadParameters, "cannot read the password file"},
		{"smb 1", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: p, version: 1}\n"), codes.SourceAccessVersionInvalid, "SMB 1 is not supported"},
		{"smb share with a slash", addrs("  - {name: nas-a, type: smb, server: s, share: x/y, user: u, password: p}\n"), codes.BadParameters, "addresses[0].share"},
		{"nfs without export", addrs("  - {name: nas-a, type: nfs, server: s}\n"), codes.NASParameterEmpty, "addresses[0].export"},
		{"nfs without server", addrs("  - {name: nas-a, type: nfs, export: /e}\n"), codes.NASParameterEmpty, "addresses[0].server"},
		{"nfs 4", addrs("  - {name: nas-a, type: nfs, server: s, export: /e, version: 4}\n"), codes.SourceAccessVersionInvalid, "version 3 only"},
		{"nfs relative export", addrs("  - {name: nas-a, type: nfs, server: s, export: e}\n"), codes.BadParameters, "absolute"},
		{"smb with reserved_port", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: p, reserved_port: true}\n"), codes.BadParameters, "not a field of type smb"},
		{"nfs with a password", addrs("  - {name: nas-a, type: nfs, server: s, export: /e, password: p}\n"), codes.BadParameters, "not a field of type nfs"},
		{"cifs", addrs("  - {name: nas-a, type: cifs, server: s}\n"), codes.SourceAccessMethodInvalid, `"cifs"`},
		{"same share", addrs("  - {name: nas-a, type: nfs, server: s, export: /e}\n  - {name: nas-b, type: nfs, server: s, export: /e, path: sub}\n") +
			"jobs:\n  - {name: job1, source: nas-a, destination: nas-b}\n", codes.DuplicateSourceDestination, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parseFails(t, tc.yaml, tc.code, tc.want)
		})
	}
	// Two shares of one server are different places.
	ok := addrs("  - {name: nas-a, type: smb, server: s, share: one, user: u, password: p}\n  - {name: nas-b, type: smb, server: s, share: two, user: u, password: p}\n") +
		"jobs:\n  - {name: job1, source: nas-a, destination: nas-b}\n"
	if _, err := ParseConfig("mgw.yaml", []byte(ok)); err != nil {
		t.Errorf("two shares: %v", err)
	}
}
