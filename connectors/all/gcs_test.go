package all

import (
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

func TestAddressCodeGCS(t *testing.T) {
	a := connectors.Address{Type: "gcs"}
	if got := AddressCode(connectors.Source, a, kindErr(connectors.KindAccessDenied)); got != codes.SourceKeyFileBucketNotMatchedOrPermission {
		t.Errorf("access denied: %s", got)
	}
	if got := AddressCode(connectors.Source, a, kindErr(connectors.KindTimeout)); got != codes.CheckAddressTimeOut {
		t.Errorf("timeout: %s", got)
	}
}
