package vfs

import (
	"io"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

// BenchmarkListRead renders failed.txt from a snapshot, without FUSE: the
// view's own cost per byte.
func BenchmarkListRead(b *testing.B) {
	st := openStore(b)
	addFailures(b, st, "job-a", "bulk", 50000, codes.InternalError, codes.NoPermission)
	v := newView(newFakeSource(), st)
	b.ResetTimer()
	var n int64
	for i := 0; i < b.N; i++ {
		r := v.openList(file{path: "jobs/job-a/failed.txt", kind: kindFailed, job: "job-a"})
		m, err := io.CopyBuffer(io.Discard, &seqReader{r: r}, make([]byte, 128<<10))
		r.Close()
		if err != nil {
			b.Fatal(err)
		}
		n = m
	}
	b.SetBytes(n)
}
