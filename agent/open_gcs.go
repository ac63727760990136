//go:build !nogcs

package agent

import "github.com/mgw-dev/mgw/connectors/gcs"

// The GCS connector is registered from this file alone, so that a build
// tagged nogcs leaves Google's client out (the binary shrinks from 56 MB
// to 22 MB, stripped).
func init() {
	AddressTypes = append(AddressTypes, "gcs")
	openGCS = gcs.New
	checkGCSKeyFile = func(data []byte) error {
		_, err := gcs.ParseKeyFile(data)
		return err
	}
}
