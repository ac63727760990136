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
				c := &netCase{name: ns.name + "-" + side, s: newSetup(t)}
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
	netCases(t, files, netServers, bothSides, nil, func(t *testing.T, c *netCase) {
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
// stored once. A share takes the file in one stream, to a temporary
// name: cut once 1 MiB is written, it is written again whole on a new
// connection, and the temporary file cut short does not stay behind.
func TestNetResetMidPart(t *testing.T) {
	files := netFiles(3, 4, 1)
	const key = "big-0.bin"
	netCases(t, files, netServers, []string{"destination"}, nil, func(t *testing.T, c *netCase) {
		narrow(c.dst.proxy, "upstream")
		var seen retries
		c.write(t)
		stop := when(func() bool { return c.dst.staged(key) > 0 }, c.dst.proxy.Cut)
		r := c.s.watched(t, runLimit, func(l string) { seen.saw(l) }, "run", c.job.Name)
		if !stop() {
			t.Fatalf("the run ended before the destination held a part of %s:\n%s", key, r)
		}
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		if c.dst.parts == nil {
			return // a share: no parts
		}
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

// A connection reset in the middle of a source read: once the
// destination holds the first part of the large file, every connection
// to the source is reset while the rest of the file is read. A share's
// reader goes on from where it was on a new connection; an object
// store's read starts the file again, and the parts the destination
// acknowledged are read and compared, not sent again. Each part is sent
// once.
func TestNetResetMidRead(t *testing.T) {
	files := netFiles(4, 4, 1)
	const key = "big-0.bin"
	netCases(t, files, netServers, []string{"source"}, ossDirect, func(t *testing.T, c *netCase) {
		narrow(c.src.proxy, "downstream")
		var seen retries
		c.write(t)
		stop := when(func() bool { return c.dst.staged(key) > 0 }, c.src.proxy.Cut)
		r := c.s.watched(t, runLimit, func(l string) { seen.saw(l) }, "run", c.job.Name)
		if !stop() {
			t.Fatalf("the run ended before %s's first part was stored:\n%s", key, r)
		}
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		srv := c.dst.oss
		want := (len(files[key]) + 1<<20 - 1) >> 20
		for n, times := range srv.PartUploads(bucket, key) {
			if times != 1 {
				t.Errorf("%s: part %d stored %d times", key, n, times)
			}
		}
		if sent := srv.Count("UploadPart", key); sent != want {
			t.Errorf("%s: %d part requests, want %d", key, sent, want)
		}
		if n := srv.Count("InitiateMultipartUpload", key); n != 1 {
			t.Errorf("%s: %d uploads started, want 1", key, n)
		}
		if n, open := c.dst.parts(t, key); n != want || open != 0 {
			t.Errorf("%s: assembled from %d parts, %d uploads left open; want %d parts, none open", key, n, open, want)
		}
		t.Logf("%s tried again %d times", key, seen.files[key])
	})
}

// A black hole in front of the destination, once it holds a few files:
// connections stay open and nothing comes back, for 30 s (5 minutes in
// the long variant). Each request that falls in it is given up after the
// address's timeout, and its file tried again, until it runs out of
// attempts and fails with a code; once the hole closes the run goes on.
// A second run copies what failed.
func TestNetBlackHole(t *testing.T) {
	hole := 30 * time.Second
	if testenv.Long() {
		hole = 5 * time.Minute
	}
	files := netFiles(5, 40, 1)
	netCases(t, files, netServers, []string{"destination"}, nil, func(t *testing.T, c *netCase) {
		narrow(c.dst.proxy, "upstream") // the run is still going when the hole opens
		c.dst.addr.Timeout = "2s"
		retries := 2
		c.job.Retries = &retries
		c.write(t)
		lifted := make(chan time.Time, 1)
		stop := when(func() bool { return c.dst.count() >= 3 }, func() {
			c.dst.proxy.Add(testenv.Toxic{Name: "hole", Type: "timeout", Stream: "upstream", Attributes: map[string]any{"timeout": 0}})
			time.AfterFunc(hole, func() { c.dst.proxy.Remove("hole"); lifted <- time.Now() })
		})
		r := c.s.watched(t, hole+runLimit, nil, "run", c.job.Name)
		if !stop() {
			t.Fatalf("the run ended before the destination held 3 files:\n%s", r)
		}
		if r.code != 0 && r.code != 3 {
			t.Fatalf("want the run to end, with or without failed files:\n%s", r)
		}
		v := judge(t, c.s, c.job.Name, files, c.dst)
		v.wantSound(t, false)
		for _, f := range c.s.failed(t, c.job.Name) {
			t.Logf("failed: %s %s %s (%s attempts)", f.path, f.code, f.message, f.attempts)
		}
		end := <-lifted
		r = c.s.watched(t, runLimit, nil, "run", c.job.Name)
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		t.Logf("first run: %d done, %d failed; all done %v after the hole closed", v.done, v.failed, time.Since(end).Round(time.Millisecond))
	})
}

// Answers cut short: every answer sliced into small pieces, and every
// connection closed after so many bytes of answers, in the middle of an
// object's content, a listing or an acknowledgement: after 4 MiB from a
// source (the large file's read is cut), after 200 bytes from an object
// store as a destination, once it holds a file (the next
// acknowledgement is cut in its headers), after 64 KiB from a share as
// a destination. On an object store the cut lasts until mgw says it
// tries a file or a part again; a share's connections go on being cut
// all along, and its readers and writers start again on new ones. No
// file whose copy was cut is recorded as done: each is whole at the
// destination or failed with a code, and a second run, on a sound
// network, copies the rest.
func TestNetCutShort(t *testing.T) {
	files := netFiles(6, 20, 1)
	netCases(t, files, netServers, bothSides, nil, func(t *testing.T, c *netCase) {
		p := c.faulty.proxy
		share := c.faulty.addr.Type == "smb" || c.faulty.addr.Type == "nfs"
		cut := func(limit int) func() {
			return func() {
				p.Add(testenv.Toxic{Name: "cut", Type: "limit_data", Stream: "downstream", Attributes: map[string]any{"bytes": limit}})
			}
		}
		p.Add(testenv.Toxic{Name: "slicer", Type: "slicer", Stream: "downstream", Attributes: map[string]any{"average_size": 1500, "size_variation": 1000, "delay": 10}})
		stop := func() bool { return true }
		switch {
		case c.faulty == c.src:
			cut(4 << 20)()
		case share:
			cut(64 << 10)()
		default:
			stop = when(func() bool { return c.dst.count() > 0 }, cut(200))
		}
		var (
			seen retries
			once sync.Once
		)
		watch := func(l string) {
			if seen.saw(l) && !share && seen.total() > seen.checks {
				once.Do(func() { p.Remove("cut") })
			}
		}
		c.write(t)
		r := c.s.watched(t, runLimit, watch, "run", c.job.Name)
		if !stop() {
			t.Fatalf("the run ended before the destination held a file:\n%s", r)
		}
		if r.code != 0 && r.code != 3 {
			t.Fatalf("want the run to end, with or without failed files:\n%s", r)
		}
		v := judge(t, c.s, c.job.Name, files, c.dst)
		v.wantSound(t, false)
		if !share && seen.total() == seen.checks {
			t.Errorf("no file or part was tried again: no answer was cut\n%s", r)
		}
		p.Remove("slicer")
		if share {
			p.Remove("cut")
		}
		r = c.s.watched(t, runLimit, nil, "run", c.job.Name)
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		t.Logf("first run: %d done, %d failed, %d retries", v.done, v.failed, seen.total())
	})
}

// A connection reset as the run checks the addresses, before any file:
// the check is tried again, and the run goes on, instead of stopping
// with the address's code (DestinationDataAddressInvalid, for one
// connection dropped).
func TestNetResetAtCheck(t *testing.T) {
	files := netFiles(7, 3, 0)
	netCases(t, files, netServers, []string{"destination"}, nil, func(t *testing.T, c *netCase) {
		p := c.dst.proxy
		p.Add(testenv.Toxic{Name: "reset", Type: "reset_peer", Stream: "upstream", Attributes: map[string]any{"timeout": 0}})
		var (
			seen retries
			once sync.Once
		)
		watch := func(l string) {
			if seen.saw(l) && seen.checks > 0 {
				once.Do(func() { p.Remove("reset") })
			}
		}
		c.write(t)
		r := c.s.watched(t, runLimit, watch, "run", c.job.Name)
		wantExit(t, r, 0)
		judge(t, c.s, c.job.Name, files, c.dst).wantSound(t, true)
		if seen.checks == 0 {
			t.Errorf("the check was not tried again:\n%s", r)
		}
	})
}
