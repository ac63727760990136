package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/vfs"
)

// startView shows the agent's state as files: a read-only FUSE mount at
// the mount point, and/or plain files under status_dir (always written
// when set; the fallback where FUSE is not available). The returned func
// unmounts; it must run before the state closes.
func startView(ctx context.Context, a *agent.Agent, cfg *config.Config) (func(), error) {
	src := agent.NewView(a)
	unmount := func() error { return nil }
	if mp := cfg.MountPoint(); mp != "" {
		u, err := vfs.Mount(mp, src, a.Store)
		switch {
		case err == nil:
			unmount = u
			slog.Info("view mounted", "at", mp)
		case errors.Is(err, vfs.ErrNoFUSE):
			slog.Warn("the read-only view cannot be mounted here; set status_dir for a plain-file copy", "mount", mp, "err", err)
		default:
			return nil, err
		}
	}
	stop := func() {}
	if cfg.StatusDir != "" {
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		t := time.NewTicker(time.Second)
		go func() {
			defer close(done)
			if err := vfs.NewStatusDir(cfg.StatusDir, src, a.Store).Run(sctx, t.C); err != nil && sctx.Err() == nil {
				slog.Error("status dir stopped", "dir", cfg.StatusDir, "err", err)
			}
		}()
		stop = func() { cancel(); <-done; t.Stop() }
	}
	return func() {
		stop()
		if err := unmount(); err != nil {
			slog.Error("cannot unmount the view", "err", err)
		}
	}, nil
}
