package agent

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/state/codes"
)

// An error without a code (one the agent did not expect) reaches the CLI
// as InternalError with status 500; a coded one keeps its code.
func TestReplyUnknownErrorIsInternalError(t *testing.T) {
	for _, tc := range []struct {
		err    error
		code   string
		status int
	}{
		{errors.New("disk on fire"), codes.InternalError, http.StatusInternalServerError},
		{client.Errorf(codes.JobDoesNotExist, "x"), codes.JobDoesNotExist, http.StatusNotFound},
	} {
		w := httptest.NewRecorder()
		reply(w, nil, tc.err)
		var ae client.APIError
		if err := json.NewDecoder(w.Body).Decode(&ae); err != nil {
			t.Fatal(err)
		}
		if ae.Code != tc.code || w.Code != tc.status {
			t.Errorf("reply(%v): code %s status %d, want %s %d", tc.err, ae.Code, w.Code, tc.code, tc.status)
		}
	}
}
