package smb_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/smb"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	good := connectors.Address{Type: "smb", Server: "s", Share: "x", User: "u", Password: "p"}
	with := func(f func(*connectors.Address)) connectors.Address { a := good; f(&a); return a }
	bad := func(field, detail string) connectors.Problem {
		return connectors.Problem{Code: codes.BadParameters, Field: field, Detail: detail}
	}
	empty := func(field, detail string) connectors.Problem {
		return connectors.Problem{Code: codes.NASParameterEmpty, Field: field, Detail: detail}
	}
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"good", good, nil},
		{"version 3.1.1", with(func(a *connectors.Address) { a.Version = "3.1.1" }), nil},
		{"without share", with(func(a *connectors.Address) { a.Share = "" }), []connectors.Problem{empty("share", "required for type smb")}},
		{"blank user", with(func(a *connectors.Address) { a.User = "  " }), []connectors.Problem{empty("user", "required for type smb")}},
		{"without server and password", with(func(a *connectors.Address) { a.Server, a.Password = "", "" }), []connectors.Problem{
			empty("server", "required for type smb"), empty("password", "password or password_file is required for type smb")}},
		{"password file missing", with(func(a *connectors.Address) { a.Password, a.PasswordFile = "", "/nonexistent/pw" }),
			[]connectors.Problem{bad("password_file", "cannot read the password file: no such file or directory")}},
		{"smb 1", with(func(a *connectors.Address) { a.Version = "1" }), []connectors.Problem{{Code: codes.SourceAccessVersionInvalid, Field: "version",
			Detail: `"1": mgw speaks SMB 2 and 3 (SMB 1 is not supported)`}}},
		{"share with a slash", with(func(a *connectors.Address) { a.Share = "x/y" }),
			[]connectors.Problem{bad("share", `"x/y": the share's name, without slashes (a folder in it goes in path)`)}},
		{"nfs fields", with(func(a *connectors.Address) { a.Export, a.UID, a.GID, a.ReservedPort = "/e", 1, 2, true }), []connectors.Problem{
			bad("export", "not a field of type smb"), bad("uid", "not a field of type smb"), bad("gid", "not a field of type smb"),
			bad("reserved_port", "not a field of type smb")}},
		{"too many conns", with(func(a *connectors.Address) { a.Conns = 257 }),
			[]connectors.Problem{bad("conns", "must be between 1 and 256 (0: the job's concurrency)")}},
		{"negative conns", with(func(a *connectors.Address) { a.Conns = -1 }),
			[]connectors.Problem{bad("conns", "must be between 1 and 256 (0: the job's concurrency)")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if got := smb.Backend.Validate(&a, "/etc/mgw"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// A password holding commas, quotes and spaces is taken from its file as
// it is, without the line end.
func TestValidatePasswordFile(t *testing.T) {
	const password = `a,b"c'd e `
	pw := filepath.Join(t.TempDir(), "nas.pw")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := connectors.Address{Type: "smb", Server: "s", Share: "x", User: "u", PasswordFile: pw}
	if ps := smb.Backend.Validate(&a, ""); ps != nil || a.Password != password {
		t.Errorf("%v, password %q", ps, a.Password)
	}
}

// A server that refuses the connection is a failed mount; the rest of
// the mapping is nasfs's (its tests).
func TestCode(t *testing.T) {
	b, err := smb.Backend.Open(t.Context(), connectors.Address{Type: "smb", Server: "127.0.0.1:1", Share: "x", User: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Check(t.Context())
	if !smb.IsConnectError(err) {
		t.Fatalf("Check: %v is not a connect error", err)
	}
	a := connectors.Address{Type: "smb"}
	if got := smb.Backend.Code(connectors.Destination, a, err); got != codes.DestMountNasFailed {
		t.Errorf("refused connection: %s", got)
	}
	if got := smb.Backend.Code(connectors.Source, a, connectors.NewError(connectors.KindNotFound, "op", "", errors.New("gone"))); got != codes.SourcePrefixIsNotDir {
		t.Errorf("missing folder: %s", got)
	}
}
