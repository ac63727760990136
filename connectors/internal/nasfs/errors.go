package nasfs

import (
	"errors"
	"io"
	"net"
	"syscall"
)

// NetBroken reports whether err is the network's own: the TCP connection
// was refused, reset, closed or cut short. Both clients pass these on as
// they come; each backend's Broken adds what its protocol says of a
// connection it can no longer use.
func NetBroken(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNREFUSED)
}
