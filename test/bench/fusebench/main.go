//go:build linux

// Command fusebench measures the read-only view serving a large failed.txt:
// it records N failures in a real state store, mounts the view, and times
// `cat failed.txt > /dev/null` next to `cat` of a plain file on local disk
// with the same bytes (the ceiling). It prints one key=value line per
// figure; test/bench/fuse.sh turns them into a table.
//
//	fusebench -failures 1000000 -runs 3 -dir /tmp/mgw-fusebench [-render-workers N]
//
// Time to first byte is measured through a pipe (cat's output read by this
// program); total time and throughput with cat writing to /dev/null, as a
// user would. RSS growth is this process's (the one serving the mount):
// peak VmRSS while cat runs, minus VmRSS before.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/vfs"
)

const job = "bench"

// recordRate is how fast the job records new failures while the
// "recording" case reads failed.txt.
var recordRate = 1000

var profile string // -cpuprofile

func main() {
	n := flag.Int("failures", 1_000_000, "failures to record")
	runs := flag.Int("runs", 3, "runs of each measurement; the best counts")
	dir := flag.String("dir", filepath.Join(os.TempDir(), "mgw-fusebench"), "work directory (emptied first)")
	flag.IntVar(&recordRate, "record-rate", recordRate, "failures a second the job records during the recording case")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the reads (not of recording the failures) to this file")
	flag.IntVar(&state.LineWorkers, "render-workers", 0, "goroutines rendering one list at once (0: mgw's default, one per core but one)")
	flag.Parse()
	profile = *cpuprofile
	if err := run(*n, *runs, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "fusebench:", err)
		os.Exit(1)
	}
}

func run(n, runs int, dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	st, err := state.Open(filepath.Join(dir, "state"))
	if err != nil {
		return err
	}
	defer st.Close()
	t0 := time.Now()
	if err := fill(st, n); err != nil {
		return err
	}
	fmt.Printf("fill_seconds=%.1f\n", time.Since(t0).Seconds())

	// The ceiling: the same bytes in a plain file on local disk.
	plain := filepath.Join(dir, "failed.txt")
	size, err := writePlain(st, plain)
	if err != nil {
		return err
	}
	fmt.Printf("failures=%d bytes=%d\n", n, size)

	mnt := filepath.Join(dir, "mnt")
	unmount, err := vfs.Mount(mnt, benchSource{}, st)
	if err != nil {
		return err
	}
	defer unmount()
	viewFile := filepath.Join(mnt, "jobs", job, "failed.txt")

	// touch commits to another job: the state version changes, so the
	// view renders the list again instead of serving its spool.
	touch := func() error {
		return st.Fail("other", "touch", state.Failure{Code: "InternalError", Message: "touch", Attempts: 1, Last: time.Now()})
	}
	runtime.GC()
	debug.FreeOSMemory()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	for _, c := range []readCase{
		{"plain", plain, nil},
		{"view", viewFile, touch}, // rendered from the state
		{"spool", viewFile, nil},  // again, state unchanged: from the spool
	} {
		if c.name == "spool" { // the read that spools it
			if _, _, err := firstByte(c.path); err != nil {
				return err
			}
		}
		if err := measure(c, runs, size); err != nil {
			return err
		}
	}
	return measureRecording(st, viewFile, runs)
}

// measureRecording reads failed.txt while the job records recordRate new
// failures a second into it: each open renders a new snapshot, which dd
// reads to /dev/null as cat would (128 KiB reads), saying how many bytes
// it read (a pipe read by this process would take CPU from the serving).
// It prints the best throughput, and the failures recorded meanwhile.
func measureRecording(st *state.Store, p string, runs int) error {
	stop := make(chan struct{})
	errc := make(chan error, 1)
	var recorded atomic.Int64
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		per := max(recordRate/1000, 1)
		now := time.Now().UTC().Truncate(time.Second)
		for i := 0; ; {
			select {
			case <-stop:
				errc <- nil
				return
			case <-t.C:
			}
			for k := 0; k < per; k++ {
				f := state.Failure{Code: "NoPermission", Message: "source read refused: access denied", Attempts: 5, First: now, Last: now}
				if err := st.Fail(job, fmt.Sprintf("data/dir%04d/new-%08d.bin", i%1000, i), f); err != nil {
					errc <- err
					return
				}
				i++
				recorded.Add(1)
			}
		}
	}()
	best, bytes := time.Hour, int64(0)
	for i := 0; i < runs; i++ {
		// One failure recorded now, so this read renders a new snapshot
		// however slow the ticker: never the spool of the last one.
		f := state.Failure{Code: "NoPermission", Message: "source read refused: access denied", Attempts: 5, Last: time.Now()}
		if err := st.Fail(job, fmt.Sprintf("data/read-%03d.bin", i), f); err != nil {
			close(stop)
			<-errc
			return err
		}
		total, n, err := ddToNull(p)
		if err != nil {
			close(stop)
			<-errc
			return err
		}
		if total < best {
			best, bytes = total, n
		}
	}
	close(stop)
	if err := <-errc; err != nil {
		return err
	}
	fmt.Printf("recording_seconds=%.3f recording_mb_s=%.1f recording_bytes=%d recorded=%d\n",
		best.Seconds(), float64(bytes)/1e6/best.Seconds(), bytes, recorded.Load())
	return nil
}

