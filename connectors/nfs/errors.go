package nfs

import (
	"errors"
	"os"
	"strings"
	"syscall"

	nfsc "github.com/willscott/go-nfs-client/nfs"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// kindOf classifies an error of go-nfs-client, of the MOUNT protocol or of
// the network.
func kindOf(err error) connectors.Kind {
	var ne *nfsc.Error
	if errors.As(err, &ne) {
		switch ne.ErrorNum {
		case nfsc.NFS3ErrAcces, nfsc.NFS3ErrROFS:
			return connectors.KindAccessDenied
		case nfsc.NFS3ErrNotDir:
			return connectors.KindNotDir
		case nfsc.NFS3ErrNameTooLong:
			return connectors.KindUnsupportedName
		case nfsc.NFS3ErrIsDir, nfsc.NFS3ErrInval, nfsc.NFS3ErrNoSpc, nfsc.NFS3ErrDQuot, nfsc.NFS3ErrFBig:
			return connectors.KindInvalidArgument
		case nfsc.NFS3ErrStale, nfsc.NFS3ErrBadHandle, nfsc.NFS3ErrIO, nfsc.NFS3ErrServerFault:
			return connectors.KindTransient
		case nfsc.NFS3ErrNotSupp:
			return connectors.KindUnsupported
		}
	}
	var me *mountError
	if errors.As(err, &me) {
		switch me.status {
		case "MNT3ERR_NOENT", "MNT3ERR_NOTDIR":
			return connectors.KindNoSuchBucket // no such export
		case "MNT3ERR_ACCES", "MNT3ERR_PERM":
			return connectors.KindAccessDenied
		}
		return connectors.KindInvalidArgument
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return connectors.KindNotDir
	}
	if errors.Is(err, os.ErrExist) {
		return connectors.KindInvalidArgument
	}
	if k := connectors.Classify(err); k != connectors.KindUnknown {
		return k
	}
	s := err.Error()
	switch {
	case strings.Contains(s, "PROG_MISMATCH"), strings.Contains(s, "PROG_UNAVAIL"):
		return connectors.KindUnsupported // no NFS version 3 (or no MOUNT) here
	case broken(err):
		return connectors.KindTransient
	}
	return connectors.KindUnknown
}

// broken reports whether err means the connection or the mount is
// unusable: the transport failed, or the server forgot its file handles
// (a restarted server answers NFS3ERR_STALE).
func broken(err error) bool {
	if err == nil {
		return false
	}
	var ne *nfsc.Error
	if errors.As(err, &ne) {
		return ne.ErrorNum == nfsc.NFS3ErrStale || ne.ErrorNum == nfsc.NFS3ErrBadHandle
	}
	if nasfs.NetBroken(err) {
		return true
	}
	// go-nfs-client gives up on a dead connection with this text.
	return err.Error() == "disconnected"
}

// mountError is the MOUNT protocol's refusal ("MNT3ERR_NOENT"...).
type mountError struct{ status string }

func (e *mountError) Error() string { return "mount refused: " + e.status }
