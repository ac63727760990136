package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/continuous"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
)

// bench is one running job and what the phases need of it.
type bench struct {
	j    *continuous.Job
	dst  *ackBucket
	root string // the local source folder
	logs *counter
	done chan error // Sync's result
	wait time.Duration
}

func jobCmd(args []string) error {
	fs := flag.NewFlagSet("job", flag.ExitOnError)
	cfgPath := fs.String("config", "", "mgw config file")
	name := fs.String("job", "", "job (mode: continuous, local source)")
	wait := fs.Duration("wait", time.Hour, "longest wait for the job to be synced, or for a change to arrive")
	latency := fs.Duration("latency", 0, "change-latency phase: how long to change files")
	every := fs.Duration("every", 100*time.Millisecond, "change-latency phase: one file changed this often")
	latFiles := fs.Int("lat-files", 100, "change-latency phase: the files changed in turn, under lat/")
	storm := fs.Int("storm", 0, "storm phase: new files written at once")
	dirs := fs.Int("dirs", 0, "storm phase: the folders gen made, one new file in each in turn")
	idle := fs.Duration("idle", 0, "idle phase (first): how long to sit synced with nothing changing")
	idleProfile := fs.String("idle-profile", "", "idle phase: write a CPU profile of its window to this file")
	stormName := fs.String("storm-name", "storm", "storm phase: the new files are NAME-00000...; a new name each run keeps them new to the job")
	stormProfile := fs.String("storm-profile", "", "storm phase: write a CPU profile of it, from the first write to the last answer, to this file")
	parse(fs, args)
	if *cfgPath == "" || *name == "" || (*storm > 0 && *dirs <= 0) {
		return errors.New("job: -config and -job are needed, and -dirs with -storm")
	}
	cfg, err := config.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	job := cfg.Job(*name)
	if job == nil || job.Mode != config.ModeContinuous {
		return fmt.Errorf("job: no continuous job %q in %s", *name, *cfgPath)
	}
	srcAddr, dstAddr := *cfg.Resolved(job.Source), *cfg.Resolved(job.Destination)
	if srcAddr.Type != "local" {
		return errors.New("job: the source must be a local folder (it is written to)")
	}
	b := &bench{root: srcAddr.Path, logs: &counter{}, done: make(chan error, 1), wait: *wait}
	if *latency > 0 {
		// Present before the job starts, so that the phase changes files
		// the index already holds.
		if err := makeLatFiles(b.root, *latFiles); err != nil {
			return err
		}
	}

	ctx := context.Background()
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return err
	}
	st, err := state.Open(cfg.StateDir)
	if err != nil {
		return err
	}
	defer st.Close()
	src, err := all.Open(ctx, srcAddr)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := all.Open(ctx, dstAddr)
	if err != nil {
		return err
	}
	defer dst.Close()
	b.dst = &ackBucket{Bucket: dst}
	log := slog.New(&countingHandler{Handler: slog.NewTextHandler(os.Stderr, nil), c: b.logs})
	b.j = continuous.New(engine.NewRunner(job.Settings(), srcAddr, dstAddr, src, b.dst, st, log))

	ph := phases{idle: *idle, idleProfile: *idleProfile, latency: *latency, every: *every, latFiles: *latFiles, storm: *storm, dirs: *dirs, stormName: *stormName, stormProfile: *stormProfile}
	return b.measure(ctx, ph, time.Duration(job.Settle))
}

// phases are the measurements asked for after the first pass; a zero
// latency or storm skips its phase.
type phases struct {
	idle           time.Duration
	idleProfile    string
	latency, every time.Duration
	latFiles       int
	storm, dirs    int
	stormName      string
	stormProfile   string
}

// measure runs the job: it times the first pass, runs the phases, prints
// the totals, then stops the job and waits for it.
func (b *bench) measure(ctx context.Context, ph phases, settle time.Duration) error {
	jctx, stop := context.WithCancel(ctx)
	defer stop()
	start := time.Now()
	go func() { b.done <- b.j.Run(jctx) }()
	if err := b.synced(start); err != nil {
		return err
	}
	s := b.j.Status()
	out("first_pass_s", secs(time.Since(start)))
	out("first_pass_copied", s.Progress.FilesCopied)
	out("first_pass_unchanged", s.Progress.FilesUnchanged)
	out("watch", fmt.Sprintf("%q", s.Watch))
	out("unwatched_folders", len(s.Unwatched))

	if ph.idle > 0 {
		if err := b.idlePhase(ph.idle, ph.idleProfile); err != nil {
			return err
		}
	}
	if ph.latency > 0 {
		if err := b.latencyPhase(ph.latency, ph.every, ph.latFiles, settle); err != nil {
			return err
		}
	}
	if ph.storm > 0 {
		if err := b.stormPhase(ph.storm, ph.dirs, ph.stormName, ph.stormProfile); err != nil {
			return err
		}
	}
	out("warnings", b.logs.warns.Load())
	out("overflows", b.logs.overflows.Load())
	out("full_passes", b.j.Status().Progress.Scans)
	stop()
	select {
	case err := <-b.done:
		return err
	case <-time.After(b.wait):
		return errors.New("the job did not stop")
	}
}

// synced waits until the job is synced after a full pass that ended
// after since.
func (b *bench) synced(since time.Time) error {
	deadline := time.Now().Add(b.wait)
	for time.Now().Before(deadline) {
		s := b.j.Status()
		switch {
		case s.State == "paused":
			return fmt.Errorf("the job paused: %s %s", s.Code, s.Reason)
		case s.State == "synced" && s.LastScan.After(since):
			return nil
		}
		select {
		case err := <-b.done:
			return fmt.Errorf("the job ended: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	return fmt.Errorf("the job is not synced after %s: %+v", b.wait, b.j.Status())
}

// idle waits until the job has nothing queued or in flight.
func (b *bench) idle() error {
	return b.until(func() bool { return b.j.Status().State == "synced" }, "the job did not settle")
}

// until polls cond until it holds, or fails with why after b.wait.
func (b *bench) until(cond func() bool, why string) error {
	deadline := time.Now().Add(b.wait)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("%s in %s: %+v", why, b.wait, b.j.Status())
		}
		select {
		case err := <-b.done:
			return fmt.Errorf("the job ended: %v", err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	return nil
}

func out(k string, v any) { fmt.Printf("%s=%v\n", k, v) }

func secs(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
