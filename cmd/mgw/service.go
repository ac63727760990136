package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/kardianos/service"
	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent"
	"github.com/mgw-dev/mgw/agent/config"
)

func newServiceCmd(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "service",
		Short: "Install, start, stop, show or uninstall the agent as a system service (systemd, Windows SCM)",
		Long: `Service registers "mgw agent --config FILE" with the system's service manager:
a systemd unit (journal logging, restart on failure, hardening that still lets
it run as root and mount the view) on Linux, a Windows service that starts at
boot and logs to the Event Log and to mgw.log in the state dir on Windows.

  mgw service install --config /etc/mgw/mgw.yaml
  mgw service start | stop | status | uninstall

The .deb and .rpm packages install the same unit; use this for a plain binary.`,
	}
	// The subcommands take &name: --name is parsed after they are made.
	cmd.PersistentFlags().StringVar(&name, "name", "mgw", "service name")
	cmd.AddCommand(newServiceInstallCmd(g, &name))
	for _, v := range []struct{ verb, short string }{
		{"uninstall", "Remove the service (stop it first)"},
		{"start", "Start the service"},
		{"stop", "Stop the service: transfers are checkpointed"},
		{"restart", "Restart the service"},
	} {
		cmd.AddCommand(newServiceControlCmd(g, &name, v.verb, v.short))
	}
	cmd.AddCommand(newServiceStatusCmd(g, &name))
	return cmd
}

// newServiceInstallCmd registers the agent, once its config loads.
func newServiceInstallCmd(g *globals, name *string) *cobra.Command {
	var user string
	install := &cobra.Command{
		Use:   "install",
		Short: "Register the agent with the config given by --config (checked first)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := loadConfig(g); err != nil {
				return err
			}
			s, err := newService(g, *name, user)
			if err != nil {
				return err
			}
			if err := s.Install(); err != nil {
				return fmt.Errorf("install %s: %w", *name, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "installed %s (%s): mgw agent --config %s\nstart it with: mgw service start\n", *name, s.Platform(), absConfig(g))
			return nil
		},
	}
	install.Flags().StringVar(&user, "user", "", "run as this user instead of root / LocalSystem (no FUSE view; see docs/service.md)")
	return install
}

// newServiceControlCmd passes verb (start, stop, restart, uninstall) to
// the service manager.
func newServiceControlCmd(g *globals, name *string, verb, short string) *cobra.Command {
	return &cobra.Command{
		Use:   verb,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := newService(g, *name, "")
			if err != nil {
				return err
			}
			if err := service.Control(s, verb); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s done\n", *name, verb)
			return nil
		},
	}
}

// newServiceStatusCmd says how the service is; its exit status says
// whether it runs, for scripts.
func newServiceStatusCmd(g *globals, name *string) *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Say whether the service is installed and running (exit 1 if not running)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, err := newService(g, *name, "")
			if err != nil {
				return err
			}
			st, err := s.Status()
			switch {
			case errors.Is(err, service.ErrNotInstalled):
				fmt.Fprintf(cmd.OutOrStdout(), "%s: not installed\n", *name)
				return withCode(exitError, errors.New(""))
			case err != nil:
				// systemd and SysV answer "not running" with an exit status.
				fmt.Fprintf(cmd.OutOrStdout(), "%s: not running (%s: %v)\n", *name, s.Platform(), err)
				return withCode(exitError, errors.New(""))
			}
			words := map[service.Status]string{service.StatusRunning: "running", service.StatusStopped: "stopped"}
			w, ok := words[st]
			if !ok {
				w = "unknown"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s (%s)\n", *name, w, s.Platform())
			if st != service.StatusRunning {
				return withCode(exitError, errors.New(""))
			}
			return nil
		},
	}
}

func absConfig(g *globals) string {
	if p, err := filepath.Abs(g.config); err == nil {
		return p
	}
	return g.config
}

// serviceConfig is what the service manager is told: the same command
// line and restart policy on every system.
func serviceConfig(g *globals, name, user string) *service.Config {
	return &service.Config{
		Name:        name,
		DisplayName: "mgw data migration agent",
		Description: "mgw data migration agent: copies, verifies and retries (mgw agent)",
		Arguments:   []string{"agent", "--config", absConfig(g)},
		UserName:    user,
		Option: service.KeyValue{
			"SystemdScript": systemdUnitTemplate,
			"Restart":       "on-failure",
			// Windows: start at boot, restart after a crash.
			"StartType":              "automatic",
			"DelayedAutoStart":       true,
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "10s",
			"OnFailureResetPeriod":   600,
		},
	}
}

func newService(g *globals, name, user string) (service.Service, error) {
	return service.New(nil, serviceConfig(g, name, user))
}

// runAgentService runs the agent. Under the Windows service manager it
// answers the SCM's start and stop and logs to the Event Log and a file;
// elsewhere (a terminal, systemd, which signals the process) it is
// runAgent itself.
func runAgentService(g *globals, cfg *config.Config) error {
	if runtime.GOOS != "windows" || service.Interactive() {
		return runAgent(context.Background(), g, cfg)
	}
	p := &program{run: func(ctx context.Context) error { return runAgent(ctx, g, cfg) }}
	s, err := service.New(p, serviceConfig(g, "mgw", ""))
	if err != nil {
		return err
	}
	closeLog, err := serviceLogging(s, filepath.Join(cfg.StateDir, "mgw.log"), g.logLevel)
	if err != nil {
		return err
	}
	defer closeLog()
	if err := s.Run(); err != nil {
		return err
	}
	return p.err
}

// program adapts the agent to the service manager's Start and Stop.
type program struct {
	run    func(context.Context) error
	cancel context.CancelFunc
	done   chan struct{}
	err    error
}

func (p *program) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel, p.done = cancel, make(chan struct{})
	go func() {
		defer close(p.done)
		p.err = p.run(ctx)
		if p.err != nil {
			slog.Error("agent stopped", "err", p.err)
			os.Exit(exitError) // the service manager restarts it
		}
	}()
	return nil
}

// Stop checkpoints and stops, within the time a service manager waits.
func (p *program) Stop(service.Service) error {
	p.cancel()
	select {
	case <-p.done:
	case <-time.After(50 * time.Second):
		slog.Warn("agent did not stop in time")
	}
	return nil
}

func newReloadCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "reload",
		Short: "Make the running agent read its config again (as SIGHUP): limits change in place, changed jobs restart",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := loadConfig(g); err != nil {
				return err // the agent would refuse it too: say why here
			}
			c, err := needAgent(g)
			if err != nil {
				return err
			}
			var s agent.AgentStatus
			if err := c.Call("POST", "/v1/reload", &s); err != nil {
				return apiErr(err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "reloaded: %d jobs\n", len(s.Jobs))
			return nil
		},
	}
}
