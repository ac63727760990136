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
	var last time.Time // when the last check ended
	if fi, err := os.Stat(path); err == nil {
		last = fi.ModTime()
	}
	for {
		t := time.NewTimer(0)
		if !last.IsZero() {
			t.Reset(time.Until(last.Add(every)))
		}
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
			a.Log.Error("cannot write the result of a check", "job", jc.Name, "path", path, "err", err)
		}
		last = time.Now()
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
// could not finish says why on its first line.
func (a *Agent) checkJob(ctx context.Context, cfg *config.Config, jc *config.JobConfig, path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	// The findings go to a file of their own until the summary, which
	// heads them, is known.
	lines, err := os.CreateTemp(dir, "."+jc.Name+".lines-*")
	if err != nil {
		return err
	}
	defer func() { lines.Close(); os.Remove(lines.Name()) }()
	secrets := secretsOf(cfg)
	w := bufio.NewWriter(lines)
	res, err := runCheck(ctx, cfg, jc, func(line []byte) { w.Write(scrub(line, secrets)) })
	if ctx.Err() != nil {
		return nil // stopped: the last complete check stays
	}
	a.Log.Info("check done", "job", jc.Name, "differences", differences(res), "err", err)
	var head bytes.Buffer
	if err != nil {
		text := codes.Text(codes.InternalError, err.Error())
		if je := (*engine.JobError)(nil); errors.As(err, &je) {
			text = je.Error()
		}
		fmt.Fprintf(&head, "# check of job %s at %s could not finish: %s\n", jc.Name, time.Now().UTC().Format(time.RFC3339), text)
	}
	if res != nil {
		if err := res.WriteSummary(&head, "# "); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if _, err := lines.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return replaceFile(path, io.MultiReader(bytes.NewReader(scrub(head.Bytes(), secrets)), lines))
}

// runCheck opens the job's addresses and checks it, passing each
// finding's line to add.
func runCheck(ctx context.Context, cfg *config.Config, jc *config.JobConfig, add func(line []byte)) (*check.Result, error) {
	addrs, err := engine.OpenAddresses(ctx, cfg, jc)
	if err != nil {
		return nil, err
	}
	defer addrs.Close()
	var line []byte
	return check.Run(ctx, jc.Settings(), addrs, check.Options{}, func(f check.Finding) {
		line = check.AppendLine(line[:0], f)
		add(line)
	})
}

// replaceFile writes r to a new file beside path and renames it over
// path, so a reader sees the old content or the new, whole.
func replaceFile(path string, r io.Reader) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
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
