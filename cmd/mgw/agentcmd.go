package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/state/codes"
)

func newAgentCmd(g *globals) *cobra.Command {
	var checkConfig bool
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run every job of the config in the background, serve the control API and the read-only view",
		Long: `Agent runs every job in the config: one-shot jobs once, continuous jobs until
stopped. It serves the control API on a unix socket in the state dir (mode
0600) for mgw status, mgw job, mgw failed and the other commands, and shows
its state as files under the mount point (mount:, default /mnt/mgw) or, where
FUSE is not available, under status_dir.

SIGTERM or SIGINT stops it cleanly: transfers are checkpointed, the view
unmounted, the state closed. SIGHUP reloads the config: new jobs start,
removed jobs stop, changed jobs restart; the others run on undisturbed.

--check-config only reads and checks the config, and exits 0 or 2.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := loadConfig(g)
			if err != nil {
				return err
			}
			if checkConfig {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: OK (%d addresses, %d jobs)\n", g.config, len(cfg.Addresses), len(cfg.Jobs))
				return nil
			}
			return runAgentService(g, cfg)
		},
	}
	cmd.Flags().BoolVar(&checkConfig, "check-config", false, "check the config and exit")
	return cmd
}

// runAgent runs the agent until ctx ends or a signal stops it.
func runAgent(parent context.Context, g *globals, cfg *config.Config) error {
	st, err := openState(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := agent.NewAgent(cfg, st, slog.Default(), stamp().Version)

	reload := func() error {
		ncfg, err := loadConfig(g)
		if err != nil {
			slog.Error("config not reloaded: the agent keeps the one it runs", "err", err)
			return &client.APIError{Code: codes.ConfigFileInvalid, Detail: err.Error()}
		}
		a.Reload(ncfg)
		return nil
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				_ = reload()
			case <-ctx.Done():
				return
			}
		}
	}()

	served := make(chan error, 1)
	go func() { served <- a.Serve(ctx, client.SocketPath(cfg.StateDir), reload) }()

	if cfg.Metrics != "" {
		go serveMetrics(ctx, cfg.Metrics, a)
	}

	closeView, err := startView(ctx, a, cfg)
	if err != nil {
		stop()
		<-served
		return err
	}
	defer closeView()

	slog.Info("agent started", "config", g.config, "jobs", len(cfg.Jobs), "socket", client.SocketPath(cfg.StateDir))
	a.Run(ctx) // returns once ctx ends and every job has stopped
	if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("control API: %w", err)
	}
	slog.Info("agent stopped")
	return nil
}

// serveMetrics serves /metrics on a TCP address for Prometheus.
func serveMetrics(ctx context.Context, addr string, a *agent.Agent) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.MetricsHandler())
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	slog.Info("serving metrics", "addr", addr)
	if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		slog.Error("metrics endpoint failed", "addr", addr, "err", err)
	}
}
