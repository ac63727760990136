package azblob_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/azblob"
	"github.com/mgw-dev/mgw/connectors/conformance"
	"github.com/mgw-dev/mgw/state/codes"
)

// devKey is Azurite's well-known development account key (public).
const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

const devConn = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + devKey + ";BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"

func TestValidate(t *testing.T) {
	conn := func(field, detail string) connectors.Problem {
		return connectors.Problem{Code: codes.AzureSourceConnStrAccountInvalid, Field: field, Detail: detail}
	}
	az := func(a connectors.Address) connectors.Address { a.Type = "azblob"; return a }
	for _, tc := range []struct {
		name string
		in   connectors.Address
		want []connectors.Problem
	}{
		{"no container", az(connectors.Address{Account: "acct", AccountKey: devKey}),
			[]connectors.Problem{{Code: codes.BadParameters, Field: "container", Detail: "required for type azblob"}}},
		{"container and another bucket", az(connectors.Address{Container: "c-1", Bucket: "c-2", Account: "acct", AccountKey: devKey}),
			[]connectors.Problem{{Code: codes.BadParameters, Field: "container", Detail: "give container or bucket, not both"}}},
		{"bad container", az(connectors.Address{Container: "Bad--Name", Account: "acct", AccountKey: devKey}),
			[]connectors.Problem{{Code: codes.AzureSourceAddrContainerInvalid, Field: "container",
				Detail: `"Bad--Name": 3-63 lower-case letters, digits and single hyphens, starting with a letter or digit`}}},
		{"bad conn string", az(connectors.Address{Container: "c-1", ConnectionString: "AccountName=acct;AccountKey"}),
			[]connectors.Problem{conn("connection_string", "connection string: a part is not Key=Value")}},
		{"conn string without key", az(connectors.Address{Container: "c-1", ConnectionString: "AccountName=acct;EndpointSuffix=core.windows.net"}),
			[]connectors.Problem{conn("connection_string", "connection string: neither AccountKey nor SharedAccessSignature")}},
		{"conn string key not base64", az(connectors.Address{Container: "c-1", ConnectionString: "AccountName=acct;AccountKey=not*base64"}),
			[]connectors.Problem{conn("connection_string", "AccountKey is not base64")}},
		{"key not base64", az(connectors.Address{Container: "c-1", Account: "acct", AccountKey: "not*base64"}),
			[]connectors.Problem{conn("account_key", "not base64, as the portal shows it")}},
		{"key without account", az(connectors.Address{Container: "c-1", AccountKey: devKey}),
			[]connectors.Problem{conn("account", "required with account_key")}},
		{"bad account", az(connectors.Address{Container: "c-1", Account: "My_Account", AccountKey: devKey}),
			[]connectors.Problem{conn("account", `"My_Account": 3-24 lower-case letters and digits`)}},
		{"two ways", az(connectors.Address{Container: "c-1", Account: "acct", AccountKey: devKey, SAS: "sig=x"}),
			[]connectors.Problem{conn("connection_string", "give exactly one of connection_string, account_key (with account) or sas_token")}},
		{"bad sas", az(connectors.Address{Container: "c-1", Account: "acct", SAS: "hello"}),
			[]connectors.Problem{conn("sas_token", "not a SAS token (a query string with sig=)")}},
		{"sas without account", az(connectors.Address{Container: "c-1", SAS: "sig=x"}),
			[]connectors.Problem{conn("account", "a SAS token needs the account or the endpoint")}},
		{"bad endpoint", az(connectors.Address{Container: "c-1", SAS: "sig=x", Endpoint: "ftp://h"}),
			[]connectors.Problem{{Code: codes.SourceAddrEndpointInvalid, Field: "endpoint", Detail: "not an http:// or https:// URL without credentials"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			got := azblob.Backend.Validate(&a, "/etc/mgw")
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if strings.Contains(fmt.Sprint(got), devKey) {
				t.Error("a problem holds the account key")
			}
		})
	}
}

// Validation works out the container, account, endpoint and prefix.
func TestValidateFillsIn(t *testing.T) {
	for _, tc := range []struct {
		name                              string
		in                                connectors.Address
		bucket, account, endpoint, prefix string
	}{
		{"conn string", connectors.Address{Container: "photos", Prefix: "/2024", ConnectionString: devConn},
			"photos", "devstoreaccount1", "http://127.0.0.1:10000/devstoreaccount1", "2024/"},
		{"key", connectors.Address{Container: "photos", Account: "myaccount", AccountKey: devKey},
			"photos", "myaccount", "https://myaccount.blob.core.windows.net", ""},
		{"sas, bucket for container", connectors.Address{Bucket: "photos", Account: "myaccount", SAS: "?sv=2022-11-02&sp=rl&sig=abc%3D"},
			"photos", "myaccount", "https://myaccount.blob.core.windows.net", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.in
			a.Type = "azblob"
			if ps := azblob.Backend.Validate(&a, ""); ps != nil {
				t.Fatal(ps)
			}
			if a.Bucket != tc.bucket || a.Container != tc.bucket || a.Account != tc.account || a.Endpoint != tc.endpoint || a.Prefix != tc.prefix {
				t.Errorf("got %+v", a.Redacted())
			}
			if a.SAS != "" && a.SAS != "sv=2022-11-02&sp=rl&sig=abc%3D" {
				t.Errorf("sas %q keeps its ?", a.SAS)
			}
		})
	}
}

// An address never validated opens its container too.
func TestOpenContainer(t *testing.T) {
	b, err := azblob.Backend.Open(t.Context(), connectors.Address{Type: "azblob", Container: "photos", ConnectionString: devConn})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestCode(t *testing.T) {
	conformance.Codes(t, azblob.Backend, connectors.Address{Type: "azblob"}, []conformance.CodeCase{
		{Side: connectors.Source, Kind: connectors.KindBadSecret, Want: codes.AzureSourceConnStrAccountInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadKeyID, Want: codes.AzureSourceConnStrAccountInvalid},
		{Side: connectors.Source, Kind: connectors.KindBadEndpoint, Want: codes.AzureSourceConnStrAccountInvalid},
		{Side: connectors.Source, Kind: connectors.KindNoSuchBucket, Want: codes.AzureSourceAddrContainerInvalid},
		{Side: connectors.Source, Kind: connectors.KindAccessDenied, Want: ""},
		{Side: connectors.Destination, Kind: connectors.KindNoSuchBucket, Want: ""},
	})
}
