package nfs

import (
	"testing"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs/nastest"
)

// A server restart (which also forgets every file handle) between two
// reads, two pages of a listing and two puts costs a reconnect, not an
// error. The test runs its own server, on its own port, so as not to
// disturb the tests that use the shared one.
func TestReconnect(t *testing.T) {
	conformance.RequireServer(t, testServer) // the server builds and runs here
	const port = "12051"
	restart := nastest.OwnServer(t, "nfs.sh", "MGW_NFS_PORT", port)
	a := testAddr("")
	a.Server = "127.0.0.1:" + port
	a.Conns = 2
	nastest.Restarts(t, open(t, a), restart, "/tmp/mgw-nfs-"+port+"/export", 2000) // several READDIRPLUS pages
}

// A server that stops answering, its connections left open, fails each
// call as a timeout after the address's timeout, instead of holding it
// for the hundred tries of go-nfs-client (over 8 minutes).
func TestBlackHole(t *testing.T) {
	conformance.RequireServer(t, testServer)
	dir := freshDir(t, testServer)
	nastest.BlackHole(t, testServer, func(server string) connectors.Bucket {
		a := testAddr(dir)
		a.Server, a.Timeout = server, time.Second
		return open(t, a)
	})
}
