package engine

import (
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/httplist"
	"github.com/mgw-dev/mgw/state/codes"
)

// addressCodeCloudA maps the errors of cos and httplist addresses where
// the catalogue has a code of their own; ok is false to fall back to the
// generic mapping.
func addressCodeCloudA(side connectors.Side, typ string, err error) (code string, ok bool) {
	switch typ {
	case "cos":
		if side != connectors.Source {
			return "", false
		}
		switch connectors.KindOf(err) {
		case connectors.KindBadKeyID, connectors.KindBadSecret:
			// COS's one code for either half of the key pair.
			return codes.SourceAddrSecretIdInvalid, true
		case connectors.KindUnsupportedName:
			return codes.SourceFolderPathInvalid, true // the prefix
		}
	case "httplist":
		switch httplist.ReasonOf(err) {
		case httplist.BadFormat:
			return codes.SourceAddrBadHttpListFormat, true
		case httplist.NotExist:
			return codes.SourceAddrListFilePathNotExist, true
		case httplist.InvalidPath:
			return codes.SourceAddrListFilePathInvalid, true
		case httplist.CannotConnect:
			if side == connectors.Destination {
				return codes.DestAddrCannotConnectUrl, true
			}
			return codes.SourceAddrCannotConnectUrl, true
		}
	}
	return "", false
}
