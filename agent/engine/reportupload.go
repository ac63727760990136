package engine

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// uploadReport puts a run's migration report at the destination under the
// job's report_prefix, as the hosted service does: the report as text
// (<prefix><job>/run-<n>.txt) and the failed files as CSV
// (<prefix><job>/run-<n>-failed.csv, columns path, code, message,
// attempts, last_attempt). A report that cannot be uploaded is logged, and
// the run is not failed for it.
func (r *Runner) uploadReport(ctx context.Context, run *state.Run) {
	if r.Job.ReportPrefix == "" || ctx.Err() != nil {
		return
	}
	base := fmt.Sprintf("%s%s/run-%d", r.Job.ReportPrefix, r.Job.Name, run.Number)
	var text bytes.Buffer
	if err := WriteReport(&text, run, &r.SrcAddr, &r.DstAddr); err != nil {
		r.log.Warn("cannot write the report", "err", err)
		return
	}
	var failed bytes.Buffer
	w := csv.NewWriter(&failed)
	_ = w.Write([]string{"path", "code", "message", "attempts", "last_attempt"}) // a bytes.Buffer takes it
	if err := r.Store.Failures(r.Job.Name, func(path string, f state.Failure) error {
		return w.Write([]string{path, f.Code, f.Message, strconv.Itoa(f.Attempts), f.Last.UTC().Format(time.RFC3339)})
	}); err != nil {
		// A list with files missing must not pass for the whole one.
		r.log.Error("cannot read the failed list: the migration report is not uploaded", "err", err)
		return
	}
	w.Flush()
	for key, b := range map[string][]byte{base + ".txt": text.Bytes(), base + "-failed.csv": failed.Bytes()} {
		if _, err := r.Dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), connectors.PutOptions{ModTime: run.Finished}); err != nil {
			r.log.Warn("cannot upload the migration report", "key", key, "err", RootCause(err))
		}
	}
}
