package agent

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state/codes"
)

// WriteAgentStatus writes `mgw status` and the view's agent/status.
func WriteAgentStatus(w io.Writer, s AgentStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "version\t%s\n", s.Version)
	fmt.Fprintf(tw, "started\t%s (up %s)\n", s.Started.UTC().Format(time.RFC3339), s.Uptime.Round(time.Second))
	fmt.Fprintf(tw, "config\t%s\n", s.Config)
	fmt.Fprintf(tw, "state dir\t%s\n", s.StateDir)
	if s.Shard != "" {
		fmt.Fprintf(tw, "shard\t%s (index/count)\n", s.Shard)
	}
	if s.Mount != "" {
		fmt.Fprintf(tw, "view\t%s\n", s.Mount)
	}
	fmt.Fprintf(tw, "\nJOB\tMODE\tSTATE\tCOPIED\tQUEUED\tFAILED\tLAG\tDETAIL\n")
	for _, j := range s.Jobs {
		copied, queued, failed, lag := "-", "-", "-", "-"
		if st := j.Status; st != nil {
			copied = fmt.Sprint(st.Progress.FilesCopied)
			queued = fmt.Sprint(st.Progress.FilesQueued)
			failed = fmt.Sprint(st.Progress.FilesFailed)
			if j.Mode == config.ModeContinuous {
				lag = st.Lag.Round(100 * time.Millisecond).String()
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", j.Name, j.Mode, jobState(j), copied, queued, failed, lag, j.Code)
	}
	return tw.Flush()
}

// jobState is "running: synced", "failed", ...
func jobState(j JobInfo) string {
	if j.State == JobRunning && j.Status != nil {
		return j.State + ": " + j.Status.State
	}
	return j.State
}

// WriteJobStatus writes the view's jobs/<job>/status: the state, progress,
// rate, ETA, lag, last scan and failures by code.
func WriteJobStatus(w io.Writer, j JobInfo) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(f, a...)) }
	line("job", "%s", j.Name)
	line("mode", "%s", j.Mode)
	line("state", "%s", jobState(j))
	if j.Code != "" {
		line("why", "%s", codes.Text(j.Code, j.Message))
	}
	line("source", "%s", j.Source)
	line("destination", "%s", j.Destination)
	if j.Shard != "" {
		line("shard", "%s (index/count): the files whose path hashes to this shard", j.Shard)
	}
	if !j.Started.IsZero() {
		line("started", "%s", j.Started.UTC().Format(time.RFC3339))
	}
	if !j.Finished.IsZero() {
		line("finished", "%s", j.Finished.UTC().Format(time.RFC3339))
	}
	if st := j.Status; st != nil {
		p := st.Progress
		line("files", "%d copied of %d to copy, %d queued, %d in flight, %d unchanged, %d skipped, %d failed",
			p.FilesCopied, p.FilesToCopy, p.FilesQueued, p.InFlight, p.FilesUnchanged, p.FilesSkipped, p.FilesFailed)
		line("bytes", "%s of %s", humanize.IBytes(uint64(p.BytesCopied)), humanize.IBytes(uint64(p.BytesToCopy)))
		line("scanned", "%d files (%s)", p.FilesScanned, humanize.IBytes(uint64(p.BytesScanned)))
		line("rate", "%s/s, %.1f files/s", humanize.IBytes(uint64(p.Rate)), p.FileRate)
		if eta, ok := p.ETA(); ok && j.State == JobRunning {
			line("eta", "%s", eta.Round(time.Second))
		}
		if j.Mode == config.ModeContinuous {
			line("lag", "%s", st.Lag.Round(time.Millisecond))
			line("watch", "%s", st.Watch)
			if len(st.Unwatched) > 0 {
				line("polled folders", "%s", strings.Join(st.Unwatched, ", "))
			}
			if p.Deleted > 0 {
				line("deleted", "%d", p.Deleted)
			}
		}
		if !st.LastScan.IsZero() {
			line("last scan", "%s", st.LastScan.UTC().Format(time.RFC3339))
		}
	}
	if r := j.LastRun; r != nil {
		line("last run", "%d, %s, started %s", r.Number, r.State, r.Started.UTC().Format(time.RFC3339))
		line("failed files", "%d", r.FilesFailed)
		for _, k := range slices.Sorted(maps.Keys(r.FailedBy)) {
			line("", "%6d  %s", r.FailedBy[k], k)
		}
	}
	return tw.Flush()
}
