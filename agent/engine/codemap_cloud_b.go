package engine

import (
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// cloudBCode returns the provider-specific catalogue code of a source
// address error for azblob, gcs and the s3 presets bos and ks3, or "" to
// let AddressCode pick the generic one. The catalogue has these codes for
// sources only; a destination gets the generic ones.
func cloudBCode(side connectors.Side, typ string, err error) string {
	if side != connectors.Source {
		return ""
	}
	k := connectors.KindOf(err)
	switch typ {
	case "azblob":
		switch k {
		// A wrong key or SAS, an account the service does not know (no
		// such host on Azure, ResourceNotFound on Azurite), or a connection
		// string that does not parse.
		case connectors.KindBadKeyID, connectors.KindBadSecret, connectors.KindBadEndpoint:
			return codes.AzureSourceConnStrAccountInvalid
		case connectors.KindNoSuchBucket:
			return codes.AzureSourceAddrContainerInvalid
		}
	case "gcs":
		switch k {
		case connectors.KindBadKeyID: // the token endpoint refused the key (deleted key ID)
			return codes.SourcePrivateKeyIDInvalid
		case connectors.KindBadSecret: // the key file cannot be used at all
			return codes.SourceBadPrivateKeyFileFormat
		case connectors.KindNoSuchBucket, connectors.KindAccessDenied:
			return codes.SourceKeyFileBucketNotMatchedOrPermission
		}
	case "s3:bos":
		if k == connectors.KindNoSuchBucket {
			return codes.SourceAddrEndpointBucketNotMatchOrNoSuchBucket
		}
	case "s3:ks3":
		switch k {
		case connectors.KindBadSecret, connectors.KindBadEndpoint:
			return codes.SourceAddrEndpointOrSkInvalid
		case connectors.KindBadKeyID, connectors.KindAccessDenied:
			return codes.SourceAddrAccessKeyOrPermissionInvalid
		}
	}
	return ""
}
