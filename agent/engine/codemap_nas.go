package engine

import (
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/nfs"
	"github.com/mgw-dev/mgw/connectors/smb"
	"github.com/mgw-dev/mgw/state/codes"
)

// isShare reports whether an address type is a file share read with
// mgw's own client.
func isShare(typ string) bool { return typ == "smb" || typ == "nfs" }

// nasAddressCode maps an error met checking or listing an smb or nfs
// address: connecting, logging in and mounting are one step for the user
// (the hosted service mounts the share), so all their failures are
// *MountNasFailed, with the reason in the detail; after that, the folder.
func nasAddressCode(side connectors.Side, err error) string {
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
	if smb.IsConnectError(err) || nfs.IsConnectError(err) {
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
