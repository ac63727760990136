package engine

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state"
)

// reportDir is where the job's reports go at the destination:
// <prefix><job>/, and for one shard of the job
// <prefix><job>/shard-<index>-of-<count>/.
func (r *Runner) reportDir() string {
	dir := r.Job.ReportPrefix + r.Job.Name + "/"
	if r.Job.Shard.Sharded() {
		dir += r.Job.Shard.Name() + "/"
	}
	return dir
}

// uploadReport puts a run's migration report at the destination under the
// job's report_prefix, as the hosted service does: the report as text
// (run-<n>.txt in reportDir) and the failed files as CSV
// (run-<n>-failed.csv, columns path, code, message, attempts,
// last_attempt); a shard also updates its status.json for the fleet
// report. A report that cannot be uploaded is logged, and the run is not
// failed for it.
func (r *Runner) uploadReport(ctx context.Context, run *state.Run) {
	if r.Job.ReportPrefix == "" {
		return
	}
	r.uploadStatus(ctx)
	if ctx.Err() != nil {
		return
	}
	base := fmt.Sprintf("%srun-%d", r.reportDir(), run.Number)
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
		r.putReport(ctx, key, b, run.Finished)
	}
}

func (r *Runner) putReport(ctx context.Context, key string, b []byte, at time.Time) {
	if _, err := r.Dst.Put(ctx, key, bytes.NewReader(b), int64(len(b)), connectors.PutOptions{ModTime: at}); err != nil {
		r.log.Warn("cannot upload the migration report", "key", key, "err", RootCause(err))
	}
}

// statusEvery is how often a running shard updates its status.json. A
// variable: tests shorten it.
var statusEvery = time.Minute

// passReport is the pass a shard's status tells of: the one in progress
// (counted from before on each update), or the last one, final.
type passReport struct {
	run    state.Run
	before Snapshot
	final  bool
}

// reportStatus updates the shard's status.json every statusEvery until
// ctx ends.
func (r *Runner) reportStatus(ctx context.Context) {
	if !r.Job.Shard.Sharded() || r.Job.ReportPrefix == "" {
		return // no status to write (uploadStatus)
	}
	t := time.NewTicker(statusEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.uploadStatus(ctx)
		}
	}
}

// uploadStatus writes the shard's status.json, when the job is sharded and
// has a report_prefix: the job's state now and the counters of its current
// or last pass. A shard stopped by a signal
// still says so: the write outlives ctx by a few seconds.
func (r *Runner) uploadStatus(ctx context.Context) {
	pr := r.current.Load()
	if !r.Job.Shard.Sharded() || r.Job.ReportPrefix == "" || pr == nil {
		return
	}
	st := ShardStatus{Job: r.Job.Name, Shard: r.Job.Shard.Index, Shards: r.Job.Shard.Count, Mode: r.Job.Mode,
		Updated: time.Now().UTC(), Run: pr.run}
	st.Host, _ = os.Hostname()
	var live Status
	if r.Continuous != nil {
		live = r.Continuous.Status()
		st.Lag = live.Lag.Seconds()
	} else {
		live = r.Status()
	}
	st.State, st.Code = live.State, live.Code
	switch {
	case !pr.final:
		if err := r.countRun(&st.Run, pr.before); err != nil {
			r.log.Warn("cannot count the pass for the shard's status", "err", err)
			return
		}
	case r.Continuous == nil:
		st.State, st.Code = pr.run.State, "" // the run is over
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		r.log.Error("cannot write the shard's status", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	r.putReport(ctx, r.reportDir()+statusName, b, st.Updated)
}
