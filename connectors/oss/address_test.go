package oss_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/oss"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := func(field, detail string) connectors.Problem {
		return connectors.Problem{Code: codes.OSSParameterEmpty, Field: field, Detail: detail}
	}
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
		out  connectors.Address // the fields validation fills in, when want is nil
	}{
		{"empty", connectors.Address{Type: "oss"}, []connectors.Problem{
			empty("endpoint", "required for type oss"), empty("bucket", "required for type oss"),
			empty("access_key_id", "required for type oss"),
			empty("access_key_secret", "access_key_secret or access_key_secret_file is required for type oss"),
		}, connectors.Address{}},
		{"secret file missing", connectors.Address{Type: "oss", Endpoint: "e", Bucket: "b", AccessKeyID: "k", AccessKeySecretFile: "/nonexistent/s"},
			[]connectors.Problem{{Code: codes.BadParameters, Field: "access_key_secret_file", Detail: "cannot read the secret file: no such file or directory"}},
			connectors.Address{}},
		{"filled in", connectors.Address{Type: "oss", Endpoint: "oss-cn-hangzhou.aliyuncs.com", Bucket: "b", AccessKeyID: "k", AccessKeySecretFile: secret, Prefix: "2024"},
			nil, connectors.Address{Endpoint: "https://oss-cn-hangzhou.aliyuncs.com", AccessKeySecret: "from-file", Prefix: "2024/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			got := oss.Backend.Validate(&a, "/etc/mgw")
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.want == nil && (a.Endpoint != tc.out.Endpoint || a.AccessKeySecret != tc.out.AccessKeySecret || a.Prefix != tc.out.Prefix || a.Region != "") {
				t.Errorf("address %+v", a.Redacted())
			}
		})
	}
}

func TestCode(t *testing.T) {
	a := connectors.Address{Type: "oss"}
	conformance.Codes(t, oss.Backend, a, []conformance.CodeCase{
		{Side: connectors.Source, Kind: connectors.KindBadKeyID, Want: codes.OssAccessKeyInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadSecret, Want: codes.OssSecretKeyInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadEndpoint, Want: codes.OssEndpointInvalid},
		{Side: connectors.Source, Kind: connectors.KindAccessDenied, Want: codes.OssAccessDenied},
		{Side: connectors.Source, Kind: connectors.KindNoSuchBucket, Want: ""}, // the generic code
		{Side: connectors.Destination, Kind: connectors.KindBadKeyID, Want: ""},
	})
}

// OSS's own error codes pick the catalogue's OSS codes: a disabled
// account on either side, and a source bucket that does not exist.
func TestServerCodes(t *testing.T) {
	srvErr := func(status int, code string, kind connectors.Kind) error {
		return &connectors.Error{Kind: kind, Op: "list", Status: status, Code: code, Err: errors.New(code)}
	}
	for _, tc := range []struct {
		side connectors.Side
		err  error
		want string
	}{
		{connectors.Source, srvErr(403, "UserDisable", connectors.KindAccessDenied), codes.OssSourceUserDisable},
		{connectors.Destination, srvErr(403, "UserDisable", connectors.KindAccessDenied), codes.OssDestUserDisable},
		{connectors.Source, srvErr(404, "NoSuchBucket", connectors.KindNoSuchBucket), codes.NoSuchBucket},
		// Another region's bucket: the generic code, not NoSuchBucket.
		{connectors.Source, srvErr(403, "AccessDenied", connectors.KindNoSuchBucket), ""},
		{connectors.Destination, srvErr(404, "NoSuchBucket", connectors.KindNoSuchBucket), ""},
	} {
		if got := oss.Backend.Code(tc.side, connectors.Address{Type: "oss"}, tc.err); got != tc.want {
			t.Errorf("%v %v: %q, want %q", tc.side, tc.err, got, tc.want)
		}
	}
}
