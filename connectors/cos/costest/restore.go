package costest

import (
	"encoding/xml"

	"github.com/mgw-dev/mgw/connectors/internal/testserver"
)

// restoreTiers are the CASJobParameters>Tier values each class takes:
// DEEP_ARCHIVE has no Expedited mode.
var restoreTiers = map[string]map[string]bool{
	"ARCHIVE":      {"Expedited": true, "Standard": true, "Bulk": true},
	"DEEP_ARCHIVE": {"Standard": true, "Bulk": true},
}

// restoreObject follows "POST Object restore": the body
// <RestoreRequest><Days>n</Days><CASJobParameters><Tier>t</Tier></CASJobParameters></RestoreRequest>
// is required, with Content-MD5, and Days; Tier defaults to Standard. A
// frozen object answers 202 and starts restoring; one restoring answers
// 409 RestoreAlreadyInProgress; a restored one 200 (its copy's expiry
// moves); an object that is not archived 405.
func (s *Server) restoreObject(rq *request) {
	if rq.R.Header.Get("Content-MD5") == "" {
		rq.fail(errMissingMD5)
		return
	}
	body, err := testserver.ReadBody(rq.R)
	if err != nil {
		rq.fail(err)
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
	status, err := s.Restore(rq.Bucket, rq.Key, req.Days, func(obj *testserver.Object) error {
		switch {
		case !archived(obj.StorageClass):
			return errNotArchived
		case req.Days < 1 || !restoreTiers[obj.StorageClass][req.Tier]:
			return errArgument
		}
		return nil
	})
	if err != nil {
		rq.fail(err)
		return
	}
	rq.W.WriteHeader(status)
}
