package oss

import (
	"errors"

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
	var ce *connectors.Error
	if errors.As(err, &ce) && ce.Code == "UserDisable" {
		// The account or RAM user is disabled (an overdue payment, a
		// deactivated user): no key or policy change helps, so it has its
		// own code on each side.
		if side == connectors.Source {
			return codes.OssSourceUserDisable
		}
		return codes.OssDestUserDisable
	}
	if side != connectors.Source {
		return ""
	}
	if ce != nil && ce.Code == "NoSuchBucket" {
		// OSS's own answer for a bucket that does not exist, with its
		// message; a bucket of another region stays the generic code.
		return codes.NoSuchBucket
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
