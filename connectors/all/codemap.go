package all

import (
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// AddressCode maps an error met while checking an address (or a whole
// listing) to the catalogue's code for that side: the backend's own code
// where it has one, else the generic code of the error's kind. An
// address of no known type (the zero Address) gets the generic code.
func AddressCode(side connectors.Side, a connectors.Address, err error) string {
	b, _ := Lookup(a.Type)
	if b.Code != nil {
		if c := b.Code(side, a, err); c != "" {
			return c
		}
	}
	return genericCode(side, b.FileSystem, err)
}

// genericCode is the code of an error's kind on a side. fileSystem: a
// refusal is a folder this host may not read, not a provider's 403.
func genericCode(side connectors.Side, fileSystem bool, err error) string {
	pick := func(source, dest string) string {
		if side == connectors.Source {
			return source
		}
		return dest
	}
	switch connectors.KindOf(err) {
	case connectors.KindBadKeyID:
		return pick(codes.SourceAddrAccessKeyInvalid, codes.DestAddrAccessKeyInvalid)
	case connectors.KindBadSecret:
		return pick(codes.SourceAddrSecretKeyInvalid, codes.DestAddrSecretKeyInvalid)
	case connectors.KindNoSuchBucket:
		return pick(codes.SourceAddrRegionBucketNotMatchOrNoSuchBucket, codes.DestAddrRegionBucketNotMatchOrNoSuchBucket)
	case connectors.KindBadEndpoint:
		return pick(codes.SourceAddrEndpointInvalid, codes.DestAddrEndpointInvalid)
	case connectors.KindTimeout:
		return codes.CheckAddressTimeOut
	case connectors.KindNotDir, connectors.KindNotFound:
		return pick(codes.SourcePrefixIsNotDir, codes.DestPrefixIsNotDir)
	case connectors.KindAccessDenied:
		if fileSystem {
			return pick(codes.SourceReadDirFailed, codes.DestReadDirFailed)
		}
		return pick(codes.SourceAddrEndpointBucketPermissionInvalid, codes.DestAddrEndpointBucketPermissionInvalid)
	}
	return pick(codes.SourceDataAddressInvalid, codes.DestinationDataAddressInvalid)
}
