package nfs

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
)

// A dial whose random source port is taken is tried again, as the
// portmapper path needs; any other error ends it at once.
func TestRetryInUse(t *testing.T) {
	inUse := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("bind", syscall.EADDRINUSE)}
	calls := 0
	v, err := retryInUse(func() (int, error) {
		if calls++; calls < 3 {
			return 0, inUse
		}
		return 7, nil
	})
	if err != nil || v != 7 || calls != 3 {
		t.Fatalf("got %d, %v after %d calls; want 7 after 3", v, err, calls)
	}
	calls = 0
	refused := errors.New("connection refused")
	if _, err := retryInUse(func() (int, error) { calls++; return 0, refused }); err != refused || calls != 1 {
		t.Errorf("another error: %v after %d calls, want it at once", err, calls)
	}
	calls = 0
	if _, err := retryInUse(func() (int, error) { calls++; return 0, inUse }); !errors.Is(err, syscall.EADDRINUSE) || calls != inUseRetries+1 {
		t.Errorf("always in use: %v after %d calls, want the error after %d", err, calls, inUseRetries+1)
	}
}
