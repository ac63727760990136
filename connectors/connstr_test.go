package connectors

import (
	"fmt"
	"strings"
	"testing"
)

const testKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

func TestParseAzureConnString(t *testing.T) {
	cs, err := ParseAzureConnString("DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=" + testKey + ";EndpointSuffix=core.chinacloudapi.cn")
	if err != nil {
		t.Fatal(err)
	}
	if cs.AccountName != "acct" || cs.AccountKey != testKey || cs.Suffix != "core.chinacloudapi.cn" || cs.Protocol != "https" {
		t.Errorf("parsed %+v", cs)
	}
	cs, err = ParseAzureConnString("BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&sig=abc%3D")
	if err != nil || cs.SAS != "sv=2022-11-02&sig=abc%3D" || cs.BlobEndpoint == "" {
		t.Errorf("SAS string: %+v %v", cs, err)
	}
	for _, bad := range []string{
		"",
		"AccountName=acct",
		"AccountKey=" + testKey,
		"AccountName=acct;" + testKey,
		"SharedAccessSignature=sig=x",
	} {
		_, err := ParseAzureConnString(bad)
		if err == nil {
			t.Errorf("%q: no error", bad)
		} else if strings.Contains(err.Error(), testKey) {
			t.Errorf("%q: the error holds the key", bad)
		}
	}
}

func TestRedactedHidesCloudSecrets(t *testing.T) {
	a := Address{
		AccessKeySecret:  "s3-secret",
		AccountKey:       testKey,
		SAS:              "sv=1&sig=sas-secret",
		ConnectionString: "AccountName=acct;AccountKey=" + testKey + ";SharedAccessSignature=sig=sas-secret;BlobEndpoint=http://h/acct",
		KeyJSON:          []byte(`{"private_key":"pem-secret"}`),
		SecretKey:        "cos-secret",
		Password:         "smb-secret",
	}
	r := a.Redacted()
	all := fmt.Sprintf("%+v", r) + string(r.KeyJSON)
	for _, secret := range []string{"s3-secret", testKey, "sas-secret", "pem-secret", "cos-secret", "smb-secret"} {
		if strings.Contains(all, secret) {
			t.Errorf("Redacted still holds %q", secret)
		}
	}
	if !strings.Contains(r.ConnectionString, "AccountName=acct") || !strings.Contains(r.ConnectionString, "BlobEndpoint=http://h/acct") {
		t.Errorf("Redacted dropped what is not secret: %q", r.ConnectionString)
	}
	if a.AccountKey != testKey {
		t.Error("Redacted changed the original")
	}
}
