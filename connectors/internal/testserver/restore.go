package testserver

import (
	"errors"
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

// ErrRestoreInProgress answers a restore request for an object already
// restoring (409).
var ErrRestoreInProgress = errors.New("restore already in progress")

// Restore applies a restore request for days to the object, once check
// (the service's rules on class, days and tier) accepts it: a frozen
// object starts restoring (202), a restored one's copy expires days from
// now (200), one restoring returns ErrRestoreInProgress.
func (st *Store) Restore(bucketName, key string, days int, check func(*Object) error) (status int, err error) {
	err = st.Update(bucketName, key, func(obj *Object) error {
		if err := check(obj); err != nil {
			return err
		}
		switch obj.Restore.State {
		case Restoring:
			return ErrRestoreInProgress
		case Restored:
			obj.Restore.Expires = time.Now().Add(time.Duration(days) * 24 * time.Hour)
			status = http.StatusOK
		default:
			obj.Restore = RestoreStatus{State: Restoring, Days: days}
			status = http.StatusAccepted
		}
		return nil
	})
	return status, err
}
