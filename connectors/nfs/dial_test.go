package nfs

import (
	"errors"
	"net"
	"os"
	"syscall"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs"
	"github.com/mgw-dev/mgw/state/codes"
)

// A dial whose random source port is taken is tried again, as every
// connection needs; any other error ends it at once.
func TestRetryInUse(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EADDRINUSE, syscall.EADDRNOTAVAIL} {
		taken := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("bind", errno)}
		calls := 0
		v, err := retryInUse(func() (int, error) {
			if calls++; calls < 3 {
				return 0, taken
			}
			return 7, nil
		})
		if err != nil || v != 7 || calls != 3 {
			t.Errorf("%v: got %d, %v after %d calls; want 7 after 3", errno, v, err, calls)
		}
		calls = 0
		if _, err := retryInUse(func() (int, error) { calls++; return 0, taken }); !errors.Is(err, errno) || calls != inUseRetries+1 {
			t.Errorf("always %v: %v after %d calls, want the error after %d", errno, err, calls, inUseRetries+1)
		}
	}
	calls := 0
	refused := errors.New("connection refused")
	if _, err := retryInUse(func() (int, error) { calls++; return 0, refused }); err != refused || calls != 1 {
		t.Errorf("another error: %v after %d calls, want it at once", err, calls)
	}
}

// The kernel's own answer for a source port in use, as go-nfs-client
// meets it (it binds a random one), is one retryInUse retries.
func TestPortTaken(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	local := &net.TCPAddr{Port: l.Addr().(*net.TCPAddr).Port} // the wildcard address, as go-nfs-client binds
	c, err := net.DialTCP("tcp", local, l.Addr().(*net.TCPAddr))
	if err == nil {
		c.Close()
		t.Fatal("dialled from a port a listener holds")
	}
	if !portTaken(err) {
		t.Errorf("%v: not seen as a port in use", err)
	}
}

// A refusal of MOUNT or of the first NFS call says what the server most
// likely wanted; other errors pass through.
func TestRefused(t *testing.T) {
	authErr := errors.New("rejectedStatus was not valid: 1") // go-nfs-client's AUTH_ERROR
	acces := &mountError{stat: nfsc.MNT3ErrAcces}
	nfsAcces := &nfsc.Error{ErrorNum: nfsc.NFS3ErrAcces, ErrorString: "NFS3ERR_ACCES"}
	other := errors.New("rpc: PROG_UNAVAIL - server does not recognize the program number")
	for _, tc := range []struct {
		name     string
		err      error
		reserved bool
		want     string // "" for the error as it is
	}{
		{"ganesha's AUTH_TOOWEAK", authErr, false, errAuth.Error() + ": " + reservedHint},
		{"kernel mountd", acces, false, acces.Error() + ": " + mountHint},
		{"kernel nfsd", os.ErrPermission, false, "NFS3ERR_PERM: " + reservedHint},
		{"NFS3ERR_ACCES", nfsAcces, false, "NFS3ERR_ACCES: " + reservedHint},
		{"credentials refused from a reserved port", authErr, true, errAuth.Error() + ": " + kerberosHint},
		{"mount refused from a reserved port", acces, true, ""},
		{"no such export", &mountError{stat: nfsc.MNT3ErrNoEnt}, false, ""},
		{"another error", other, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := (&dialer{reserved: tc.reserved}).refused(tc.err)
			want := tc.want
			if want == "" {
				want = tc.err.Error()
			} else if kindOf(got) != connectors.KindAccessDenied {
				t.Errorf("kind %v, want access denied", kindOf(got))
			}
			if got.Error() != want {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
}

// A server the portmapper does not know yet, redialled after a drop, is
// one restarting: the pool tries again; on the first dial it is a server
// without NFS version 3.
func TestNotRegistered(t *testing.T) {
	err := &nasfs.ConnectError{Err: &notRegisteredError{prog: nfsc.Nfs3Prog}}
	if !broken(err) {
		t.Error("not broken: a restart would fail the job")
	}
	if got := Backend.Code(connectors.Source, connectors.Address{}, connectors.NewError(kindOf(err), "check", "", err)); got != codes.SourceAccessVersionInvalid {
		t.Errorf("first dial: %s, want %s", got, codes.SourceAccessVersionInvalid)
	}
}
