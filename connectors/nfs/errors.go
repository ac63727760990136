package nfs

import (
	"errors"
	"os"
	"strconv"
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
		case nfsc.NFS3ErrAcces, nfsc.NFS3ErrROFS, nfsc.NFS3ErrPerm:
			return connectors.KindAccessDenied
		case nfsc.NFS3ErrNotDir:
			return connectors.KindNotDir
		case nfsc.NFS3ErrNameTooLong:
			return connectors.KindUnsupportedName
		case nfsc.NFS3ErrNoSpc, nfsc.NFS3ErrDQuot:
			return connectors.KindNoSpace
		case nfsc.NFS3ErrIsDir, nfsc.NFS3ErrInval, nfsc.NFS3ErrFBig:
			return connectors.KindInvalidArgument
		case nfsc.NFS3ErrStale, nfsc.NFS3ErrBadHandle, nfsc.NFS3ErrIO, nfsc.NFS3ErrServerFault:
			return connectors.KindTransient
		case nfsc.NFS3ErrNotSupp:
			return connectors.KindUnsupported
		}
	}
	var me *mountError
	if errors.As(err, &me) {
		switch me.stat {
		case nfsc.MNT3ErrNoEnt, nfsc.MNT3ErrNotDir:
			return connectors.KindNoSuchBucket // no such export
		case nfsc.MNT3ErrAcces, nfsc.MNT3ErrPerm:
			return connectors.KindAccessDenied
		}
		return connectors.KindInvalidArgument
	}
	var (
		pe *reservedPortError
		re *refusal
	)
	if errors.As(err, &pe) || errors.As(err, &re) {
		return connectors.KindAccessDenied
	}
	var nr *notRegisteredError
	if errors.As(err, &nr) {
		return connectors.KindUnsupported // no NFS version 3 (or no MOUNT) here
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
// unusable: the transport failed, a call on it was given up (bound), the
// server forgot its file handles (a restarted server answers
// NFS3ERR_STALE), or, redialling, the portmapper does not know the
// server yet (it is restarting).
func broken(err error) bool {
	if err == nil {
		return false
	}
	var (
		ne *nfsc.Error
		nr *notRegisteredError
		ae *abandonedError
	)
	if errors.As(err, &ne) {
		return ne.ErrorNum == nfsc.NFS3ErrStale || ne.ErrorNum == nfsc.NFS3ErrBadHandle
	}
	if errors.As(err, &nr) || errors.As(err, &ae) || nasfs.NetBroken(err) {
		return true
	}
	// go-nfs-client gives up on a dead connection with this text.
	return err.Error() == "disconnected"
}

// mountError is the MOUNT protocol's refusal (mountstat3, RFC 1813 5.1.5).
type mountError struct{ stat uint32 }

var mountStats = map[uint32]string{
	nfsc.MNT3ErrPerm: "MNT3ERR_PERM", nfsc.MNT3ErrNoEnt: "MNT3ERR_NOENT", nfsc.MNT3ErrIO: "MNT3ERR_IO",
	nfsc.MNT3ErrAcces: "MNT3ERR_ACCES", nfsc.MNT3ErrNotDir: "MNT3ERR_NOTDIR", nfsc.MNT3ErrInval: "MNT3ERR_INVAL",
	nfsc.MNT3ErrNameTooLong: "MNT3ERR_NAMETOOLONG", nfsc.MNT3ErrNotSupp: "MNT3ERR_NOTSUPP",
	nfsc.MNT3ErrServerFault: "MNT3ERR_SERVERFAULT",
}

func (e *mountError) Error() string {
	if s, ok := mountStats[e.stat]; ok {
		return "mount refused: " + s
	}
	return "mount refused: status " + strconv.FormatUint(uint64(e.stat), 10)
}

// notRegisteredError is a portmapper's answer for a program it does not
// know: port 0.
type notRegisteredError struct{ prog uint32 }

func (e *notRegisteredError) Error() string {
	name := "NFS version 3"
	if e.prog == nfsc.MountProg {
		name = "MOUNT version 3"
	}
	return "the portmapper knows no " + name + " over TCP on this server (PROG_UNAVAIL)"
}

// reservedPortError is a reserved source port the system would not
// bind. Like refusal, it has no Unwrap, so that its advice shows.
type reservedPortError struct{ err error }

func (e *reservedPortError) Error() string {
	return "reserved_port: binding a source port below 1024 needs root or CAP_NET_BIND_SERVICE: " +
		"run the agent as root, or leave reserved_port out if the export does not ask for one (" + e.err.Error() + ")"
}
