package smb

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"testing"

	smb2 "github.com/cloudsoda/go-smb2"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/internal/nasfs/nastest"
)

// The server test/servers/samba.sh starts.
const (
	testServer = "127.0.0.1:1445"
	testUser   = "mgwtest"
	// Commas and both quotes: what the hosted service's mount command
	// line cannot carry, and mgw must.
	testPassword = `pa,ss"wo'rd 1`
)

func testAddr(path string) connectors.Address {
	return connectors.Address{Name: "smb-test", Type: "smb", Server: testServer, Share: "data",
		Path: path, User: testUser, Password: testPassword, Conns: 4}
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

// share mounts the test share with go-smb2 itself, to prepare and clean
// what the tests need without the code under test.
func share(t *testing.T) *smb2.Share {
	t.Helper()
	d := &smb2.Dialer{Initiator: &smb2.NTLMInitiator{User: testUser, Password: testPassword}}
	s, err := d.Dial(t.Context(), testServer)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	sh, err := s.Mount("data", smb2.WithMapPosix())
	if err != nil {
		s.Logoff()
		t.Fatalf("mount: %v", err)
	}
	t.Cleanup(func() { sh.Umount(); s.Logoff() })
	return sh
}

// freshDir makes an empty folder in the share and removes it after the test.
func freshDir(t *testing.T) string {
	t.Helper()
	r := make([]byte, 6)
	rand.Read(r)
	name := "t-" + hex.EncodeToString(r)
	sh := share(t)
	if err := sh.Mkdir(name, 0o777); err != nil {
		t.Fatalf("mkdir %s: %v", name, err)
	}
	t.Cleanup(func() { sh.RemoveAll(name) })
	return name
}

func TestConformance(t *testing.T) {
	conformance.RequireServer(t, testServer)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) connectors.Bucket { return open(t, testAddr(freshDir(t))) },
		BadSecret: func(t *testing.T) connectors.Bucket {
			a := testAddr("")
			a.Password = "wrong," + testPassword
			return open(t, a)
		},
		NoBucket: func(t *testing.T) connectors.Bucket {
			a := testAddr("")
			a.Share = "no-such-share"
			return open(t, a)
		},
		// samba.sh makes denied/ unreadable for the test user.
		Denied: func(t *testing.T) connectors.Bucket { return open(t, testAddr("denied")) },
		Secret: testPassword,
	})
}

// A folder of the address that does not exist must never list as empty.
func TestMissingRoot(t *testing.T) {
	conformance.RequireServer(t, testServer)
	nastest.MissingRoot(t, open(t, testAddr(freshDir(t)+"/gone")))
}

// A folder the user may not read is reported, and the rest is listed.
func TestDeniedFolderInListing(t *testing.T) {
	conformance.RequireServer(t, testServer)
	nastest.DeniedFolder(t, open(t, testAddr("")))
}

// A file's identity carries the server's file id and change time.
func TestIdentity(t *testing.T) {
	conformance.RequireServer(t, testServer)
	b := open(t, testAddr(freshDir(t)))
	if _, err := b.Put(t.Context(), "f", bytesReader("x"), 1, connectors.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	var listed connectors.Object
	err := b.List(t.Context(), "", func(o connectors.Object) error { listed = o; return nil }, nil)
	if err != nil {
		t.Fatal(err)
	}
	if listed.Inode == 0 || listed.Ctime.IsZero() {
		t.Errorf("list: file id %d, change time %v: want both", listed.Inode, listed.Ctime)
	}
	// The agent compares a listing with a Stat: they must agree.
	st, err := b.Stat(t.Context(), "f")
	if err != nil {
		t.Fatal(err)
	}
	if st.Inode != listed.Inode || !st.Ctime.Equal(listed.Ctime) || !st.ModTime.Equal(listed.ModTime) {
		t.Errorf("stat %+v and list %+v disagree on the file's identity", st, listed)
	}
}

func bytesReader(s string) *bytes.Reader { return bytes.NewReader([]byte(s)) }
