package e2e

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/test/testenv"
)

// runLimit bounds one mgw run of the network tests: past it the run is
// taken as hung.
const runLimit = 5 * time.Minute

// netCase is one job of a network test: files from a local folder to
// the server, or from the server to another end; the faults go on the
// server's proxy. Its runs are judged one by one, and tallied at the
// end for test/bench/faults.sh.
type netCase struct {
	name             string
	src, dst, faulty *netEnd // faulty: the end behind the broken proxy
	s                *setup
	job              job
	files            map[string][]byte
	limit            time.Duration // bounds each run (runLimit if 0)

	seen retries   // what every run logged it tried again
	runs []verdict // each run's
	mu   sync.Mutex
	end  time.Time // when the fault ended
}

// netCases runs fn for each server on each side, in parallel, each with
// a job of its own copying files. The other end is a local folder, or
// what other makes for a server as a source.
func netCases(t *testing.T, files map[string][]byte, servers []netServer, sides []string, other func(t *testing.T) *netEnd, fn func(t *testing.T, c *netCase)) {
	if other == nil {
		other = localEnd
	}
	for _, ns := range servers {
		for _, side := range sides {
			t.Run(ns.name+"-"+side, func(t *testing.T) {
				t.Parallel()
				c := &netCase{name: ns.name + "-" + side, s: newSetup(t), files: files}
				if side == "destination" {
					seed(t, c.s.src, files)
					c.src = &netEnd{addr: localAddr("local", c.s.src), read: folderReader(c.s.src)}
					c.dst = ns.dest(t)
					c.faulty = c.dst
				} else {
					c.src = ns.src(t, files)
					c.dst = other(t)
					c.faulty = c.src
				}
				c.job = newJob("net", c.src.addr.Name, c.dst.addr.Name)
				fn(t, c)
			})
		}
	}
}

var bothSides = []string{"destination", "source"}

// write writes the case's config.
func (c *netCase) write(t *testing.T) {
	c.s.write(t, []address{c.src.addr, c.dst.addr}, c.job)
}

// run runs the job once, at the debug log level, watching its log (and
// calling watch with each line, if not nil), and judges what it left.
func (c *netCase) run(t *testing.T, watch func(string)) (result, verdict) {
	t.Helper()
	limit := c.limit
	if limit == 0 {
		limit = runLimit
	}
	r := c.s.watched(t, limit, func(l string) {
		c.seen.saw(l)
		if watch != nil {
			watch(l)
		}
	}, "run", c.job.Name)
	v := judge(t, c.s, c.job.Name, c.files, c.dst)
	c.runs = append(c.runs, v)
	// What a run under a fault prints (retries, resets, timeouts, at
	// debug level) shows no secret of either side.
	wantNoSecret(t, "a run under the fault\n"+r.String(), append(c.src.addr.secrets(), c.dst.addr.secrets()...)...)
	return r, v
}

// ended marks the end of the fault, the first time it is called; from
// any goroutine.
func (c *netCase) ended() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.end.IsZero() {
		c.end = time.Now()
	}
}

// tally reports the case, once its last run copied every file: the
// files, those recorded as done though wrong or missing at the
// destination (over all runs), those lost (neither done nor failed with
// a code, over all runs), those sent more than once, and the time from
// the end of the fault to the end of the last run. It goes to the file
// MGW_FAULTS_TABLE names, one tab-separated line, for
// test/bench/faults.sh, and to the test's log.
func (c *netCase) tally(t *testing.T, fault string) {
	t.Helper()
	c.ended() // a fault that lasted all along ended with the last run
	var wrong, lost int
	for _, v := range c.runs {
		wrong += len(v.wrong)
		lost += len(v.lost)
	}
	line := fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\n", fault, c.name, len(c.runs), len(c.files), wrong, lost,
		c.resent(), time.Since(c.end).Milliseconds())
	t.Logf("fault, case, runs, files, wrong, lost, re-sent, recovered in ms: %s", line)
	if path := os.Getenv("MGW_FAULTS_TABLE"); path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
	}
}

// resent is how many files were sent to the destination more than
// once, whole or in part: by the OSS test server's counts where it is
// the destination (a file put or begun again, a part sent again); else
// the files mgw tried again, or whose parts it sent again (its log),
// and those the first run failed. (A share's writer that starts a file
// again on a new connection does not tell.)
func (c *netCase) resent() int {
	if srv := c.dst.oss; srv != nil {
		n := 0
		for key := range c.files {
			if srv.Count("PutObject", key)+srv.Count("InitiateMultipartUpload", key) > 1 ||
				srv.Count("UploadPart", key) > len(srv.PartUploads(bucket, key)) {
				n++
			}
		}
		return n
	}
	again := map[string]bool{}
	c.seen.mu.Lock()
	for p := range c.seen.files {
		again[p] = true
	}
	for p := range c.seen.parts {
		again[p] = true
	}
	c.seen.mu.Unlock()
	if len(c.runs) > 0 {
		for _, p := range c.runs[0].failed {
			again[p] = true
		}
	}
	return len(again)
}

// netScale multiplies the small files of the network tests: 1 in make
// test, more from test/bench/faults.sh (MGW_FAULTS_SCALE).
func netScale() int {
	if n, err := strconv.Atoi(os.Getenv("MGW_FAULTS_SCALE")); err == nil && n > 0 {
		return n
	}
	return 1
}

// when calls fn once cond holds, polling cond every 10 ms until then,
// or until stop is called; stop reports whether fn was called.
func when(cond func() bool, fn func()) (stop func() bool) {
	done, quit := make(chan bool, 1), make(chan struct{})
	go func() {
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for !cond() {
			select {
			case <-quit:
				done <- false
				return
			case <-t.C:
			}
		}
		fn()
		done <- true
	}()
	return func() bool { close(quit); return <-done }
}

// narrow holds stream of p to 2 MiB/s: a part of a large file (1 MiB or
// more) takes half a second and more on its way.
func narrow(p *testenv.Proxy, stream string) {
	p.Add(testenv.Toxic{Name: "narrow", Type: "bandwidth", Stream: stream, Attributes: map[string]any{"rate": 2048}})
}

// retries reads mgw's log of retries: how many times it checked the
// addresses again, tried each file again, and each part (path -> part
// number -> times).
type retries struct {
	mu     sync.Mutex
	checks int
	files  map[string]int
	parts  map[string]map[int]int
}

var retryLine = regexp.MustCompile(`msg="?retrying( part| the check)?"?(?: .*?\bpath=("(?:[^"\\]|\\.)*"|\S+)(?: part=(\d+))?)?`)

// saw counts line if it tells of a retry, and reports whether it did.
func (r *retries) saw(line string) bool {
	m := retryLine.FindStringSubmatch(line)
	if m == nil {
		return false
	}
	path := m[2]
	if p, err := strconv.Unquote(path); err == nil {
		path = p
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.files == nil {
		r.files, r.parts = map[string]int{}, map[string]map[int]int{}
	}
	switch m[1] {
	case " the check":
		r.checks++
		return true
	case "":
		r.files[path]++
		return true
	}
	n, _ := strconv.Atoi(m[3])
	if r.parts[path] == nil {
		r.parts[path] = map[int]int{}
	}
	r.parts[path][n]++
	return true
}

// total is how many retries were seen, of files and of parts.
func (r *retries) total() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.checks
	for _, k := range r.files {
		n += k
	}
	for _, ps := range r.parts {
		for _, k := range ps {
			n += k
		}
	}
	return n
}

// partRetries is how many times parts of path were tried again.
func (r *retries) partRetries(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, k := range r.parts[path] {
		n += k
	}
	return n
}
