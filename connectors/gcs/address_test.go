package gcs_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/connectors/gcs"
	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	badKey := filepath.Join(dir, "bad.json")
	write(t, badKey, []byte(`{"type":"service_account","client_email":"a@b","private_key_id":"k1","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`))
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	write(t, filepath.Join(dir, "sa.json"), tokens.NewKeyFile("a@b.iam.gserviceaccount.com", false))
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"good", connectors.Address{Bucket: "my-bucket", KeyFile: "sa.json"}, nil},
		{"no bucket", connectors.Address{KeyFile: "sa.json"},
			[]connectors.Problem{{Code: codes.BadParameters, Field: "bucket", Detail: "required for type gcs"}}},
		{"bad bucket", connectors.Address{Bucket: "B", KeyFile: "sa.json"},
			[]connectors.Problem{{Code: codes.SourceAddrBucketInvalid, Field: "bucket", Detail: `"B": 3-222 lower-case letters, digits, dots, hyphens and underscores`}}},
		{"goog bucket", connectors.Address{Bucket: "google-x", KeyFile: "sa.json"},
			[]connectors.Problem{{Code: codes.SourceAddrBucketInvalid, Field: "bucket", Detail: `"google-x": 3-222 lower-case letters, digits, dots, hyphens and underscores`}}},
		{"no key file", connectors.Address{Bucket: "b-1"},
			[]connectors.Problem{{Code: codes.BadParameters, Field: "key_file", Detail: "required for type gcs: the service account's JSON key file"}}},
		{"missing key file", connectors.Address{Bucket: "b-1", KeyFile: "nope.json"},
			[]connectors.Problem{{Code: codes.BadParameters, Field: "key_file", Detail: "cannot read the key file: no such file or directory"}}},
		{"bad key file", connectors.Address{Bucket: "b-1", KeyFile: badKey},
			[]connectors.Problem{{Code: codes.SourceBadPrivateKeyFileFormat, Field: "key_file", Detail: "the key file's private_key cannot be parsed"}}},
		{"bad endpoint", connectors.Address{Bucket: "b-1", KeyFile: "sa.json", Endpoint: "ftp://h"},
			[]connectors.Problem{{Code: codes.SourceAddrEndpointInvalid, Field: "endpoint", Detail: "not an http:// or https:// URL without credentials"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			a.Type = "gcs"
			if got := gcs.Backend.Validate(&a, dir); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Validation reads the key file, relative to the config's folder, into
// KeyJSON, and drops the prefix's leading slashes.
func TestValidateFillsIn(t *testing.T) {
	dir := t.TempDir()
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	key := tokens.NewKeyFile("a@b.iam.gserviceaccount.com", false)
	write(t, filepath.Join(dir, "sa.json"), key)
	a := connectors.Address{Type: "gcs", Bucket: "my-bucket", KeyFile: "sa.json", Prefix: "/2024", Endpoint: "127.0.0.1:4443"}
	if ps := gcs.Backend.Validate(&a, dir); ps != nil {
		t.Fatal(ps)
	}
	if a.KeyFile != filepath.Join(dir, "sa.json") || string(a.KeyJSON) != string(key) || a.Prefix != "2024/" || a.Endpoint != "https://127.0.0.1:4443" {
		t.Errorf("key file %q, %d bytes, prefix %q, endpoint %q", a.KeyFile, len(a.KeyJSON), a.Prefix, a.Endpoint)
	}
	// An address never validated reads its key file when opened.
	b, err := gcs.Backend.Open(t.Context(), connectors.Address{Type: "gcs", Bucket: "my-bucket", KeyFile: a.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestCode(t *testing.T) {
	conformance.Codes(t, gcs.Backend, connectors.Address{Type: "gcs"}, []conformance.CodeCase{
		{Side: connectors.Source, Kind: connectors.KindBadKeyID, Want: codes.SourcePrivateKeyIDInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadSecret, Want: codes.SourceBadPrivateKeyFileFormat},
		{Side: connectors.Source, Kind: connectors.KindNoSuchBucket, Want: codes.SourceKeyFileBucketNotMatchedOrPermission},
		{Side: connectors.Source, Kind: connectors.KindAccessDenied, Want: codes.SourceKeyFileBucketNotMatchedOrPermission},
		{Side: connectors.Source, Kind: connectors.KindTimeout, Want: ""},
		{Side: connectors.Destination, Kind: connectors.KindBadKeyID, Want: ""},
	})
}

func write(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(name, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
