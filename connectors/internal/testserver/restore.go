package testserver

import (
	"net/http"
	"time"
)

// The restore state of an archived object: OSS and COS answer alike
// (x-oss-restore, x-cos-restore), so the servers share it. Which classes
// need a restore, for how many days and at which tiers stays with each
// service.

// RestoreState is where an archived object stands: frozen until a restore is
// asked for, then restoring, which the real services end after minutes to
// hours and a test server ends when its test calls FinishRestores.
type RestoreState int

const (
	Frozen RestoreState = iota
	Restoring
	Restored
)

// RestoreStatus is an object's restore state, the days asked for and, once
// restored, when the readable copy expires.
type RestoreStatus struct {
	State   RestoreState
	Days    int
	Expires time.Time
}

// Header is the restore header HEAD and GET answer with (and an OSS
// listing's RestoreInfo): none while frozen, ongoing-request="true" while
// restoring, ongoing-request="false" and the copy's expiry once restored.
func (s RestoreStatus) Header() string {
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
func (s *RestoreStatus) Finish(now time.Time) bool {
	if s.State != Restoring {
		return false
	}
	s.State = Restored
	s.Expires = now.Add(time.Duration(s.Days) * 24 * time.Hour)
	return true
}

// RestoreOutcome is how a restore request ends.
type RestoreOutcome int

const (
	RestoreStarted    RestoreOutcome = iota // the object was frozen: 202
	RestoreInProgress                       // already restoring: 409
	RestoreExtended                         // already restored, the copy kept longer: 200
)

// Request applies a restore request for days at now: a frozen object
// starts restoring, a restored one's copy expires days from now, one
// restoring stays as it is.
func (s *RestoreStatus) Request(days int, now time.Time) RestoreOutcome {
	switch s.State {
	case Restoring:
		return RestoreInProgress
	case Restored:
		s.Expires = now.Add(time.Duration(days) * 24 * time.Hour)
		return RestoreExtended
	}
	*s = RestoreStatus{State: Restoring, Days: days}
	return RestoreStarted
}

// Status answers the outcome as both services do.
func (o RestoreOutcome) Status() int {
	switch o {
	case RestoreInProgress:
		return http.StatusConflict
	case RestoreExtended:
		return http.StatusOK
	}
	return http.StatusAccepted
}
