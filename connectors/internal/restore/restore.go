// Package restore reads the restore status S3, OSS and COS report for an
// archived object, so the three connectors decide alike whether it can be
// read and whether a restore must still be asked for.
package restore

import (
	"errors"
	"strings"

	"github.com/mgw-dev/mgw/connectors"
)

// State is where an archived object stands.
type State uint8

const (
	Frozen    State = iota // no restore asked for, or its copy expired
	Restoring              // a restore is under way
	Restored               // a readable copy exists
)

// Parse reads a restore status: x-amz-restore, x-oss-restore and
// x-cos-restore on a HEAD, OSS's RestoreInfo in a listing. The services
// write `ongoing-request="true"` while a restore runs and
// `ongoing-request="false", expiry-date="..."` once the copy is readable;
// nothing at all for an object never restored or whose copy expired.
func Parse(v string) State {
	_, rest, ok := strings.Cut(strings.ToLower(v), "ongoing-request")
	if !ok {
		return Frozen
	}
	rest = strings.TrimLeft(rest, ` ="`)
	switch {
	case strings.HasPrefix(rest, "true"):
		return Restoring
	case strings.HasPrefix(rest, "false"):
		return Restored
	}
	return Frozen
}

// Needed reports whether an object of class in state s must be asked to
// restore before it can be read: it is archived and nothing is under way.
func Needed(class string, s State) bool {
	return connectors.Archived(class) && s == Frozen
}

// Days keeps a restore's duration within what a service accepts: at least
// one day, at most maxDays.
func Days(days, maxDays int) int {
	return min(max(days, 1), maxDays)
}

// AlreadyAsked reports whether err is the answer of S3, OSS and COS to a
// restore asked for while one is under way (409 RestoreAlreadyInProgress):
// for a caller who wants the object restored, that is success.
func AlreadyAsked(err error) bool {
	var ce *connectors.Error
	return errors.As(err, &ce) && ce.Code == "RestoreAlreadyInProgress"
}
