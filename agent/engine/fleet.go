package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
)

// ShardStatus is what one shard of a job spread over agents tells the
// fleet, in <report_prefix><job>/shard-<i>-of-<n>/status.json at the
// destination: written when a pass starts counting, every minute while
// the job runs, and at the end of every pass.
type ShardStatus struct {
	Job     string      `json:"job"`
	Shard   int         `json:"shard"`
	Shards  int         `json:"shards"`
	Host    string      `json:"host"`
	Updated time.Time   `json:"updated"` // the shard's clock
	Mode    config.Mode `json:"mode"`
	// State is the job's: scanning, migrating, synced, paused, restoring;
	// once a one-shot run is over, the run's: completed, failed,
	// interrupted.
	State string  `json:"state"`
	Code  string  `json:"code,omitempty"`
	Lag   float64 `json:"lag_seconds,omitempty"` // continuous jobs
	// Run is the pass in progress, counted so far, or the last one.
	Run state.Run `json:"run"`
}

// statusName is the shard's status file in its report folder.
const statusName = "status.json"

// Done is the files of the pass that are at the destination: copied,
// adopted from another shard, or unchanged since an earlier pass.
func (s *ShardStatus) Done() (files, bytes int64) {
	r := &s.Run
	return r.FilesCopied + r.FilesAdopted + r.FilesUnchanged, r.BytesCopied + r.BytesAdopted + r.BytesUnchanged
}

// Over reports whether the shard's report is final: a one-shot run that
// ended (completed, failed or interrupted). A continuous shard's never is.
func (s *ShardStatus) Over() bool {
	return s.Mode != config.ModeContinuous && (s.State == "completed" || s.State == "failed" || s.State == "interrupted")
}

// Fleet is what the shards of a job told at the destination.
type Fleet struct {
	Job    string
	Dir    string         // <report_prefix><job>/
	Shards []*ShardStatus // by index; nil: not reported
}

var statusKey = regexp.MustCompile(`^shard-(\d+)-of-(\d+)/` + regexp.QuoteMeta(statusName) + `$`)

// ReadJobFleet opens the destination of job and reads its fleet there
// (ReadFleet), with count from the job's shard field unless given. An
// address that cannot be opened is a *JobError with its code.
func ReadJobFleet(ctx context.Context, cfg *config.Config, job *config.JobConfig, count int) (*Fleet, error) {
	if count == 0 {
		count = job.Shard.Count
	}
	a := *cfg.Resolved(job.Destination)
	dst, err := all.Open(ctx, a)
	if err != nil {
		return nil, &JobError{Code: all.AddressCode(connectors.Destination, a, err), Err: err}
	}
	defer dst.Close()
	f, err := ReadFleet(ctx, dst, job.ReportPrefix, job.Name, count)
	if err != nil {
		return nil, &JobError{Code: all.AddressCode(connectors.Destination, a, err), Err: err}
	}
	return f, nil
}

// ReadFleet reads the status of every shard of job from the destination
// dst, where the shards' reports go under prefix: count reads when the
// shard count is known, else one listing of the job's reports first, to
// find the count the most recently updated shard runs with.
func ReadFleet(ctx context.Context, dst connectors.Bucket, prefix, job string, count int) (*Fleet, error) {
	f := &Fleet{Job: job, Dir: prefix + job + "/"}
	if count == 0 {
		var (
			newest time.Time
			mu     sync.Mutex // fn may run on several goroutines
		)
		err := dst.List(ctx, f.Dir, func(o connectors.Object) error {
			m := statusKey.FindStringSubmatch(o.Key[len(f.Dir):])
			mu.Lock()
			defer mu.Unlock()
			if m != nil && o.ModTime.After(newest) {
				newest = o.ModTime
				count, _ = strconv.Atoi(m[2])
			}
			return nil
		}, nil)
		if err != nil {
			return nil, err
		}
		if count == 0 || count > config.MaxShards {
			return f, nil
		}
	}
	f.Shards = make([]*ShardStatus, count)
	for i := range f.Shards {
		key := fmt.Sprintf("%s%s/%s", f.Dir, config.Shard{Index: i, Count: count}.Name(), statusName)
		rc, err := dst.Open(ctx, key, 0, -1)
		if connectors.KindOf(err) == connectors.KindNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		var st ShardStatus
		err = json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&st)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		f.Shards[i] = &st
	}
	return f, nil
}

