// Command mgw is the on-premises data migration agent: one binary for the
// service and for the commands that drive and inspect it.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent/config"
)

// Exit codes, documented in `mgw help` and docs/codes.md.
const (
	exitOK       = 0
	exitError    = 1 // anything else: state locked, I/O error, a failed `mgw address verify`
	exitConfig   = 2 // a config problem, or an address stopped `mgw run` (check failed, access lost): printed with its code
	exitFailures = 3 // the run finished, but some files failed (listed, with codes); mgw check found differences
	exitStopped  = 130
)

// exitError carries an exit code through cobra.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }

func withCode(code int, err error) error { return &exitCodeError{code, err} }

func main() {
	root := newRoot()
	err := root.Execute()
	if err == nil {
		return
	}
	code := exitError
	var ec *exitCodeError
	if errors.As(err, &ec) {
		code = ec.code
	}
	var ce config.ConfigErrors
	if errors.As(err, &ce) {
		code = exitConfig
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(os.Stderr, strings.TrimRight(msg, "\n"))
	}
	os.Exit(code)
}

type globals struct {
	config     string
	shard      string // --shard I/N
	logLevel   string
	cpuProfile string
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := &cobra.Command{
		Use:   "mgw",
		Short: "mgw copies data to object storage, verifies every copy and retries what fails",
		Long: `mgw is an on-premises data migration agent. It copies the files of a data
address to another, verifies every copy (size, then CRC64 or MD5) and keeps
a durable index, so a second run copies only what changed and a killed run
resumes where it stopped.

It reads local folders, SMB/NFS shares, S3 and S3-compatible stores, OSS,
COS, Azure Blob, GCS and HTTP URL lists.

Exit codes: 0 all files copied and verified; 1 error; 2 configuration or
address error (printed with its catalogue code; a config problem with its
file and line); 3 the run finished but some files failed (see mgw failed),
or mgw check found files missing or different; 130 interrupted.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(*cobra.Command, []string) error {
			setupLogging(g.logLevel)
			if g.cpuProfile == "" {
				return nil
			}
			f, err := os.Create(g.cpuProfile)
			if err != nil {
				return err
			}
			return pprof.StartCPUProfile(f)
		},
		PersistentPostRun: func(*cobra.Command, []string) { pprof.StopCPUProfile() },
	}
	defCfg := os.Getenv("MGW_CONFIG")
	if defCfg == "" {
		defCfg = "/etc/mgw/mgw.yaml"
	}
	root.PersistentFlags().StringVarP(&g.config, "config", "c", defCfg, "config file (env MGW_CONFIG)")
	root.PersistentFlags().StringVar(&g.shard, "shard", "", "this agent's shard of the config's jobs, INDEX/COUNT (else MGW_SHARD_INDEX or JOB_COMPLETION_INDEX, and MGW_SHARDS)")
	root.PersistentFlags().StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile to this file (for benchmarks)")
	_ = root.PersistentFlags().MarkHidden("cpuprofile")
	// On a terminal the status line and the report say what info lines
	// would; logs (a service, a pipe) get info.
	defLevel := "info"
	if isTerminal(os.Stderr) {
		defLevel = "warn"
	}
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", envOr("MGW_LOG_LEVEL", defLevel), "debug, info, warn or error (env MGW_LOG_LEVEL; default warn on a terminal, else info)")
	root.AddCommand(newRunCmd(g), newCheckCmd(g), newFailedCmd(g), newSkippedCmd(g), newReportCmd(g), newExplainCmd(), newAddressCmd(g), newVersionCmd(),
		newAgentCmd(g), newJobCmd(g), newStatusCmd(g), newServiceCmd(g), newReloadCmd(g), newStateCmd(g))
	return root
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func setupLogging(level string) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})))
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date (commit date for a go build)",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), stamp())
		},
	}
}
