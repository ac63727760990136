package local

import (
	"errors"
	"strings"
	"syscall"

	"github.com/mgw-dev/mgw/connectors"
)

// Windows names are UTF-16: bytes that are not UTF-8 cannot round trip.
const utf8Keys = true

// checkName refuses the characters Windows does not allow in names; '\'
// would otherwise be taken as a separator.
func checkName(seg string) error {
	if strings.ContainsAny(seg, `\:*?"<>|`) {
		return errors.New(`name holds one of \:*?"<>|`)
	}
	for _, c := range []byte(seg) {
		if c < 32 {
			return errors.New("control character in name")
		}
	}
	return nil
}

const (
	errorDirectory   syscall.Errno = 267 // ERROR_DIRECTORY: the directory name is invalid
	errorInvalidName syscall.Errno = 123 // ERROR_INVALID_NAME
)

func sysKind(err error) (connectors.Kind, bool) {
	switch {
	case errors.Is(err, errorDirectory):
		return connectors.KindNotDir, true
	case errors.Is(err, errorInvalidName):
		return connectors.KindUnsupportedName, true
	}
	return 0, false
}
