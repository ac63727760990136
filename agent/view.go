package agent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// View is what the read-only view (package vfs) reads of the agent: the
// names, small files rendered on demand, the pending list and honest
// mtimes. The large lists it reads from the state itself.
type View struct{ a *Agent }

// NewView returns the view source of an agent.
func NewView(a *Agent) *View { return &View{a: a} }

// Jobs names the jobs.
func (v *View) Jobs() []string {
	cfg := v.a.Config()
	out := make([]string, 0, len(cfg.Jobs))
	for _, j := range cfg.Jobs {
		out = append(out, j.Name)
	}
	return out
}

// Addresses names the data addresses.
func (v *View) Addresses() []string {
	cfg := v.a.Config()
	out := make([]string, 0, len(cfg.Addresses))
	for _, a := range cfg.Addresses {
		out = append(out, a.Name)
	}
	return out
}

// Text renders one small file of the tree.
func (v *View) Text(path string) ([]byte, error) {
	var b bytes.Buffer
	parts := strings.Split(path, "/")
	cfg := v.a.Config()
	notExist := fmt.Errorf("%s: %w", path, fs.ErrNotExist)
	switch {
	case path == "agent/status":
		err := WriteAgentStatus(&b, v.a.Status())
		return b.Bytes(), err
	case path == "agent/metrics":
		err := v.a.WriteMetrics(&b)
		return b.Bytes(), err
	case len(parts) == 3 && parts[0] == "addresses":
		ad := cfg.Address(parts[1])
		if ad == nil {
			return nil, notExist
		}
		switch parts[2] {
		case "config":
			return []byte(ad.RedactedYAML()), nil
		case "check":
			c, ok := v.a.Check(ad.Name)
			if !ok {
				return nil, notExist
			}
			if c.Code == "" {
				fmt.Fprintf(&b, "%s\tOK\t(as %s)\n", c.At.UTC().Format(time.RFC3339), c.Side)
			} else {
				fmt.Fprintf(&b, "%s\t%s\t(as %s)\n", c.At.UTC().Format(time.RFC3339), codes.Text(c.Code, c.Message), c.Side)
			}
			return b.Bytes(), nil
		}
	case len(parts) == 3 && parts[0] == "jobs":
		j := cfg.Job(parts[1])
		if j == nil {
			return nil, notExist
		}
		switch parts[2] {
		case "config":
			return []byte(j.Text()), nil
		case "report.txt":
			err := WriteLastReport(&b, v.a.Store, cfg, j.Name)
			if _, ok := err.(*client.APIError); ok {
				return []byte("no run yet\n"), nil
			}
			return b.Bytes(), err
		case "status", "status.json":
			ji, err := v.a.JobInfo(j.Name)
			if err != nil {
				return nil, notExist
			}
			if parts[2] == "status" {
				err = WriteJobStatus(&b, ji)
				return b.Bytes(), err
			}
			out, err := json.MarshalIndent(ji, "", "  ")
			return append(out, '\n'), err
		}
	}
	return nil, notExist
}

// WritePending writes the files queued, in flight or settling.
func (v *View) WritePending(job string, w io.Writer) error {
	r := v.a.running(job)
	if r == nil {
		return nil
	}
	return r.Pending(func(key string, since time.Time) error {
		_, err := fmt.Fprintf(w, "%s\t%s\n", state.Escape(key), since.UTC().Format(time.RFC3339))
		return err
	})
}

// OpenCheck opens the job's last check (checks.go).
func (v *View) OpenCheck(job string) (*os.File, error) {
	cfg := v.a.Config()
	if cfg.Job(job) == nil {
		return nil, fmt.Errorf("%s: %w", job, fs.ErrNotExist)
	}
	return os.Open(checkPath(cfg.StateDir, job))
}

// ModTime is when a file's content last changed, where the agent knows.
func (v *View) ModTime(path string) time.Time {
	parts := strings.Split(path, "/")
	if len(parts) == 3 && parts[0] == "jobs" && parts[2] == "check.txt" {
		if fi, err := os.Stat(checkPath(v.a.Config().StateDir, parts[1])); err == nil {
			return fi.ModTime()
		}
		return time.Time{}
	}
	if len(parts) == 3 && parts[0] == "jobs" {
		r := v.a.runner(parts[1])
		switch {
		case r == nil:
		case parts[2] == "failed.txt" || parts[2] == "skipped.txt":
			if n := r.Progress.ListsChanged.Load(); n != 0 {
				return time.Unix(0, n)
			}
		case parts[2] == "report.txt":
			if run, ok, err := v.a.Store.LastRun(parts[1]); err == nil && ok && !run.Finished.IsZero() {
				return run.Finished
			}
		}
	}
	return time.Time{}
}

// Secrets lists every secret of the config, for the view to scrub.
func (v *View) Secrets() []string {
	var out []string
	for _, a := range v.a.Config().Addresses {
		out = append(out, a.Secrets()...)
	}
	return out
}
