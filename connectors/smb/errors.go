package smb

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/connpool"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
)

// NTSTATUS values ([MS-ERREF] 2.3.1) the connector tells apart; go-smb2
// keeps its table internal.
const (
	statusObjectNameInvalid   = 0xC0000033
	statusSharingViolation    = 0xC0000043
	statusDeletePending       = 0xC0000056
	statusLogonFailure        = 0xC000006D
	statusAccountRestriction  = 0xC000006E
	statusPasswordExpired     = 0xC0000071
	statusAccountDisabled     = 0xC0000072
	statusAccountLockedOut    = 0xC0000234
	statusFileIsADirectory    = 0xC00000BA
	statusNotSupported        = 0xC00000BB
	statusNetworkNameDeleted  = 0xC00000C9
	statusBadNetworkName      = 0xC00000CC
	statusNotADirectory       = 0xC0000103
	statusUserSessionDeleted  = 0xC0000203
	statusNetworkSessionExp   = 0xC000035C
	statusDiskFull            = 0xC000007F
	statusInsufficientRes     = 0xC000009A
	statusTooManyOpenedFiles  = 0xC000011F
	statusNameTooLong         = 0xC0000106
	statusObjectPathSyntaxBad = 0xC000003B
	statusInvalidParameter    = 0xC000000D
)

// kindOf classifies an error of go-smb2 or of the network.
func kindOf(err error) connectors.Kind {
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		switch re.Code {
		case statusLogonFailure, statusAccountRestriction, statusPasswordExpired, statusAccountDisabled, statusAccountLockedOut:
			return connectors.KindBadSecret
		case statusBadNetworkName:
			return connectors.KindNoSuchBucket
		case statusObjectNameInvalid, statusNameTooLong, statusObjectPathSyntaxBad:
			return connectors.KindUnsupportedName
		case statusNotADirectory:
			return connectors.KindNotDir
		case statusDeletePending:
			return connectors.KindNotFound
		case statusFileIsADirectory, statusInvalidParameter:
			return connectors.KindInvalidArgument
		case statusSharingViolation, statusInsufficientRes, statusTooManyOpenedFiles:
			return connectors.KindThrottled
		case statusNetworkNameDeleted, statusUserSessionDeleted, statusNetworkSessionExp:
			return connectors.KindTransient
		case statusNotSupported:
			return connectors.KindUnsupported
		case statusDiskFull:
			return connectors.KindNoSpace
		}
	}
	if errors.Is(err, syscall.ENOTDIR) {
		return connectors.KindNotDir
	}
	if k := connectors.Classify(err); k != connectors.KindUnknown {
		return k
	}
	if broken(err) {
		return connectors.KindTransient
	}
	var ne *smb2.InvalidResponseError
	if errors.As(err, &ne) && strings.Contains(ne.Message, "dialect") {
		return connectors.KindUnsupported // no SMB 2 or 3 on offer
	}
	return connectors.KindUnknown
}

// broken reports whether err means the session is unusable: the TCP
// connection failed or the server forgot the session or tree.
func broken(err error) bool {
	if err == nil {
		return false
	}
	var re *smb2.ResponseError
	if errors.As(err, &re) {
		switch re.Code {
		case statusNetworkNameDeleted, statusUserSessionDeleted, statusNetworkSessionExp:
			return true
		}
		return false
	}
	var te *smb2.TransportError
	switch {
	case nasfs.NetBroken(err), errors.As(err, &te), errors.Is(err, io.EOF), errors.Is(err, os.ErrDeadlineExceeded):
		return true
	case errors.Is(err, connpool.ErrClosed):
		return false
	}
	// go-smb2 reports requests on a dead connection with the reader's
	// last error, which is not always typed.
	s := err.Error()
	return strings.Contains(s, "connection reset") || strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "use of closed network connection")
}
