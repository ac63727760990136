//go:build !nogcs

package all

import (
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestTypes(t *testing.T) {
	want := []string{"local", "s3", "oss", "cos", "httplist", "upyun", "azblob", "smb", "nfs", "gcs"}
	if got := Types(); !slices.Equal(got, want) {
		t.Errorf("Types() = %v, want %v", got, want)
	}
}

func TestAddressCodeGCS(t *testing.T) {
	a := connectors.Address{Type: "gcs"}
	if got := AddressCode(connectors.Source, a, kindErr(connectors.KindAccessDenied)); got != codes.SourceKeyFileBucketNotMatchedOrPermission {
		t.Errorf("access denied: %s", got)
	}
	if got := AddressCode(connectors.Source, a, kindErr(connectors.KindTimeout)); got != codes.CheckAddressTimeOut {
		t.Errorf("timeout: %s", got)
	}
}
