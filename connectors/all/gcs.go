//go:build !nogcs

package all

import "github.com/mgw-dev/mgw/connectors/gcs"

// The GCS backend is registered from this file alone, so that a build
// tagged nogcs leaves Google's client out (the binary shrinks from 56 MB
// to 22 MB, stripped).
func init() {
	backends = append(backends, gcs.Backend)
}
