package agent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mgw-dev/mgw/agent/check"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state/codes"
)

// checkPath is where the agent keeps a job's last check, the view's
// jobs/<job>/check.txt: <state dir>/checks/<job>.txt. Its mtime is when
// the check ended.
func checkPath(stateDir, job string) string {
	return filepath.Join(stateDir, "checks", job+".txt")
}

// scheduleChecks checks a continuous job as its check: setting says,
// until ctx ends: the first time once the job is synced, unless the last
// check (kept across restarts) is more recent than the interval; then
// every interval after the last one ended.
func (a *Agent) scheduleChecks(ctx context.Context, cfg *config.Config, jc *config.JobConfig, job running) {
	every := jc.Settings().Check
	path := checkPath(cfg.StateDir, jc.Name)
	for {
		due := time.Now()
		if fi, err := os.Stat(path); err == nil {
			due = fi.ModTime().Add(every)
		}
		t := time.NewTimer(time.Until(due))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !waitSynced(ctx, job) {
			return
		}
		if err := a.checkJob(ctx, cfg, jc, path); err != nil && ctx.Err() == nil {
			a.Log.Error("cannot write the check's result", "job", jc.Name, "err", err)
			return
		}
	}
}

// waitSynced waits until the job has nothing left to copy, looking once a
// second: a check in the middle of a pass would find the files not copied
// yet. It returns false when ctx ends first.
func waitSynced(ctx context.Context, job running) bool {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for job.Status().State != "synced" {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}

// checkJob checks the job and replaces its check.txt with the result:
// the summary in lines starting with "# ", then the findings, scrubbed of
// the config's secrets (the view serves the file as it is). A check that
// cannot list a side is a check.txt saying why.
func (a *Agent) checkJob(ctx context.Context, cfg *config.Config, jc *config.JobConfig, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	lines, err := os.CreateTemp(filepath.Dir(path), "."+jc.Name+".lines-*")
	if err != nil {
		return err
	}
	defer func() { lines.Close(); os.Remove(lines.Name()) }()
	secrets := secretsOf(cfg)
	w := bufio.NewWriter(lines)
	var res *check.Result
	addrs, err := engine.OpenAddresses(ctx, cfg, jc)
	if err == nil {
		var line []byte
		res, err = check.Run(ctx, jc.Settings(), addrs, check.Options{}, func(f check.Finding) {
			line = scrub(check.AppendLine(line[:0], f), secrets)
			w.Write(line)
		})
		addrs.Close()
	}
	if ctx.Err() != nil {
		return nil // stopped: the last complete check stays
	}
	if ferr := w.Flush(); ferr != nil {
		return ferr
	}
	a.Log.Info("check done", "job", jc.Name, "differences", differences(res), "err", err)

	out, oerr := os.CreateTemp(filepath.Dir(path), "."+jc.Name+".txt-*")
	if oerr != nil {
		return oerr
	}
	defer os.Remove(out.Name()) // after the rename, a no-op
	bw := bufio.NewWriter(out)
	var je *engine.JobError
	switch {
	case errors.As(err, &je):
		fmt.Fprintf(bw, "# check of job %s at %s could not finish: %s\n", jc.Name, time.Now().UTC().Format(time.RFC3339), scrub([]byte(je.Error()), secrets))
	case err != nil:
		fmt.Fprintf(bw, "# check of job %s at %s could not finish: %s\n", jc.Name, time.Now().UTC().Format(time.RFC3339), scrub([]byte(codes.Text(codes.InternalError, err.Error())), secrets))
	}
	if res != nil {
		var sum bytes.Buffer
		if err := res.WriteSummary(&sum, "# "); err != nil {
			return err
		}
		bw.Write(scrub(sum.Bytes(), secrets))
	}
	if _, err := lines.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = io.Copy(bw, lines)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(out.Name(), path)
}

func differences(res *check.Result) int64 {
	if res == nil {
		return -1
	}
	return res.Differences()
}

// secretsOf lists the config's secrets long enough to search for.
func secretsOf(cfg *config.Config) [][]byte {
	var out [][]byte
	for _, ad := range cfg.Addresses {
		for _, s := range ad.Secrets() {
			if len(s) >= minSecretLen {
				out = append(out, []byte(s))
			}
		}
	}
	return out
}

// minSecretLen is the view's vfs.MinSecretLen: shorter values would mangle
// ordinary text.
const minSecretLen = 4

// scrub replaces every secret in b by ****, as the view does with what it
// renders itself.
func scrub(b []byte, secrets [][]byte) []byte {
	for _, s := range secrets {
		if bytes.Contains(b, s) {
			b = bytes.ReplaceAll(b, s, []byte("****"))
		}
	}
	return b
}
