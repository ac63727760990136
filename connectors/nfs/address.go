package nfs

import (
	"context"
	"fmt"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an nfs address:
//
//	type: nfs
//	server: host or host:port
//	export: /export/media
//	path: 2024/ (optional)
//	version: 3 (optional, the only one)
//	uid: 0, gid: 0 (AUTH_UNIX, optional)
//	reserved_port: true (optional: MOUNT and NFS from a port below 1024)
var Backend = connectors.Backend{
	Type:       "nfs",
	Open:       func(_ context.Context, a connectors.Address) (connectors.Bucket, error) { return New(a) },
	Validate:   validate,
	Code:       code,
	Root:       nasfs.Root,
	FileSystem: true,
	Shared:     true,
}

func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	nasfs.NeedText(&ps, a.Type, "server", a.Server, "export", a.Export)
	if a.Export != "" && !strings.HasPrefix(a.Export, "/") {
		ps.Add(codes.BadParameters, "export", fmt.Sprintf("%q: an export is an absolute path, such as /export/media", a.Export))
	}
	switch a.Version {
	case "", "3":
		a.Version = "3"
	default:
		ps.Add(codes.SourceAccessVersionInvalid, "version", fmt.Sprintf("%q: mgw speaks NFS version 3 only", a.Version))
	}
	nasfs.Unused(&ps, "nfs", nasfs.Field{Name: "share", Set: a.Share != ""}, nasfs.Field{Name: "user", Set: a.User != ""},
		nasfs.Field{Name: "password", Set: a.Password != ""}, nasfs.Field{Name: "password_file", Set: a.PasswordFile != ""},
		nasfs.Field{Name: "domain", Set: a.Domain != ""})
	nasfs.CheckConns(&ps, a.Conns)
	return ps
}

func code(side connectors.Side, _ connectors.Address, err error) string {
	return nasfs.AddressCode(side, err, IsConnectError(err))
}
