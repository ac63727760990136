package cos_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/cos"
	"github.com/mgw-dev/mgw/state/codes"
)

// good is a cos address validation passes.
func good() connectors.Address {
	return connectors.Address{Type: "cos", Region: "ap-guangzhou", Bucket: "photos-1250000000", SecretID: "AKIDexample", SecretKey: "cos-secret"}
}

func TestValidate(t *testing.T) {
	with := func(f func(*connectors.Address)) connectors.Address { a := good(); f(&a); return a }
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"good", good(), nil},
		{"no bucket", with(func(a *connectors.Address) { a.Bucket = "" }),
			[]connectors.Problem{{Code: codes.SourceAddrBucketInvalid, Field: "bucket", Detail: "required for type cos: <name>-<appid>"}}},
		{"no appid", with(func(a *connectors.Address) { a.Bucket = "photos" }),
			[]connectors.Problem{{Code: codes.SourceAppIdInvalid, Field: "bucket", Detail: `"photos" does not end in -<appid> (the account's APPID, digits)`}}},
		{"bad bucket", with(func(a *connectors.Address) { a.Bucket = "Photos-1250000000" }),
			[]connectors.Problem{{Code: codes.SourceAddrBucketInvalid, Field: "bucket", Detail: `"Photos-1250000000": lower-case letters, digits and hyphens, at most 50 before -<appid>`}}},
		{"no region", with(func(a *connectors.Address) { a.Region = "" }),
			[]connectors.Problem{{Code: codes.SourceAddrRegionInvalid, Field: "region", Detail: "required for type cos (or an endpoint naming it), e.g. ap-guangzhou"}}},
		{"bad region", with(func(a *connectors.Address) { a.Region = "guangzhou" }),
			[]connectors.Problem{{Code: codes.SourceAddrRegionInvalid, Field: "region", Detail: `"guangzhou" is not a COS region such as ap-guangzhou`}}},
		{"no secret id", with(func(a *connectors.Address) { a.SecretID = "" }),
			[]connectors.Problem{{Code: codes.SourceAddrSecretIdInvalid, Field: "secret_id", Detail: "required for type cos"}}},
		{"no secret key", with(func(a *connectors.Address) { a.SecretKey = "" }),
			[]connectors.Problem{{Code: codes.SourceAddrSecretIdInvalid, Field: "secret_key", Detail: "secret_key or secret_key_file is required for type cos"}}},
		{"secret key file missing", with(func(a *connectors.Address) { a.SecretKey, a.SecretKeyFile = "", "/nonexistent/k" }),
			[]connectors.Problem{{Code: codes.BadParameters, Field: "secret_key_file", Detail: "cannot read the secret file: no such file or directory"}}},
		{"control char in prefix", with(func(a *connectors.Address) { a.Prefix = "a\tb" }),
			[]connectors.Problem{{Code: codes.SourceFolderPathInvalid, Field: "prefix", Detail: "the prefix holds the control character U+0009"}}},
		{"dot-dot in prefix", with(func(a *connectors.Address) { a.Prefix = "a/../b/" }),
			[]connectors.Problem{{Code: codes.SourceFolderPathInvalid, Field: "prefix", Detail: `the prefix has a "." or ".." segment`}}},
		{"prefix not UTF-8", with(func(a *connectors.Address) { a.Prefix = "a\xff" }),
			[]connectors.Problem{{Code: codes.SourceFolderPathInvalid, Field: "prefix", Detail: "the prefix is not valid UTF-8"}}},
		{"long prefix", with(func(a *connectors.Address) { a.Prefix = strings.Repeat("x", 850) }),
			[]connectors.Problem{{Code: codes.SourceFolderPathInvalid, Field: "prefix", Detail: "the prefix is longer than a COS key may be"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			if got := cos.Backend.Validate(&a, "/etc/mgw"); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Validation fills in the key pair New signs with, the prefix's "/", the
// endpoint's scheme, and the secret from its file.
func TestValidateFillsIn(t *testing.T) {
	a := good()
	a.Prefix, a.Endpoint = "2024", "cos.ap-guangzhou.myqcloud.com"
	if ps := cos.Backend.Validate(&a, ""); ps != nil {
		t.Fatal(ps)
	}
	if a.AccessKeyID != "AKIDexample" || a.AccessKeySecret != "cos-secret" || a.Prefix != "2024/" || a.Endpoint != "https://cos.ap-guangzhou.myqcloud.com" {
		t.Errorf("address %+v", a.Redacted())
	}
	f := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(f, []byte("from-file\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a = good()
	a.SecretKey, a.SecretKeyFile = "", f
	if ps := cos.Backend.Validate(&a, ""); ps != nil || a.AccessKeySecret != "from-file" {
		t.Errorf("secret_key_file: %v, secret %q", ps, a.AccessKeySecret)
	}
}

func TestRegionFromEndpoint(t *testing.T) {
	for endpoint, want := range map[string]string{
		"cos.ap-guangzhou.myqcloud.com":                            "ap-guangzhou",
		"https://cos-internal.na-siliconvalley.tencentcos.cn":      "na-siliconvalley",
		"https://photos-1250000000.cos.ap-beijing-1.myqcloud.com/": "ap-beijing-1",
		"http://127.0.0.1:9000":                                    "",
	} {
		a := good()
		a.Region, a.Endpoint = "", endpoint
		cos.Backend.Validate(&a, "")
		if a.Region != want {
			t.Errorf("region of %q = %q, want %q", endpoint, a.Region, want)
		}
	}
}

func TestCode(t *testing.T) {
	conformance.Codes(t, cos.Backend, good(), []conformance.CodeCase{
		{Side: connectors.Source, Kind: connectors.KindBadKeyID, Want: codes.SourceAddrSecretIdInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadSecret, Want: codes.SourceAddrSecretIdInvalid},
		{Side: connectors.Source, Kind: connectors.KindUnsupportedName, Want: codes.SourceFolderPathInvalid},
		{Side: connectors.Source, Kind: connectors.KindNoSuchBucket, Want: ""}, // generic
		{Side: connectors.Source, Kind: connectors.KindAccessDenied, Want: ""},
		{Side: connectors.Destination, Kind: connectors.KindBadKeyID, Want: ""},
	})
}
