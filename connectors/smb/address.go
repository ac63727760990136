package smb

import (
	"context"
	"fmt"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an smb address:
//
//	type: smb
//	server: host or host:port
//	share: projects
//	path: engineering/ (optional)
//	user: backup
//	password or password_file
//	domain: CORP (optional)
//	version: 3 (optional; 2 or 3, never 1)
//
// A password may hold any character: it goes to the SMB login as it is,
// never through a mount command line.
var Backend = connectors.Backend{
	Type:       "smb",
	Open:       func(_ context.Context, a connectors.Address) (connectors.Bucket, error) { return New(a) },
	Validate:   validate,
	Code:       code,
	Root:       nasfs.Root,
	FileSystem: true,
	Shared:     true,
}

func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	nasfs.NeedText(&ps, a.Type, "server", a.Server, "share", a.Share, "user", a.User)
	if a.Password == "" && a.PasswordFile == "" {
		ps.Add(codes.NASParameterEmpty, "password", "password or password_file is required for type smb")
	}
	if a.PasswordFile != "" {
		a.Password = ps.Secret("password_file", "password", a.PasswordFile)
	}
	if strings.ContainsAny(a.Share, `/\`) {
		ps.Add(codes.BadParameters, "share", fmt.Sprintf("%q: the share's name, without slashes (a folder in it goes in path)", a.Share))
	}
	switch a.Version {
	case "", "2", "3", "2.0", "2.1", "3.0", "3.0.2", "3.1.1":
	default:
		ps.Add(codes.SourceAccessVersionInvalid, "version", fmt.Sprintf("%q: mgw speaks SMB 2 and 3 (SMB 1 is not supported)", a.Version))
	}
	nasfs.Unused(&ps, "smb", nasfs.Field{Name: "export", Set: a.Export != ""},
		nasfs.Field{Name: "uid", Set: a.UID != 0}, nasfs.Field{Name: "gid", Set: a.GID != 0},
		nasfs.Field{Name: "reserved_port", Set: a.ReservedPort})
	nasfs.CheckConns(&ps, a.Conns)
	return ps
}

func code(side connectors.Side, _ connectors.Address, err error) string {
	return nasfs.AddressCode(side, err, IsConnectError(err))
}
