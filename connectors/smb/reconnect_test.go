package smb

import (
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs/nastest"
)

// A server restart between two reads, two pages of a listing and two
// puts costs a reconnect, not an error. The test runs its own smbd, on
// its own port, so as not to disturb the tests that use the shared one.
func TestReconnect(t *testing.T) {
	conformance.RequireServer(t, testServer) // samba is installed and runs
	const port = "14451"
	restart := nastest.OwnServer(t, "samba.sh", "MGW_SMB_PORT", port)
	a := testAddr("")
	a.Server = "127.0.0.1:" + port
	a.Conns = 2
	nastest.Restarts(t, open(t, a), restart, "/tmp/mgw-smb-"+port+"/share", 3000) // several pages of pageSize
}

// A server that stops answering, its connections left open, fails each
// call as a timeout after the address's timeout, instead of holding it
// forever.
func TestBlackHole(t *testing.T) {
	conformance.RequireServer(t, testServer)
	dir := freshDir(t)
	nastest.BlackHole(t, testServer, func(server string) connectors.Bucket {
		a := testAddr(dir)
		a.Server, a.Timeout = server, time.Second
		return open(t, a)
	})
}
