package osstest

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
)

// maxRestoreDays is how long a restored copy may be kept: 1 to 7 days for
// Archive, 1 to 365 for Cold and Deep Cold Archive.
func maxRestoreDays(class string) int {
	if class == "Archive" {
		return 7
	}
	return 365
}

// restoreTiers are the priorities ("JobParameters>Tier") each class takes;
// Archive ignores the element. Deep Cold Archive has no Bulk.
var restoreTiers = map[string]map[string]bool{
	"ColdArchive":     {"Expedited": true, "Standard": true, "Bulk": true},
	"DeepColdArchive": {"Expedited": true, "Standard": true},
}

// FinishRestores ends every restore under way, as OSS does once the
// object is thawed: the objects become readable. It returns how many.
func (s *Server) FinishRestores() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, b := range s.buckets {
		for _, obj := range b.objects {
			if obj.restore.Finish(time.Now()) {
				n++
			}
		}
	}
	return n
}

// restoreObject follows "RestoreObject": 202 for the first request of a
// frozen object, 409 RestoreAlreadyInProgress while it is restoring, 200
// once restored (the copy's expiry moves), 400 OperationNotSupported for
// a class that needs no restore. The optional body is
// <RestoreRequest><Days>n</Days><JobParameters><Tier>t</Tier></JobParameters></RestoreRequest>;
// Days defaults to 1.
func (s *Server) restoreObject(rq *request) {
	body, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	req := struct {
		Days int    `xml:"Days"`
		Tier string `xml:"JobParameters>Tier"`
	}{Days: 1}
	if len(body) > 0 {
		if err := xml.Unmarshal(body, &req); err != nil {
			rq.fail(errMalformedXML)
			return
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	obj := rq.bucket.objects[rq.key]
	switch {
	case obj == nil:
		rq.fail(errNoSuchKey.with("Key", rq.key))
		return
	case !needsRestore(obj.storageClass):
		rq.fail(errNotArchived)
		return
	case req.Days < 1 || req.Days > maxRestoreDays(obj.storageClass):
		rq.fail(errRestoreDays.with("ArgumentValue", strconv.Itoa(req.Days)))
		return
	case req.Tier != "" && restoreTiers[obj.storageClass] != nil && !restoreTiers[obj.storageClass][req.Tier]:
		rq.fail(errRestoreTier.with("ArgumentValue", req.Tier))
		return
	}
	switch obj.restore.State {
	case restoretest.Restoring:
		rq.fail(errRestoring)
	case restoretest.Restored:
		obj.restore.Expires = time.Now().Add(time.Duration(req.Days) * 24 * time.Hour)
		rq.w.WriteHeader(http.StatusOK)
	default:
		obj.restore = restoretest.Status{State: restoretest.Restoring, Days: req.Days}
		rq.w.WriteHeader(http.StatusAccepted)
	}
}
