package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/mgw-dev/mgw/agent/check"
	"github.com/mgw-dev/mgw/agent/engine"
)

func newCheckCmd(g *globals) *cobra.Command {
	var download bool
	var outDir string
	cmd := &cobra.Command{
		Use:   "check JOB",
		Short: "Compare the job's source and destination afresh, without the index",
		Long: `Check lists the job's source and destination again and compares every file
the job copies (its filters applied) with what the destination holds, trusting
none of mgw's own records. It prints one tab-separated line per finding on
stdout, the path escaped as in mgw failed:

  category  path  detail

where category is missing (not at the destination), size, content (same
size, different bytes), extra (at the destination only), skipped (never
copied: filters, symlinks, special files) or error (could not be compared).
The summary (counts and bytes per category, how files were compared, what
was read) goes to stderr.

Content is compared by the strongest checksum the destination tells without
reading it: an MD5 ETag, a multipart ETag recomputed from the source in the
parts mgw cuts, OSS's CRC64. Each source file that needs it is read once; a
disk or share destination is compared by size and mtime, and read only where
the mtime differs. --download reads both sides of every file.

Exit codes: 0 nothing missing or different; 3 something is (extra files count
only for a continuous job with deletes: mirror or archive); 2 a config or
address error; 1 another error; 130 interrupted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, job, err := loadJob(g, args[0])
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			a, err := engine.OpenAddresses(ctx, cfg, job)
			if err != nil {
				return withCode(exitConfig, err)
			}
			defer a.Close()
			var lists *check.Lists
			if outDir != "" {
				if lists, err = check.CreateLists(outDir); err != nil {
					return err
				}
			}
			out := bufio.NewWriter(cmd.OutOrStdout())
			var line []byte
			res, err := check.Run(ctx, job.Settings(), a, check.Options{Download: download}, func(f check.Finding) {
				line = check.AppendLine(line[:0], f)
				out.Write(line)
				if lists != nil {
					lists.Add(f, line)
				}
			})
			werr := out.Flush()
			if lists != nil {
				werr = errors.Join(werr, lists.Close(res))
			}
			if res != nil {
				werr = errors.Join(werr, res.WriteSummary(cmd.ErrOrStderr(), ""))
			}
			var je *engine.JobError
			switch {
			case errors.As(err, &je):
				return withCode(exitConfig, je)
			case ctx.Err() != nil:
				return withCode(exitStopped, errors.New("interrupted"))
			case err != nil:
				return err
			case werr != nil:
				return werr
			case res.Differences() > 0:
				return withCode(exitFailures, fmt.Errorf("check found %d differences", res.Differences()))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&download, "download", false, "read both sides of every file and compare the bytes")
	cmd.Flags().StringVar(&outDir, "output", "", "also write each category's list (missing.txt, ...) and summary.txt into this folder")
	return cmd
}
