package nfs

import (
	"errors"
	"os"

	nfsc "github.com/willscott/go-nfs-client/nfs"
)

// What servers answer a client whose source port is not reserved
// (below 1024), where the export asks for one:
//
//	nfs-ganesha 4.3, PrivilegedPort      MOUNT granted; every NFS call denied:
//	                                     RPC MSG_DENIED, AUTH_ERROR, AUTH_TOOWEAK
//	Linux kernel server, "secure"        MOUNT: MNT3ERR_ACCES (mountd logs
//	(the default)                        "illegal port"); NFS calls: NFS3ERR_PERM
//
// go-nfs-client reports an RPC AUTH_ERROR as "rejectedStatus was not
// valid: 1", without the auth_stat.

// refusal is the server's refusal of MOUNT or of the first NFS call
// (FSINFO), with what it most likely means. It has no Unwrap: the agent
// shows the innermost error's text (engine.RootCause), hint included.
type refusal struct {
	err  error
	hint string
}

func (e *refusal) Error() string {
	if e.hint == "" {
		return e.err.Error()
	}
	return e.err.Error() + ": " + e.hint
}

var (
	errAuth = errors.New("the server refused the call's credentials (RPC AUTH_ERROR)")
	// errNFSPerm names what go-nfs-client turns into os.ErrPermission.
	errNFSPerm = &nfsc.Error{ErrorNum: nfsc.NFS3ErrPerm, ErrorString: "NFS3ERR_PERM"}
)

const (
	// reservedHint is what a refusal of the first NFS call from an
	// ordinary port means.
	reservedHint = "the server accepts only clients on a reserved source port (below 1024): " +
		"set reserved_port: true and run the agent as root"
	// mountHint: a mountd answers a port it refuses as it answers a
	// host it does not know (and nfs-ganesha, an export it does not have).
	mountHint = "the server refuses this host the export (check the export's name and its client list), " +
		"or it accepts only clients on a reserved source port (below 1024): then set reserved_port: true and run the agent as root"
	// kerberosHint: from a reserved port, the AUTH_SYS credentials
	// themselves are refused.
	kerberosHint = "the export may ask for Kerberos (sec=krb5), which mgw does not speak"
)

// refused explains err, met mounting (MNT) or in the first NFS call; an
// error that is not a refusal comes back as it is.
func (d *dialer) refused(err error) error {
	var (
		me *mountError
		ne *nfsc.Error
	)
	switch {
	case isAuthError(err) && d.reserved:
		return &refusal{err: errAuth, hint: kerberosHint}
	case isAuthError(err):
		return &refusal{err: errAuth, hint: reservedHint}
	case d.reserved:
		return err
	case errors.As(err, &me) && (me.stat == nfsc.MNT3ErrAcces || me.stat == nfsc.MNT3ErrPerm):
		return &refusal{err: err, hint: mountHint}
	case errors.Is(err, os.ErrPermission): // NFS3ERR_PERM
		return &refusal{err: errNFSPerm, hint: reservedHint}
	case errors.As(err, &ne) && ne.ErrorNum == nfsc.NFS3ErrAcces:
		return &refusal{err: err, hint: reservedHint}
	}
	return err
}

// isAuthError reports whether err is go-nfs-client's report of an RPC
// reply denied with AUTH_ERROR (RFC 5531: reject_stat 1).
func isAuthError(err error) bool {
	return err != nil && err.Error() == "rejectedStatus was not valid: 1"
}
