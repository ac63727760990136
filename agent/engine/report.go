package engine

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/connectors/all"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// WriteReport prints a run's migration report as aligned text.
func WriteReport(w io.Writer, r *state.Run, src, dst *connectors.Address) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(k, f string, a ...any) { fmt.Fprintf(tw, "%s\t%s\n", k, fmt.Sprintf(f, a...)) }
	fmt.Fprintf(tw, "Migration report\n")
	line("job", "%s", r.Job)
	line("run", "%d", r.Number)
	if r.ShardCount > 0 {
		line("shard", "%d/%d (index/count): files scanned are this shard's, %d more listed are other shards'", r.ShardIndex, r.ShardCount, r.FilesOthers)
	}
	line("state", "%s", r.State)
	if r.Error != "" {
		line("stopped by", "%s", r.Error)
	}
	if src != nil && dst != nil {
		line("source", "%s", Describe(*src))
		line("destination", "%s", Describe(*dst))
	}
	line("started", "%s", r.Started.Format(time.RFC3339))
	if !r.Finished.IsZero() {
		d := r.Finished.Sub(r.Started)
		line("finished", "%s (%s)", r.Finished.Format(time.RFC3339), d.Round(time.Millisecond))
	}
	line("files scanned", "%d (%s)", r.FilesScanned, humanize.IBytes(uint64(r.BytesScanned)))
	rate := ""
	if d := r.Finished.Sub(r.Started).Seconds(); d > 0 && r.BytesCopied > 0 {
		rate = fmt.Sprintf(", %s/s, %.0f files/s", humanize.IBytes(uint64(float64(r.BytesCopied)/d)), float64(r.FilesCopied)/d)
	}
	line("copied and verified", "%d (%s%s)", r.FilesCopied, humanize.IBytes(uint64(r.BytesCopied)), rate)
	if r.FilesServerCopied > 0 {
		line("copied server-side", "%d (%s) of them: the destination copied them from the source, no byte through this host", r.FilesServerCopied, humanize.IBytes(uint64(r.BytesServerCopied)))
	}
	line("unchanged", "%d", r.FilesUnchanged)
	if r.ShardCount > 0 {
		line("adopted", "%d (%s): at the destination already, copied by another shard", r.FilesAdopted, humanize.IBytes(uint64(r.BytesAdopted)))
	}
	line("excluded by filters", "%d", r.FilesFiltered)
	line("skipped", "%d", r.FilesSkipped)
	for _, k := range slices.Sorted(maps.Keys(r.SkippedBy)) {
		line("", "%6d  %s", r.SkippedBy[k], k)
	}
	if r.Throttled > 0 {
		line("throttled", "%d answers; mgw slowed down and retried", r.Throttled)
	}
	if r.MetaChanged > 0 {
		line("metadata changed", "%d files, to fit the destination (%s); each file's index record says how", r.MetaChanged, codes.UserMetaInvalid)
		for _, n := range r.Notes {
			line("", "%s", n)
		}
	}
	line("failed", "%d", r.FilesFailed)
	for _, k := range slices.Sorted(maps.Keys(r.FailedBy)) {
		line("", "%6d  %s", r.FailedBy[k], k)
	}
	return tw.Flush()
}

// Describe says where an address points, without secrets: a folder by
// its path (a share's with its server), a bucket by endpoint and name.
func Describe(a connectors.Address) string {
	b, _ := all.Lookup(a.Type)
	switch {
	case b.Shared:
		return fmt.Sprintf("%s (%s)", a.Name, b.Root(a))
	case b.FileSystem:
		return fmt.Sprintf("%s (%s %s)", a.Name, a.Type, a.Path)
	}
	return fmt.Sprintf("%s (%s %s bucket %s%s)", a.Name, a.Type, a.Endpoint, a.Bucket, strings.TrimSuffix("/"+a.Prefix, "/"))
}

// FailedLine is one line of the failed list (state.FailedLine: the same
// bytes the CLI and the read-only view print).
func FailedLine(path string, f state.Failure) string { return state.FailedLine(path, f) }

// SkippedLine is one line of the skipped list (state.SkippedLine).
func SkippedLine(path string, k state.Skip) string { return state.SkippedLine(path, k) }
