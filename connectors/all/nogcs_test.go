//go:build nogcs

package all

import (
	"errors"
	"slices"
	"testing"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// In a build tagged nogcs a gcs address is refused on its type, before
// its key file is read, and cannot be opened.
func TestNoGCSBuild(t *testing.T) {
	want := []string{"local", "s3", "oss", "cos", "httplist", "upyun", "azblob", "smb", "nfs"}
	if got := Types(); !slices.Equal(got, want) {
		t.Errorf("Types() = %v, want %v", got, want)
	}
	a := connectors.Address{Name: "gcs-a", Type: "gcs", Bucket: "b-1", KeyFile: "nope.json"}
	wantP := []connectors.Problem{{Code: codes.DataAddressInvalid, Field: "type",
		Detail: "this build of mgw has no GCS support (it was built with -tags nogcs); use a build without that tag"}}
	if got := Validate(&a, "/etc/mgw"); !slices.Equal(got, wantP) {
		t.Errorf("Validate: %v, want %v", got, wantP)
	}
	if _, err := Open(t.Context(), a); !errors.Is(err, ErrNoGCS) || err.Error() != "address gcs-a: "+ErrNoGCS.Error() {
		t.Errorf("Open: %v, want ErrNoGCS", err)
	}
}
