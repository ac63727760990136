package osstest

import (
	"encoding/xml"
	"strconv"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
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

// restoreObject follows "RestoreObject": 202 for the first request of a
// frozen object, 409 RestoreAlreadyInProgress while it is restoring, 200
// once restored (the copy's expiry moves), 400 OperationNotSupported for
// a class that needs no restore. The optional body is
// <RestoreRequest><Days>n</Days><JobParameters><Tier>t</Tier></JobParameters></RestoreRequest>;
// Days defaults to 1.
func (s *Server) restoreObject(rq *request) {
	body, err := testserver.ReadBody(rq.R)
	if err != nil {
		rq.fail(err)
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

	status, err := s.Restore(rq.Bucket, rq.Key, req.Days, func(obj *testserver.Object) error {
		switch class := obj.StorageClass; {
		case !needsRestore(class):
			return errNotArchived
		case req.Days < 1 || req.Days > maxRestoreDays(class):
			return errRestoreDays.with("ArgumentValue", strconv.Itoa(req.Days))
		case req.Tier != "" && restoreTiers[class] != nil && !restoreTiers[class][req.Tier]:
			return errRestoreTier.with("ArgumentValue", req.Tier)
		}
		return nil
	})
	if err != nil {
		rq.fail(err)
		return
	}
	rq.W.WriteHeader(status)
}
