package costest

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/mgw-dev/mgw/connectors/internal/restoretest"
)

// restoreTiers are the CASJobParameters>Tier values each class takes:
// DEEP_ARCHIVE has no Expedited mode.
var restoreTiers = map[string]map[string]bool{
	"ARCHIVE":      {"Expedited": true, "Standard": true, "Bulk": true},
	"DEEP_ARCHIVE": {"Standard": true, "Bulk": true},
}

// FinishRestores ends every restore under way, as COS does once the
// temporary copy is made: the objects become readable. It returns how
// many.
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

// restoreObject follows "POST Object restore": the body
// <RestoreRequest><Days>n</Days><CASJobParameters><Tier>t</Tier></CASJobParameters></RestoreRequest>
// is required, with Content-MD5, and Days; Tier defaults to Standard. A
// frozen object answers 202 and starts restoring; one restoring answers
// 409 RestoreAlreadyInProgress; a restored one 200 (its copy's expiry
// moves); an object that is not archived 405.
func (s *Server) restoreObject(rq *request) {
	if rq.r.Header.Get("Content-MD5") == "" {
		rq.fail(errMissingMD5)
		return
	}
	body, e := receive(rq)
	if e != nil {
		rq.fail(e)
		return
	}
	var req struct {
		XMLName xml.Name `xml:"RestoreRequest"`
		Days    int      `xml:"Days"`
		Tier    string   `xml:"CASJobParameters>Tier"`
	}
	if err := xml.Unmarshal(body, &req); err != nil {
		rq.fail(errMalformedXML)
		return
	}
	if req.Tier == "" {
		req.Tier = "Standard"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	obj := rq.bucket.objects[rq.key]
	switch {
	case obj == nil:
		rq.fail(errNoSuchKey)
		return
	case !archived(obj.storageClass):
		rq.fail(errNotArchived)
		return
	case req.Days < 1 || !restoreTiers[obj.storageClass][req.Tier]:
		rq.fail(errArgument)
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
