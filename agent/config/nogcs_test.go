//go:build nogcs

package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state/codes"
)

// In a build tagged nogcs a gcs address is refused when the config loads,
// at its type's line, before its key file is read; an address built
// without the config cannot be opened either.
func TestNoGCSBuild(t *testing.T) {
	_, err := ParseConfig("mgw.yaml", []byte(addrs("  - name: gcs-a\n    type: gcs\n    bucket: b-1\n    key_file: nope.json\n")))
	var ce ConfigErrors
	if !errors.As(err, &ce) || len(ce) != 1 {
		t.Fatalf("got %v, want one config error", err)
	}
	if ce[0].Code != codes.DataAddressInvalid || ce[0].Line != 3 || ce[0].Field != "addresses[0].type" {
		t.Errorf("got %s at line %d %s, want %s at line 3 addresses[0].type", ce[0].Code, ce[0].Line, ce[0].Field, codes.DataAddressInvalid)
	}
	if !strings.Contains(err.Error(), "no GCS support") || !strings.Contains(err.Error(), "nogcs") {
		t.Errorf("message %q does not say the build has no GCS support", err)
	}
	if slices.Contains(all.Types(), "gcs") {
		t.Errorf("all.Types() %v lists gcs", all.Types())
	}
}
