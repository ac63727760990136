package nfs_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/nfs"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	good := connectors.Address{Type: "nfs", Server: "s", Export: "/e"}
	with := func(f func(*connectors.Address)) connectors.Address { a := good; f(&a); return a }
	bad := func(field, detail string) connectors.Problem {
		return connectors.Problem{Code: codes.BadParameters, Field: field, Detail: detail}
	}
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"good", good, nil},
		{"without export", with(func(a *connectors.Address) { a.Export = "" }),
			[]connectors.Problem{{Code: codes.NASParameterEmpty, Field: "export", Detail: "required for type nfs"}}},
		{"without server", with(func(a *connectors.Address) { a.Server = "" }),
			[]connectors.Problem{{Code: codes.NASParameterEmpty, Field: "server", Detail: "required for type nfs"}}},
		{"nfs 4", with(func(a *connectors.Address) { a.Version = "4" }),
			[]connectors.Problem{{Code: codes.SourceAccessVersionInvalid, Field: "version", Detail: `"4": mgw speaks NFS version 3 only`}}},
		{"relative export", with(func(a *connectors.Address) { a.Export = "e" }),
			[]connectors.Problem{bad("export", `"e": an export is an absolute path, such as /export/media`)}},
		{"smb fields", with(func(a *connectors.Address) {
			a.Share, a.User, a.Password, a.PasswordFile, a.Domain = "x", "u", "p", "f", "d"
		}),
			[]connectors.Problem{bad("share", "not a field of type nfs"), bad("user", "not a field of type nfs"), bad("password", "not a field of type nfs"),
				bad("password_file", "not a field of type nfs"), bad("domain", "not a field of type nfs")}},
		{"too many conns", with(func(a *connectors.Address) { a.Conns = 1000 }),
			[]connectors.Problem{bad("conns", "must be between 1 and 256 (0: the job's concurrency)")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if got := nfs.Backend.Validate(&a, "/etc/mgw"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	// The version left out is 3, the only one.
	a := good
	if nfs.Backend.Validate(&a, ""); a.Version != "3" {
		t.Errorf("version %q", a.Version)
	}
}

// A server that refuses the connection is a failed mount; the rest of
// the mapping is nasfs's (its tests).
func TestCode(t *testing.T) {
	b, err := nfs.Backend.Open(t.Context(), connectors.Address{Type: "nfs", Server: "127.0.0.1:1", Export: "/e"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	err = b.Check(t.Context())
	if !nfs.IsConnectError(err) {
		t.Fatalf("Check: %v is not a connect error", err)
	}
	a := connectors.Address{Type: "nfs"}
	if got := nfs.Backend.Code(connectors.Source, a, err); got != codes.SourceMountNasFailed {
		t.Errorf("refused connection: %s", got)
	}
	if got := nfs.Backend.Code(connectors.Destination, a, connectors.NewError(connectors.KindAccessDenied, "op", "", errors.New("no"))); got != codes.DestReadDirFailed {
		t.Errorf("unreadable folder: %s", got)
	}
}
