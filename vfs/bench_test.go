package vfs

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// BenchmarkListRead renders failed.txt from a snapshot, without FUSE: the
// view's own cost per byte.
func BenchmarkListRead(b *testing.B) {
	st := openStore(b)
	addFailures(b, st, "job-a", "bulk", 50000, codes.InternalError, codes.NoPermission)
	v := newView(newFakeSource(), st)
	b.ResetTimer()
	benchRender(b, v)
}

// BenchmarkListReadLarge renders failed.txt of VFS_BENCH_FAILURES failures
// (default 200,000; the figure is 1,000,000) from a real store
// whose records are on disk, while another goroutine keeps recording
// failures of the same job, as a running job does. Profile it with
//
//	VFS_BENCH_FAILURES=1000000 go test -run X -bench ListReadLarge -cpuprofile cpu.prof ./vfs/
func BenchmarkListReadLarge(b *testing.B) {
	n := 200_000
	if s := os.Getenv("VFS_BENCH_FAILURES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	dir := os.Getenv("VFS_BENCH_STORE") // kept between runs when set
	if dir == "" {
		dir = b.TempDir()
	}
	st, err := state.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(dir + "/filled"); err != nil {
		fillFailures(b, st, n)
		if err := os.WriteFile(dir+"/filled", nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	// Reopened, the records are in the LSM tree's tables, not the memtable.
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	if st, err = state.Open(dir); err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	v := newView(newFakeSource(), st)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the job, still recording failures, a thousand a second
		defer wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			f := state.Failure{Code: codes.NoPermission, Message: "source read refused: access denied", Attempts: 5, First: when, Last: when}
			if err := st.Fail("job-a", fmt.Sprintf("data/dir%04d/new-%08d.bin", i%1000, i), f); err != nil {
				b.Error(err)
				return
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()
	b.ResetTimer()
	benchRender(b, v)
}

func benchRender(b *testing.B, v *view) {
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

// fillFailures records n failures of job-a from many goroutines, so Badger
// batches their commits.
func fillFailures(b *testing.B, st *state.Store, n int) {
	const workers = 64
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				f := state.Failure{Code: codes.NoPermission, Message: "source read refused: access denied", Attempts: 5, First: when, Last: when}
				if err := st.Fail("job-a", fmt.Sprintf("data/dir%04d/file-%08d.bin", i%1000, i), f); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}