// FleetSummary is what the fleet report found amiss: shards that never
// reported, whose last report is older than the limit, or whose one-shot
// run stopped before its end (failed or interrupted), and failed files.
type FleetSummary struct {
	Missing, Old, Stopped []int
	Failed                int64
}

// OK reports whether every shard reported lately or completed, and no
// file failed.
func (s FleetSummary) OK() bool {
	return len(s.Missing) == 0 && len(s.Old) == 0 && len(s.Stopped) == 0 && s.Failed == 0
}

func (s FleetSummary) String() string {
	return fmt.Sprintf("%d shards not reported, %d with an old report, %d stopped before the end, %d failed files",
		len(s.Missing), len(s.Old), len(s.Stopped), s.Failed)
}

// WriteFleet prints the fleet report: each shard's state and counters,
// the totals, failures by code, and the shards that have not reported or
// whose last report is older than old (a one-shot shard that finished
// never is: its report is final).
func WriteFleet(w io.Writer, f *Fleet, now time.Time, old time.Duration) (FleetSummary, error) {
	var sum FleetSummary
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Fleet report\njob %s, %d shards, reports under %s\n\n", f.Job, len(f.Shards), f.Dir)
	fmt.Fprintf(tw, "SHARD\tSTATE\tUPDATED\tRUN\tFILES DONE\tBYTES DONE\tCOPIED\tADOPTED\tFAILED\tLAG\tHOST\n")
	var total ShardStatus
	failedBy := map[string]int64{}
	for i, s := range f.Shards {
		if s == nil {
			sum.Missing = append(sum.Missing, i)
			fmt.Fprintf(tw, "%d\tnot reported\t\t\t\t\t\t\t\t\t\n", i)
			continue
		}
		age := now.Sub(s.Updated)
		updated := humanize.RelTime(s.Updated, now, "ago", "from now")
		switch {
		case !s.Over() && age > old:
			sum.Old = append(sum.Old, i)
			updated += " (old)"
		case s.Over() && s.State != "completed":
			sum.Stopped = append(sum.Stopped, i)
		}
		state := s.State
		if s.Code != "" {
			state += " (" + s.Code + ")"
		}
		lag := "-"
		if s.Mode == config.ModeContinuous {
			lag = (time.Duration(s.Lag * float64(time.Second))).Round(time.Second).String()
		}
		files, bytes := s.Done()
		r := &s.Run
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t%s\t%s\n", i, state, updated, r.Number, files,
			humanize.IBytes(uint64(bytes)), r.FilesCopied, r.FilesAdopted, r.FilesFailed, lag, s.Host)
		addRun(&total.Run, r)
		for code, n := range r.FailedBy {
			failedBy[code] += n
		}
	}
	files, bytes := total.Done()
	r := &total.Run
	fmt.Fprintf(tw, "total\t\t\t\t%d\t%s\t%d\t%d\t%d\t\t\n", files, humanize.IBytes(uint64(bytes)), r.FilesCopied, r.FilesAdopted, r.FilesFailed)
	sum.Failed = r.FilesFailed
	if len(failedBy) > 0 {
		fmt.Fprintf(tw, "\nFailed files by code (mgw explain CODE):\n")
		for _, code := range slices.Sorted(maps.Keys(failedBy)) {
			fmt.Fprintf(tw, "%6d\t%s\n", failedBy[code], code)
		}
	}
	if len(sum.Missing) > 0 {
		fmt.Fprintf(tw, "\nNot reported: shards %v\n", sum.Missing)
	}
	if len(sum.Old) > 0 {
		fmt.Fprintf(tw, "\nLast report older than %s: shards %v\n", old, sum.Old)
	}
	if len(sum.Stopped) > 0 {
		fmt.Fprintf(tw, "\nStopped before the end (failed or interrupted; run them again): shards %v\n", sum.Stopped)
	}
	return sum, tw.Flush()
}

// addRun adds the counters of r to total.
func addRun(total, r *state.Run) {
	total.FilesScanned += r.FilesScanned
	total.BytesScanned += r.BytesScanned
	total.FilesCopied += r.FilesCopied
	total.BytesCopied += r.BytesCopied
	total.FilesUnchanged += r.FilesUnchanged
	total.BytesUnchanged += r.BytesUnchanged
	total.FilesAdopted += r.FilesAdopted
	total.BytesAdopted += r.BytesAdopted
	total.FilesSkipped += r.FilesSkipped
	total.FilesFailed += r.FilesFailed
}
