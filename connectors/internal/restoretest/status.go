// Package restoretest is the restore state of an archived object as the
// protocol test servers (osstest, costest) keep it: the services answer
// alike (x-oss-restore, x-cos-restore), so the servers share it.
package restoretest

import (
	"net/http"
	"time"
)

// State is where an archived object stands: frozen until a restore is
// asked for, then restoring, which the real services end after minutes to
// hours and a test server ends when its test calls FinishRestores.
type State int

const (
	Frozen State = iota
	Restoring
	Restored
)

// Status is an object's restore state, the days asked for and, once
// restored, when the readable copy expires.
type Status struct {
	State   State
	Days    int
	Expires time.Time
}

// Header is the restore header HEAD and GET answer with (and an OSS
// listing's RestoreInfo): none while frozen, ongoing-request="true" while
// restoring, ongoing-request="false" and the copy's expiry once restored.
func (s Status) Header() string {
	switch s.State {
	case Restoring:
		return `ongoing-request="true"`
	case Restored:
		return `ongoing-request="false", expiry-date="` + s.Expires.UTC().Format(http.TimeFormat) + `"`
	}
	return ""
}

// Finish ends a restore under way at now, and reports whether there was
// one.
func (s *Status) Finish(now time.Time) bool {
	if s.State != Restoring {
		return false
	}
	s.State = Restored
	s.Expires = now.Add(time.Duration(s.Days) * 24 * time.Hour)
	return true
}
