package nfs

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"testing"

	nfsc "github.com/willscott/go-nfs-client/nfs"
	"github.com/willscott/go-nfs-client/nfs/rpc"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs/nastest"
)

// The server test/servers/nfs.sh starts.
const (
	testServer = "127.0.0.1:12049"
	testExport = "/export"
)

func testAddr(path string) connectors.Address {
	return connectors.Address{Name: "nfs-test", Type: "nfs", Server: testServer, Export: testExport,
		Path: path, Conns: 4}
}

func open(t *testing.T, a connectors.Address) connectors.Bucket {
	t.Helper()
	b, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// mount mounts the export with go-nfs-client itself, to prepare and clean
// what the tests need without the code under test.
func mount(t *testing.T, server string) *nfsc.Target {
	t.Helper()
	c, err := rpcDial(server, false)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	m := &nfsc.Mount{Client: c}
	target, err := m.Mount(testExport, rpc.AuthNull)
	if err != nil {
		c.Close()
		t.Fatalf("mount: %v", err)
	}
	t.Cleanup(c.Close)
	return target
}

// freshDir makes an empty folder in the export and removes it after the
// test.
func freshDir(t *testing.T, server string) string {
	t.Helper()
	r := make([]byte, 6)
	rand.Read(r)
	name := "t-" + hex.EncodeToString(r)
	target := mount(t, server)
	if _, err := target.Mkdir(name, 0o777); err != nil {
		t.Fatalf("mkdir %s: %v", name, err)
	}
	t.Cleanup(func() { target.RemoveAll(name) })
	return name
}

func TestConformance(t *testing.T) {
	conformance.RequireServer(t, testServer)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket { return open(t, testAddr(freshDir(t, testServer))) },
		NoBucket: func(t *testing.T) connectors.Bucket {
			a := testAddr("")
			a.Export = "/no-such-export"
			return open(t, a)
		},
		// An export that refuses this client. (A folder the server cannot
		// read is TestDeniedFolderInListing: go-nfs answers a LOOKUP in
		// it with NFS3ERR_NOENT, where a kernel server says NFS3ERR_ACCES.)
		Denied: func(t *testing.T) connectors.Bucket {
			a := testAddr("")
			a.Export = "/denied"
			return open(t, a)
		},
	})
}

// A folder of the address that does not exist must never list as empty.
func TestMissingRoot(t *testing.T) {
	conformance.RequireServer(t, testServer)
	nastest.MissingRoot(t, open(t, testAddr(freshDir(t, testServer)+"/gone")))
}

// A folder the server may not read is reported, and the rest is listed.
func TestDeniedFolderInListing(t *testing.T) {
	conformance.RequireServer(t, testServer)
	nastest.DeniedFolder(t, open(t, testAddr("")))
}

// A file's identity carries the file id and change time.
func TestIdentity(t *testing.T) {
	conformance.RequireServer(t, testServer)
	b := open(t, testAddr(freshDir(t, testServer)))
	if _, err := b.Put(t.Context(), "f", bytes.NewReader([]byte("x")), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := b.Stat(t.Context(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if o.Inode == 0 || o.Ctime.IsZero() {
		t.Errorf("file id %d, change time %v: want both", o.Inode, o.Ctime)
	}
	// The agent compares a listing with a Stat: they must agree.
	err = b.List(t.Context(), "", func(l connectors.Object) error {
		if l.Inode != o.Inode || !l.Ctime.Equal(o.Ctime) || !l.ModTime.Equal(o.ModTime) {
			t.Errorf("stat %+v and list %+v disagree on the file's identity", o, l)
		}
		return nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
}
