package oss

import (
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/internal/addrcheck"
	"github.com/mgw-dev/mgw/state/codes"
)

// Backend is what the registry knows of an oss address.
var Backend = connectors.Backend{
	Type:     "oss",
	Open:     New,
	Validate: validate,
	Code:     code,
	Root:     addrcheck.BucketRoot,
	Restore:  true,
}

// validate checks the fields of an OSS address; an empty one is OSS's
// own OSSParameterEmpty.
func validate(a *connectors.Address, _ string) []connectors.Problem {
	var ps addrcheck.Problems
	ps.AccessKey(codes.OSSParameterEmpty, a)
	return ps
}

// code gives the catalogue's OSS codes of a source: a destination, and
// what they do not cover, get the generic ones.
func code(side connectors.Side, _ connectors.Address, err error) string {
	if side != connectors.Source {
		return ""
	}
	switch connectors.KindOf(err) {
	case connectors.KindBadKeyID:
		return codes.OssAccessKeyInvalid
	case connectors.KindBadSecret:
		return codes.OssSecretKeyInvalid
	case connectors.KindBadEndpoint:
		return codes.OssEndpointInvalid
	case connectors.KindAccessDenied:
		return codes.OssAccessDenied
	}
	return ""
}
