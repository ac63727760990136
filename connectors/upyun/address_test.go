package upyun_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/upyun"
	"github.com/mgw-dev/mgw/state/codes"
)

// good is an upyun address validation passes.
func good() connectors.Address {
	return connectors.Address{Type: "upyun", Service: "photos", Operator: "reader", Password: "secret"}
}

func TestValidate(t *testing.T) {
	with := func(f func(*connectors.Address)) connectors.Address { a := good(); f(&a); return a }
	problem := func(code, field, detail string) []connectors.Problem {
		return []connectors.Problem{{Code: code, Field: field, Detail: detail}}
	}
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"good", good(), nil},
		{"no service", with(func(a *connectors.Address) { a.Service = "" }),
			problem(codes.SourceAddrServiceInvalid, "service", "required for type upyun: the service (bucket) name")},
		{"service with a slash", with(func(a *connectors.Address) { a.Service = "a/b" }),
			problem(codes.SourceAddrServiceInvalid, "service", `"a/b" is not a service name`)},
		{"service with a space", with(func(a *connectors.Address) { a.Service = "a b" }),
			problem(codes.SourceAddrServiceInvalid, "service", `"a b" holds a space or a control character`)},
		{"no operator", with(func(a *connectors.Address) { a.Operator = "" }),
			problem(codes.SourceAddrUserDoesNotExist, "operator", "required for type upyun")},
		{"no password", with(func(a *connectors.Address) { a.Password = "" }),
			problem(codes.SourceAddrPasswordInvalid, "password", "password or password_file is required for type upyun")},
		{"password file missing", with(func(a *connectors.Address) { a.Password, a.PasswordFile = "", "/nonexistent/pw" }),
			problem(codes.BadParameters, "password_file", "cannot read the password file: no such file or directory")},
		{"control char in prefix", with(func(a *connectors.Address) { a.Prefix = "a\nb" }),
			problem(codes.SourceAddrPathInvalid, "prefix", "the prefix holds the control character U+000A")},
		{"dot-dot in prefix", with(func(a *connectors.Address) { a.Prefix = "a/../b/" }),
			problem(codes.SourceAddrPathInvalid, "prefix", `the prefix has a "." or ".." segment`)},
		{"prefix not UTF-8", with(func(a *connectors.Address) { a.Prefix = "a\xff" }),
			problem(codes.SourceAddrPathInvalid, "prefix", "the prefix is not valid UTF-8")},
		{"bad endpoint", with(func(a *connectors.Address) { a.Endpoint = "ftp://v0.api.upyun.com" }),
			problem(codes.SourceAddrEndpointInvalid, "endpoint", "not an http:// or https:// URL without credentials")},
		{"cdn with a path", with(func(a *connectors.Address) { a.CDN = "https://cdn.example.com/photos" }),
			problem(codes.SourceAddrCdnInvalid, "cdn", "not a domain, or an http:// or https:// URL of a domain without a path")},
		{"cdn with credentials", with(func(a *connectors.Address) { a.CDN = "https://u:p@cdn.example.com" }),
			problem(codes.SourceAddrCdnInvalid, "cdn", "not a domain, or an http:// or https:// URL of a domain without a path")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if got := upyun.Backend.Validate(&a, "/etc/mgw"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Validation fills in the endpoint (a line by its name), the prefix's
// form, the CDN's scheme and the password from its file.
func TestValidateFillsIn(t *testing.T) {
	for in, want := range map[string]string{
		"":                 "https://v0.api.upyun.com",
		"auto":             "https://v0.api.upyun.com",
		"telecom":          "https://v1.api.upyun.com",
		"unicom":           "https://v2.api.upyun.com",
		"mobile":           "https://v3.api.upyun.com",
		"v1.api.upyun.com": "https://v1.api.upyun.com",
		"http://127.0.0.1": "http://127.0.0.1",
	} {
		a := good()
		a.Endpoint = in
		if ps := upyun.Backend.Validate(&a, ""); ps != nil || a.Endpoint != want {
			t.Errorf("endpoint %q: %q %v, want %q", in, a.Endpoint, ps, want)
		}
	}
	f := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(f, []byte("from file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := good()
	a.Password, a.PasswordFile, a.Prefix, a.CDN = "", f, "/2024/photos", "files.example.com"
	if ps := upyun.Backend.Validate(&a, ""); ps != nil {
		t.Fatal(ps)
	}
	if a.Password != "from file" || a.Prefix != "2024/photos/" || a.CDN != "https://files.example.com" {
		t.Errorf("address %+v", a.Redacted())
	}
}

// Two addresses overlap by service and prefix, whatever line reaches them.
func TestRoot(t *testing.T) {
	a, b := good(), good()
	a.Endpoint, b.Endpoint, b.Prefix = "https://v1.api.upyun.com", "https://v2.api.upyun.com", "x/"
	if ra, rb := upyun.Backend.Root(a), upyun.Backend.Root(b); len(rb) <= len(ra) || rb[:len(ra)] != ra {
		t.Errorf("roots %q and %q do not nest", ra, rb)
	}
	b.Service = "photos2"
	if ra, rb := upyun.Backend.Root(a), upyun.Backend.Root(b); len(rb) >= len(ra) && rb[:len(ra)] == ra {
		t.Errorf("roots of two services %q and %q nest", ra, rb)
	}
}

func TestCode(t *testing.T) {
	conformance.Codes(t, upyun.Backend, good(), []conformance.CodeCase{
		{Side: connectors.Source, Kind: connectors.KindBadKeyID, Want: codes.SourceAddrUserDoesNotExist},
		{Side: connectors.Source, Kind: connectors.KindBadSecret, Want: codes.SourceAddrPasswordInvalid},
		{Side: connectors.Source, Kind: connectors.KindNoSuchBucket, Want: codes.SourceAddrServiceInvalid},
		{Side: connectors.Source, Kind: connectors.KindNotFound, Want: codes.SourceAddrPathInvalid},
		{Side: connectors.Source, Kind: connectors.KindNotDir, Want: codes.SourceAddrPathInvalid},
		{Side: connectors.Source, Kind: connectors.KindAccessDenied, Want: ""}, // UPYUN's code tells which refusal
		{Side: connectors.Source, Kind: connectors.KindTimeout, Want: ""},
		{Side: connectors.Destination, Kind: connectors.KindBadKeyID, Want: ""},
	})
}
