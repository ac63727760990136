package nasfs

import (
	"fmt"
	"path"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// This file holds the address rules the share backends (smb, nfs) share:
// checks of their fields, where a share address's data lives, and the
// catalogue codes of their errors. Each backend's own fields stay in its
// package.

// Field is a config field and whether the address sets it.
type Field struct {
	Name string
	Set  bool
}

// Unused refuses, with BadParameters, each field that is set but is not
// one of type typ (an nfs address with a password): it would be ignored,
// and the user believes it is used.
func Unused(ps *addrcheck.Problems, typ string, fields ...Field) {
	for _, f := range fields {
		if f.Set {
			ps.Add(codes.BadParameters, f.Name, "not a field of type "+typ)
		}
	}
}

// NeedText is addrcheck's Need for share fields: a value of blanks is
// missing too (a server or share name never is blank).
func NeedText(ps *addrcheck.Problems, typ string, pairs ...string) {
	trimmed := make([]string, len(pairs))
	for i, v := range pairs {
		if i%2 == 1 {
			v = strings.TrimSpace(v)
		}
		trimmed[i] = v
	}
	ps.Need(codes.NASParameterEmpty, typ, trimmed...)
}

// CheckConns bounds the conns field (0: the job sizes it).
func CheckConns(ps *addrcheck.Problems, conns int) {
	if conns < 0 || conns > connectors.MaxConns {
		ps.Add(codes.BadParameters, "conns", fmt.Sprintf("must be between 1 and %d (0: the job's concurrency)", connectors.MaxConns))
	}
}

// Root is where a share address's data lives:
// <type>://<server, lower-case>/<share><export>//<folder>/, e.g.
// smb://nas/projects//engineering/ or nfs://nas//export/media//2024/.
// The server compares without case; the share and the cleaned export must
// be the same; the folder is cleaned, so "a/" and "/a" are one folder.
// A cleaned export never holds "//", so the "//" before the folder keeps
// export /e with folder sub apart from export /e/sub.
func Root(a connectors.Address) string {
	export := strings.TrimSuffix(path.Clean("/"+a.Export), "/")
	dir := path.Clean("/" + a.Path)
	if dir != "/" {
		dir += "/"
	}
	return a.Type + "://" + strings.ToLower(a.Server) + "/" + a.Share + export + "/" + dir
}

// AddressCode maps an error met checking or listing a share address:
// connecting, logging in and mounting are one step for the user (the
// hosted service mounts the share), so all their failures (connect is
// the backend's IsConnectError) are *MountNasFailed, with the reason in
// the detail; after that, the folder.
func AddressCode(side connectors.Side, err error, connect bool) string {
	src := side == connectors.Source
	pick := func(source, dest string) string {
		if src {
			return source
		}
		return dest
	}
	k := connectors.KindOf(err)
	if k == connectors.KindUnsupported && src {
		return codes.SourceAccessVersionInvalid // the server offers no SMB 2/3 or NFS 3
	}
	if connect {
		return pick(codes.SourceMountNasFailed, codes.DestMountNasFailed)
	}
	switch k {
	case connectors.KindNotDir, connectors.KindNotFound:
		return pick(codes.SourcePrefixIsNotDir, codes.DestPrefixIsNotDir)
	case connectors.KindBadKeyID, connectors.KindBadSecret, connectors.KindNoSuchBucket, connectors.KindBadEndpoint:
		return pick(codes.SourceMountNasFailed, codes.DestMountNasFailed)
	}
	return pick(codes.SourceReadDirFailed, codes.DestReadDirFailed)
}
