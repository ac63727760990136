package engine

import (
	"testing"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// A report built from an index that cannot be read must say so, not
// count too few failures.
func TestFillReportReturnsStateErrors(t *testing.T) {
	job := &config.Settings{Name: "rep", Mode: config.ModeOnce, Concurrency: 1}
	addr := connectors.Address{Name: "a", Type: "local", Path: t.TempDir()}
	r, st := newTestRunner(t, job, addr, connectors.Address{Name: "b", Type: "local", Path: t.TempDir()})
	if err := st.Fail("rep", "x", state.Failure{Code: "DestWriteFailed"}); err != nil {
		t.Fatal(err)
	}
	run := &state.Run{}
	if err := r.fillReport(run, Snapshot{}); err != nil || run.FilesFailed != 1 {
		t.Fatalf("open store: %v, %d failed", err, run.FilesFailed)
	}
	st.Close()
	if err := r.fillReport(&state.Run{}, Snapshot{}); err == nil {
		t.Fatal("a closed index gave a report without an error")
	}
}
