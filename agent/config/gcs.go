//go:build !nogcs

package config

import (
	"context"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/gcs"
)

// INTERIM until connectors/all: gcs registered from this file alone.
func init() {
	AddressTypes = append(AddressTypes, "gcs")
	OpenGCS = gcs.New
	checkGCSKeyFile = func(data []byte) error {
		_, err := gcs.ParseKeyFile(data)
		return err
	}
}

var _ = context.Background
var _ connectors.Address
