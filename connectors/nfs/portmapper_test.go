package nfs

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/test/testenv"
)

// The server test/servers/ganesha.sh starts, reached through the
// portmapper: /secure refuses clients on an ordinary source port.
const (
	ganeshaHost   = "127.0.0.1"
	ganeshaExport = "/export"
	ganeshaSecure = "/secure"
	ganeshaDir    = "/tmp/mgw-ganesha"
)

// requireGanesha ends the test through testenv.Missing unless the
// portmapper on ganeshaHost knows MOUNT and NFS.
func requireGanesha(t *testing.T) {
	t.Helper()
	if _, _, err := portmap(ganeshaHost); err != nil {
		testenv.Missing(t, "nfs-ganesha behind rpcbind (test/servers/ganesha.sh)", err)
	}
}

func ganeshaAddr(export, path string) connectors.Address {
	return connectors.Address{Name: "ganesha-test", Type: "nfs", Server: ganeshaHost, Export: export, Path: path, Conns: 4}
}

// ganeshaFolder makes an empty folder in an export's folder on disk (the
// tests run on the server's host) and removes it after the test.
func ganeshaFolder(t *testing.T, export string) string {
	t.Helper()
	dir, err := os.MkdirTemp(ganeshaDir+export, "t-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return strings.TrimPrefix(dir, ganeshaDir+export+"/")
}

// The connector passes the suite through the portmapper as it does on
// one port.
func TestPortmapperConformance(t *testing.T) {
	requireGanesha(t)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket {
			return open(t, ganeshaAddr(ganeshaExport, ganeshaFolder(t, ganeshaExport)))
		},
		// No NoBucket: ganesha answers an export it does not have with
		// MNT3ERR_ACCES, as one it refuses.
		// An export that asks for a reserved source port, from an
		// ordinary one.
		Denied: func(t *testing.T) connectors.Bucket { return open(t, ganeshaAddr(ganeshaSecure, "")) },
	})
}

// An export that asks for a reserved source port refuses an ordinary
// one, and the error says what to set; with reserved_port it is served.
func TestReservedPort(t *testing.T) {
	requireGanesha(t)
	if os.Geteuid() != 0 {
		t.Skip("binding a reserved port needs root")
	}
	folder := ganeshaFolder(t, ganeshaSecure)
	a := ganeshaAddr(ganeshaSecure, folder)
	err := open(t, a).Check(t.Context())
	if !IsConnectError(err) || connectors.KindOf(err) != connectors.KindAccessDenied || !strings.Contains(err.Error(), reservedHint) {
		t.Errorf("from an ordinary port: %v (kind %v); want a refused connection saying %q", err, connectors.KindOf(err), reservedHint)
	}

	a.ReservedPort = true
	b := open(t, a)
	if err := b.Check(t.Context()); err != nil {
		t.Fatalf("from a reserved port: %v", err)
	}
	if _, err := b.Put(t.Context(), "f", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(ganeshaDir + ganeshaSecure + "/" + folder + "/f"); err != nil || string(got) != "x" {
		t.Errorf("the file on the server: %q, %v", got, err)
	}
}
