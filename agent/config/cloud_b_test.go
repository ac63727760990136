package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors/gcs/gcstest"
	"github.com/mgw-dev/mgw/state/codes"
)

// devKey is Azurite's well-known development account key (public).
const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

func TestParseConfigCloudB(t *testing.T) {
	dir := t.TempDir()
	tokens := gcstest.NewTokenServer()
	defer tokens.Close()
	if err := os.WriteFile(filepath.Join(dir, "sa.json"), tokens.NewKeyFile("a@b.iam.gserviceaccount.com", false), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MGW_TEST_AZ_KEY", devKey)
	yaml := addrs(`  - name: az-conn
    type: azblob
    container: photos
    prefix: /2024
    connection_string: "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${MGW_TEST_AZ_KEY};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
  - name: az-key
    type: azblob
    container: photos
    account: myaccount
    account_key: ${MGW_TEST_AZ_KEY}
  - name: az-sas
    type: azblob
    bucket: photos
    account: myaccount
    sas_token: "?sv=2022-11-02&sp=rl&sig=abc%3D"
  - name: gcs-a
    type: gcs
    bucket: my-bucket
    key_file: sa.json
  - name: s3-bos
    type: s3
    provider: bos
    region: gz
    bucket: b-1
    access_key_id: k
    access_key_secret: s
  - name: s3-aws
    type: s3
    provider: AWS
    bucket: b-2
    access_key_id: k
    access_key_secret: s
`)
	cfg, err := ParseConfig(filepath.Join(dir, "mgw.yaml"), []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Resolved("az-conn")
	if a.Endpoint != "http://127.0.0.1:10000/devstoreaccount1" || a.Prefix != "2024/" || a.Account != "devstoreaccount1" {
		t.Errorf("az-conn: endpoint %q prefix %q account %q", a.Endpoint, a.Prefix, a.Account)
	}
	ca := a
	if ca.Bucket != "photos" || ca.ConnectionString == "" {
		t.Errorf("az-conn connector: %+v", ca.Redacted())
	}
	red := ca.Redacted()
	if strings.Contains(red.ConnectionString, devKey) || !strings.Contains(red.ConnectionString, "AccountKey=****") ||
		!strings.Contains(red.ConnectionString, "AccountName=devstoreaccount1") {
		t.Errorf("redacted connection string: %q", red.ConnectionString)
	}
	if k := cfg.Resolved("az-key"); k.Endpoint != "https://myaccount.blob.core.windows.net" || k.Redacted().AccountKey != "****" {
		t.Errorf("az-key: endpoint %q", k.Endpoint)
	}
	if s := cfg.Resolved("az-sas"); s.SAS != "sv=2022-11-02&sp=rl&sig=abc%3D" || s.Bucket != "photos" || s.Redacted().SAS != "****" {
		t.Errorf("az-sas: %q", s.SAS)
	}
	g := cfg.Resolved("gcs-a")
	if g.KeyFile != filepath.Join(dir, "sa.json") || len(g.KeyJSON) == 0 || string(g.Redacted().KeyJSON) != "****" {
		t.Errorf("gcs: key file %q, %d bytes", g.KeyFile, len(g.KeyJSON))
	}
	if b := cfg.Resolved("s3-bos"); b.Endpoint != "https://s3.gz.bcebos.com" || b.Provider != "bos" {
		t.Errorf("s3-bos: endpoint %q provider %q", b.Endpoint, b.Provider)
	}
	if b := cfg.Resolved("s3-aws"); b.Endpoint != "https://s3.us-east-1.amazonaws.com" || b.Region != "us-east-1" || b.Provider != "aws" {
		t.Errorf("s3-aws: endpoint %q region %q", b.Endpoint, b.Region)
	}
}

func TestParseConfigCloudBErrors(t *testing.T) {
	dir := t.TempDir()
	badKey := filepath.Join(dir, "bad.json")
	os.WriteFile(badKey, []byte(`{"type":"service_account","client_email":"a@b","private_key_id":"k1","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}`), 0o600)
	for _, tc := range []struct {
		name, yaml, code, want string
	}{
		{"azblob no container", addrs("  - name: az-a\n    type: azblob\n    account: acct\n    account_key: " + devKey + "\n"), codes.BadParameters, "addresses[0].container"},
		{"azblob bad container", addrs("  - name: az-a\n    type: azblob\n    container: Bad--Name\n    account: acct\n    account_key: " + devKey + "\n"), codes.AzureSourceAddrContainerInvalid, `"Bad--Name"`},
		{"azblob bad conn string", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    connection_string: AccountName=acct;AccountKey\n"), codes.AzureSourceConnStrAccountInvalid, "mgw.yaml:5 addresses[0].connection_string"},
		{"azblob conn string without key", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    connection_string: AccountName=acct;EndpointSuffix=core.windows.net\n"), codes.AzureSourceConnStrAccountInvalid, "neither AccountKey nor SharedAccessSignature"},
		{"azblob key not base64", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    account: acct\n    account_key: not*base64\n"), codes.AzureSourceConnStrAccountInvalid, "account_key"},
		{"azblob bad account", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    account: My_Account\n    account_key: " + devKey + "\n"), codes.AzureSourceConnStrAccountInvalid, `"My_Account"`},
		{"azblob two ways", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    account: acct\n    account_key: " + devKey + "\n    sas_token: sig=x\n"), codes.AzureSourceConnStrAccountInvalid, "exactly one"},
		{"azblob bad sas", addrs("  - name: az-a\n    type: azblob\n    container: c-1\n    account: acct\n    sas_token: hello\n"), codes.AzureSourceConnStrAccountInvalid, "sas_token"},
		{"gcs no key file", addrs("  - name: gcs-a\n    type: gcs\n    bucket: b-1\n"), codes.BadParameters, "key_file"},
		{"gcs missing key file", addrs("  - name: gcs-a\n    type: gcs\n    bucket: b-1\n    key_file: " + filepath.Join(dir, "nope.json") + "\n"), codes.BadParameters, "cannot read the key file"},
		{"gcs bad key file", addrs("  - name: gcs-a\n    type: gcs\n    bucket: b-1\n    key_file: " + badKey + "\n"), codes.SourceBadPrivateKeyFileFormat, "private_key cannot be parsed"},
		{"gcs bad bucket", addrs("  - name: gcs-a\n    type: gcs\n    bucket: B\n    key_file: " + badKey + "\n"), codes.SourceAddrBucketInvalid, `"B"`},
		{"s3 bad provider", addrs("  - name: s3-a\n    type: s3\n    provider: wasabi\n    bucket: b-1\n    access_key_id: k\n    access_key_secret: s\n"), codes.BadParameters, `"wasabi"`},
		{"s3 other needs endpoint", addrs("  - name: s3-a\n    type: s3\n    provider: other\n    bucket: b-1\n    access_key_id: k\n    access_key_secret: s\n"), codes.BadParameters, "endpoint"},
		{"s3 preset bad bucket", addrs("  - name: s3-a\n    type: s3\n    provider: ks3\n    bucket: My_Bucket\n    access_key_id: k\n    access_key_secret: s\n"), codes.SourceAddrBucketInvalid, "bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseFails(t, tc.yaml, tc.code, tc.want)
			if strings.Contains(err.Error(), devKey) {
				t.Errorf("message holds the account key")
			}
		})
	}
}
