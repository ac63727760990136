package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// validateNAS checks an smb or nfs address:
//
//	type: smb                      type: nfs
//	server: host or host:port      server: host or host:port
//	share: projects                export: /export/media
//	path: engineering/ (optional)  path: 2024/ (optional)
//	user: backup                   version: 3 (optional, the only one)
//	password or password_file      uid: 0, gid: 0 (AUTH_UNIX, optional)
//	domain: CORP (optional)
//
// A password may hold any character: it goes to the SMB login as it is,
// never through a mount command line. It reports whether the address was
// a share (else validateAddress goes on).
func (p *parser) validateNAS(a *AddressConfig) bool {
	if !isShare(a.Type) {
		return false
	}
	need := func(pairs ...string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			if strings.TrimSpace(pairs[i+1]) == "" {
				line, field := a.pos.at(pairs[i])
				p.fail(codes.NASParameterEmpty, line, field, "required for type "+a.Type)
			}
		}
	}
	badVersion := func(detail string) {
		line, field := a.pos.at("version")
		p.fail(codes.SourceAccessVersionInvalid, line, field, detail)
	}
	switch a.Type {
	case "smb":
		need("server", a.Server, "share", a.Share, "user", a.User)
		if a.Password == "" && a.PasswordFile == "" {
			line, field := a.pos.at("password")
			p.fail(codes.NASParameterEmpty, line, field, "password or password_file is required for type smb")
		}
		if a.PasswordFile != "" {
			b, err := os.ReadFile(a.PasswordFile)
			if err != nil {
				line, field := a.pos.at("password_file")
				p.fail(codes.BadParameters, line, field, "cannot read the password file: "+pathError(err))
			}
			// Only the line end goes: spaces, commas and quotes are the password's.
			a.Password = strings.TrimRight(string(b), "\r\n")
		}
		if strings.ContainsAny(a.Share, `/\`) {
			line, field := a.pos.at("share")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q: the share's name, without slashes (a folder in it goes in path)", a.Share))
		}
		switch a.Version {
		case "", "2", "3", "2.0", "2.1", "3.0", "3.0.2", "3.1.1":
		default:
			badVersion(fmt.Sprintf("%q: mgw speaks SMB 2 and 3 (SMB 1 is not supported)", a.Version))
		}
		for field, set := range map[string]bool{"export": a.Export != "", "uid": a.UID != 0, "gid": a.GID != 0} {
			if set {
				line, f := a.pos.at(field)
				p.fail(codes.BadParameters, line, f, "not a field of type smb")
			}
		}
	case "nfs":
		need("server", a.Server, "export", a.Export)
		if a.Export != "" && !strings.HasPrefix(a.Export, "/") {
			line, field := a.pos.at("export")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q: an export is an absolute path, such as /export/media", a.Export))
		}
		switch a.Version {
		case "", "3":
			a.Version = "3"
		default:
			badVersion(fmt.Sprintf("%q: mgw speaks NFS version 3 only", a.Version))
		}
		for field, set := range map[string]bool{"share": a.Share != "", "user": a.User != "", "password": a.Password != "",
			"password_file": a.PasswordFile != "", "domain": a.Domain != ""} {
			if set {
				line, f := a.pos.at(field)
				p.fail(codes.BadParameters, line, f, "not a field of type nfs")
			}
		}
	}
	if a.Conns < 0 || a.Conns > maxConns {
		line, field := a.pos.at("conns")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("must be between 1 and %d (0: the job's concurrency)", maxConns))
	}
	return true
}

// nasConnector fills in the share fields of a connector address.
func (a *AddressConfig) nasConnector(ca *connectors.Address) {
	ca.Server, ca.Share, ca.Export = a.Server, a.Share, a.Export
	ca.User, ca.Password, ca.Domain = a.User, a.Password, a.Domain
	ca.UID, ca.GID, ca.Conns = a.UID, a.GID, a.Conns
}

// nasMethods are share protocols people may write as a type that mgw does
// not speak: the catalogue has a code for them.
var nasMethods = map[string]bool{"cifs": true, "nas": true, "nfs4": true, "nfsv4": true, "afp": true, "smb1": true}

// maxConns bounds the sessions kept to one share.
const maxConns = 256

// unknownTypeCode is the code for an address type mgw does not know.
func unknownTypeCode(typ string) string {
	if nasMethods[strings.ToLower(typ)] {
		return codes.SourceAccessMethodInvalid
	}
	return codes.BadParameters
}

// sameNAS reports whether two share addresses of one type hold the same
// folder, or one inside the other.
func sameNAS(a, b *AddressConfig) bool {
	if !strings.EqualFold(a.Server, b.Server) || a.Share != b.Share || path.Clean("/"+a.Export) != path.Clean("/"+b.Export) {
		return false
	}
	pa := path.Clean("/"+a.Path) + "/"
	pb := path.Clean("/"+b.Path) + "/"
	if pa == "//" {
		pa = "/"
	}
	if pb == "//" {
		pb = "/"
	}
	return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
}

func isShare(typ string) bool { return typ == "smb" || typ == "nfs" }

// INTERIM until connectors/all.
var (
	OpenGCS         func(context.Context, connectors.Address) (connectors.Bucket, error)
	checkGCSKeyFile func(data []byte) error
	ErrNoGCS        = errors.New("this build of mgw has no GCS support (it was built with -tags nogcs); use a build without that tag")
	errNoGCS        = ErrNoGCS
)
