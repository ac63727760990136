package check

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state"
)

// AppendLine appends f as one line of the check's list (the escaping of
// failed.txt): category<TAB>path<TAB>detail.
func AppendLine(b []byte, f Finding) []byte {
	return state.AppendCheckLine(b, f.Category.String(), f.Key, f.Detail)
}

// WriteSummary writes what the check found, every line starting with
// prefix ("# " where the summary heads a list, so grep -v '^#' leaves the
// paths): counts and bytes per category, how the files found the same
// were compared, and what was read.
func (r *Result) WriteSummary(w io.Writer, prefix string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	line := func(k, f string, a ...any) { fmt.Fprintf(tw, "%s%s\t%s\n", prefix, k, fmt.Sprintf(f, a...)) }
	line("job", "%s (checked without the index)", r.Job)
	line("source", "%s", engine.Describe(r.SrcAddr))
	line("destination", "%s", engine.Describe(r.DstAddr))
	line("started", "%s (took %s)", r.Started.UTC().Format(time.RFC3339), r.Ended.Sub(r.Started).Round(time.Millisecond))
	line("listed", "%s at the source", count(r.Source))
	var by []string
	for m, n := range r.By {
		if n > 0 {
			by = append(by, fmt.Sprintf("%d by %s", n, Method(m)))
		}
	}
	line("same", "%s%s", count(r.Same), paren(strings.Join(by, ", ")))
	for _, cat := range Categories() {
		note := ""
		switch {
		case cat == Extra && !r.ExtraCounts:
			note = "not a difference: the job keeps what the source deletes"
		case cat == Skipped:
			note = "not copied by the job: its filters, symlinks, special files"
		}
		line(cat.String(), "%s%s", count(r.Found[cat]), paren(note))
	}
	line("read", "%s from the source, %s from the destination", humanize.IBytes(uint64(r.Read[0])), humanize.IBytes(uint64(r.Read[1])))
	if n := r.Differences(); n > 0 {
		line("result", "%d differences", n)
	} else {
		line("result", "no differences")
	}
	return tw.Flush()
}

func count(c Count) string {
	if c.Files == 1 {
		return fmt.Sprintf("1 file (%s)", humanize.IBytes(uint64(c.Bytes)))
	}
	return fmt.Sprintf("%d files (%s)", c.Files, humanize.IBytes(uint64(c.Bytes)))
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
