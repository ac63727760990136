package e2e

import (
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
// the server, or from the server to a local folder; the faults go on the
// server's proxy.
type netCase struct {
	name     string
	src, dst *netEnd
	faulty   *netEnd // the end behind the broken proxy
	s        *setup
	job      job
}

// netCases runs fn for each server as a destination and as a source, in
// parallel, each with a job of its own copying files.
func netCases(t *testing.T, files map[string][]byte, servers []netServer, sides []string, fn func(t *testing.T, c *netCase)) {
	for _, ns := range servers {
		for _, side := range sides {
			t.Run(ns.name+"-"+side, func(t *testing.T) {
				t.Parallel()
				c := &netCase{name: ns.name + "-" + side, s: newSetup(t)}
				if side == "destination" {
					seed(t, c.s.src, files)
					c.src = &netEnd{addr: localAddr("local", c.s.src), read: folderReader(c.s.src)}
					c.dst = ns.dest(t)
					c.faulty = c.dst
				} else {
					c.src = ns.src(t, files)
					c.dst = localEnd(t)
					c.faulty = c.src
				}
				c.job = newJob("net", c.src.addr.Name, c.dst.addr.Name)
				fn(t, c)
			})
		}
	}
}

// write writes the case's config, with the job as changed by edit.
func (c *netCase) write(t *testing.T) {
	c.s.write(t, []address{c.src.addr, c.dst.addr}, c.job)
}

var bothSides = []string{"destination", "source"}

// A slow, narrow network: every answer 200 ms ± 100 ms late, every
// connection held to 1 MiB/s each way. Every file arrives whole, the
// small ones and those sent in parts, and the run fails none.
func TestNetSlow(t *testing.T) {
	files := netFiles(1, 12, 2)
	netCases(t, files, netServers, bothSides, func(t *testing.T, c *netCase) {
		c.faulty.proxy.Add(
			testenv.Toxic{Name: "latency", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": 200, "jitter": 100}},
			testenv.Toxic{Name: "up", Type: "bandwidth", Stream: "upstream", Attributes: map[string]any{"rate": 1024}},
			testenv.Toxic{Name: "down", Type: "bandwidth", Stream: "downstream", Attributes: map[string]any{"rate": 1024}},
		)
		c.write(t)
		r := c.s.watched(t, runLimit, nil, "run", c.job.Name)
		wantExit(t, r, 0)
		wantCopied(t, r, len(files))
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
	})
}

// retries reads mgw's log of retries: how many times it tried each file
// again, and each part (path -> part number -> times).
type retries struct {
	mu    sync.Mutex
	files map[string]int
	parts map[string]map[int]int
}

var retryLine = regexp.MustCompile(`msg="?retrying( part)?"? .*?\bpath=("(?:[^"\\]|\\.)*"|\S+)(?: part=(\d+))?`)

// saw counts line if it tells of a retry.
func (r *retries) saw(line string) {
	m := retryLine.FindStringSubmatch(line)
	if m == nil {
		return
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
	if m[1] == "" {
		r.files[path]++
		return
	}
	n, _ := strconv.Atoi(m[3])
	if r.parts[path] == nil {
		r.parts[path] = map[int]int{}
	}
	r.parts[path][n]++
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

// A connection reset in the middle of part uploads (the FAQ's "premature
// end of content-length delimited message body"): once the destination
// holds the first part of the large file, every connection to it is
// reset while the other parts are on their way. The parts cut are sent
// again, never the whole file, and the upload completes with each part
// stored once.
func TestNetResetMidPart(t *testing.T) {
	files := netFiles(3, 4, 1)
	const key = "big-0.bin"
	var multipart []netServer
	for _, ns := range netServers {
		if ns.parts {
			multipart = append(multipart, ns)
		}
	}
	netCases(t, files, multipart, []string{"destination"}, func(t *testing.T, c *netCase) {
		narrow(c.dst.proxy, "upstream")
		var seen retries
		c.write(t)
		stop := when(func() bool { return c.dst.staged(key) > 0 }, c.dst.proxy.Cut)
		r := c.s.watched(t, runLimit, func(l string) { seen.saw(l) }, "run", c.job.Name)
		if !stop() {
			t.Fatalf("the run ended before %s's first part was stored:\n%s", key, r)
		}
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		if seen.partRetries(key) == 0 {
			t.Fatalf("no part of %s was cut and sent again:\n%s", key, r)
		}
		if seen.files[key] > 0 {
			t.Errorf("%s was tried again whole, not just the parts cut", key)
		}
		ps := 1 << 20
		if c.dst.addr.Type == "s3" {
			ps = 5 << 20 // S3's smallest part
		}
		want := (len(files[key]) + ps - 1) / ps
		if n, open := c.dst.parts(t, key); n != want || open != 0 {
			t.Errorf("%s: assembled from %d parts, %d uploads left open; want %d parts, none open", key, n, open, want)
		}
		if srv := c.dst.oss; srv != nil {
			// A part is stored again only if it was sent again: its
			// answer was cut after the server had it.
			for n, times := range srv.PartUploads(bucket, key) {
				if times > 1+seen.parts[key][n] {
					t.Errorf("%s: part %d stored %d times, tried again %d times", key, n, times, seen.parts[key][n])
				}
			}
			if n := srv.Count("InitiateMultipartUpload", key); n != 1 {
				t.Errorf("%s: %d uploads started, want 1", key, n)
			}
			// Each part once, and again where a reset cut it (a retry
			// refused while the proxy restarted never reaches it).
			if sent, most := srv.Count("UploadPart", key), want+seen.partRetries(key); sent <= want || sent > most {
				t.Errorf("%s: %d part requests, want more than %d and at most %d (one per part, one per retry)", key, sent, want, most)
			}
		}
	})
}