// readCase is one file to time reads of; before, when set, runs before
// each read.
type readCase struct {
	name, path string
	before     func() error
}

// measure reads c's file runs times (to the first byte through a pipe,
// then whole to /dev/null), checks it gives size bytes, and prints the best
// times, the throughput and the largest RSS growth.
func measure(c readCase, runs int, size int64) error {
	best := struct {
		ttfb, total time.Duration
		rss         int64
	}{ttfb: time.Hour, total: time.Hour}
	for i := 0; i < runs; i++ {
		if c.before != nil {
			if err := c.before(); err != nil {
				return err
			}
		}
		ttfb, got, err := firstByte(c.path)
		if err != nil {
			return err
		}
		if got != size {
			return fmt.Errorf("%s: cat gave %d bytes, want %d", c.name, got, size)
		}
		if c.before != nil {
			if err := c.before(); err != nil {
				return err
			}
		}
		base := rss()
		peak := watchRSS()
		total, err := catToNull(c.path)
		growth := peak() - base
		if err != nil {
			return err
		}
		best.ttfb = min(best.ttfb, ttfb)
		best.total = min(best.total, total)
		best.rss = max(best.rss, growth)
	}
	mbs := float64(size) / 1e6 / best.total.Seconds()
	fmt.Printf("%s_ttfb_ms=%.1f %s_seconds=%.3f %s_mb_s=%.1f %s_rss_growth_mib=%.1f\n",
		c.name, ms(best.ttfb), c.name, best.total.Seconds(), c.name, mbs, c.name, float64(best.rss)/(1<<20))
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fill records n failures, from several goroutines so Badger batches the
// commits.
func fill(st *state.Store, n int) error {
	// Many committers at once: Badger writes their commits together.
	const workers = 64
	now := time.Now().UTC().Truncate(time.Second)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				p := fmt.Sprintf("data/dir%04d/file-%08d.bin", i%1000, i)
				f := state.Failure{Code: "NoPermission", Message: "source read refused: access denied", Attempts: 5, First: now, Last: now}
				if err := st.Fail(job, p, f); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func writePlain(st *state.Store, p string) (int64, error) {
	f, err := os.Create(p)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var size int64
	var line []byte
	err = st.Failures(job, func(path string, fl state.Failure) error {
		line = state.AppendFailedLine(line[:0], path, fl)
		size += int64(len(line))
		_, err := w.Write(line)
		return err
	})
	if err == nil {
		err = w.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return size, err
}

// firstByte runs cat with its output on a pipe: the time to its first
// byte, and how many bytes it gave.
func firstByte(p string) (time.Duration, int64, error) {
	ttfb, _, n, err := readAll(p)
	return ttfb, n, err
}

// readAll runs cat with its output on a pipe: the time to its first byte,
// to its last, and how many bytes it gave.
func readAll(p string) (time.Duration, time.Duration, int64, error) {
	cmd := exec.Command("cat", p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, 0, 0, err
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, 0, err
	}
	one := make([]byte, 1)
	if _, err := io.ReadFull(out, one); err != nil {
		return 0, 0, 0, err
	}
	ttfb := time.Since(start)
	rest, err := io.CopyBuffer(io.Discard, out, make([]byte, 1<<20))
	if err != nil {
		return 0, 0, 0, err
	}
	err = cmd.Wait()
	return ttfb, time.Since(start), 1 + rest, err
}

// ddToNull reads p with dd in 128 KiB reads to /dev/null: its time and
// the bytes dd says it copied.
func ddToNull(p string) (time.Duration, int64, error) {
	cmd := exec.Command("dd", "if="+p, "of=/dev/null", "bs=128k")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("dd %s: %v: %s", p, err, stderr.String())
	}
	took := time.Since(start)
	for _, l := range strings.Split(stderr.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[1] == "bytes" {
			n, err := strconv.ParseInt(f[0], 10, 64)
			return took, n, err
		}
	}
	return 0, 0, fmt.Errorf("dd %s: no byte count in %q", p, stderr.String())
}

func catToNull(p string) (time.Duration, error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	cmd := exec.Command("cat", p)
	cmd.Stdout = null
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("cat %s: %v: %s", p, err, stderr.String())
	}
	return time.Since(start), nil
}

// rss is this process's resident set, in bytes.
func rss() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// watchRSS samples rss every 5 ms until the returned func is called, which
// returns the peak.
func watchRSS() func() int64 {
	var peak atomic.Int64
	peak.Store(rss())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if r := rss(); r > peak.Load() {
					peak.Store(r)
				}
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		if r := rss(); r > peak.Load() {
			peak.Store(r)
		}
		return peak.Load()
	}
}

// benchSource is an agent with one job and nothing else to say.
type benchSource struct{}

func (benchSource) Jobs() []string      { return []string{job} }
func (benchSource) Addresses() []string { return nil }
func (benchSource) Text(p string) ([]byte, error) {
	return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
}
func (benchSource) WritePending(string, io.Writer) error { return nil }
func (benchSource) OpenCheck(string) (*os.File, error)   { return nil, fs.ErrNotExist }
func (benchSource) ModTime(string) time.Time             { return time.Time{} }
func (benchSource) Secrets() []string                    { return nil }
