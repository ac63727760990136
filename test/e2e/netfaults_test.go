package e2e

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state/codes"
	"github.com/mgw-dev/mgw/test/testenv"
)

// The network fault tests (issue 15): toxiproxy between mgw and each
// test server, as a source and as a destination. Every run must leave
// each file either byte for byte at the destination and recorded, or in
// the failed list with a catalogue code; never recorded as done while
// wrong or missing. test/bench/faults.sh runs them at a larger scale and
// prints what they tally.

// A slow, narrow network: every answer 200 ms ± 100 ms late, every
// connection held to 1 MiB/s each way. Every file arrives whole, the
// small ones and those sent in parts, and the run fails none.
func TestNetSlow(t *testing.T) {
	files := netFiles(1, 12*netScale(), 2)
	netCases(t, files, netServers, bothSides, nil, func(t *testing.T, c *netCase) {
		c.faulty.proxy.Add(
			testenv.Toxic{Name: "latency", Type: "latency", Stream: "downstream", Attributes: map[string]any{"latency": 200, "jitter": 100}},
			testenv.Toxic{Name: "up", Type: "bandwidth", Stream: "upstream", Attributes: map[string]any{"rate": 1024}},
			testenv.Toxic{Name: "down", Type: "bandwidth", Stream: "downstream", Attributes: map[string]any{"rate": 1024}},
		)
		c.write(t)
		r, v := c.run(t, nil)
		wantExit(t, r, 0)
		wantCopied(t, r, len(files))
		v.wantSound(t, true)
		c.tally(t, "slow")
	})
}

// A connection reset in the middle of part uploads (the FAQ's "premature
// end of content-length delimited message body"): once the destination
// holds the first part of the large file, every connection to it is
// reset while the other parts are on their way. The parts cut are sent
// again, never the whole file, and the upload completes with each part
// stored once, or twice where the reset cut its answer after the server
// had it. A share takes the file in one stream, to a temporary name: cut
// once 1 MiB is written, it is written again whole on a new connection,
// and the temporary file cut short does not stay behind.
func TestNetResetMidPart(t *testing.T) {
	files := netFiles(3, 4*netScale(), 1)
	const key = "big-0.bin"
	netCases(t, files, netServers, []string{"destination"}, nil, func(t *testing.T, c *netCase) {
		r := c.resetMidway(t, "upstream", key, "reset mid part")
		if c.dst.parts == nil {
			return // a share: no parts
		}
		seen := &c.seen
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
	files := netFiles(4, 4*netScale(), 1)
	const key = "big-0.bin"
	netCases(t, files, netServers, []string{"source"}, ossDirect, func(t *testing.T, c *netCase) {
		c.resetMidway(t, "downstream", key, "reset mid read")
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
		share := c.src.addr.Type == "smb" || c.src.addr.Type == "nfs"
		switch again := c.seen.files[key]; {
		case share && again > 0:
			t.Errorf("%s was read again from its start %d times, not resumed", key, again)
		case !share && again == 0:
			t.Errorf("%s was not read again: the reset did not cut its read", key)
		}
	})
}

// resetMidway runs the job once, stream held narrow on the faulty end's
// proxy, and resets every connection through it once the destination
// holds part of key: the run must copy every file.
func (c *netCase) resetMidway(t *testing.T, stream, key, fault string) result {
	t.Helper()
	narrow(c.faulty.proxy, stream)
	c.write(t)
	stop := when(func() bool { return c.dst.staged(key) > 0 }, func() { c.faulty.proxy.Cut(); c.ended() })
	r, v := c.run(t, nil)
	if !stop() {
		t.Fatalf("the run ended before the destination held a part of %s:\n%s", key, r)
	}
	wantExit(t, r, 0)
	v.wantSound(t, true)
	c.tally(t, fault)
	return r
}

// faultyRun runs the job once under a fault that starts when stop says
// (once the destination holds what): the run must end, with or without
// failed files, and leave no file wrong or lost.
func (c *netCase) faultyRun(t *testing.T, watch func(string), stop func() bool, what string) result {
	t.Helper()
	r, v := c.run(t, watch)
	if !stop() {
		t.Fatalf("the run ended before the destination held %s:\n%s", what, r)
	}
	if r.code != 0 && r.code != 3 {
		t.Fatalf("want the run to end, with or without failed files:\n%s", r)
	}
	v.wantSound(t, false)
	return r
}

// A black hole in front of the destination, once it holds a few files:
// connections stay open and nothing comes back, for 30 s (5 minutes in
// the long variant). Each request that falls in it is given up after the
// address's timeout (5 s here), its file tried again, until it runs out
// of attempts and fails with a code that says how long mgw waited; once
// the hole closes the run goes on. (A share's connections are made
// again, and its files wait, within the pool's budget.) A second run
// copies what failed.
func TestNetBlackHole(t *testing.T) {
	hole := 30 * time.Second
	if testenv.Long() {
		hole = 5 * time.Minute
	}
	files := netFiles(5, 40*netScale(), 1)
	netCases(t, files, netServers, []string{"destination"}, nil, func(t *testing.T, c *netCase) {
		// The run is still going when the hole opens. The timeout leaves
		// room for a part of 5 MiB (S3's) to drain from the socket's
		// buffers at 4 MiB/s, which the HTTP client counts as a wait for
		// the answer.
		c.dst.proxy.Add(testenv.Toxic{Name: "narrow", Type: "bandwidth", Stream: "upstream", Attributes: map[string]any{"rate": 4096}})
		c.dst.addr.Timeout = "5s"
		retries := 2
		c.job.Retries = &retries
		c.limit = hole + runLimit
		c.write(t)
		closed := make(chan struct{})
		stop := when(func() bool { return c.dst.count() >= 3 }, func() {
			c.dst.proxy.Add(testenv.Toxic{Name: "hole", Type: "timeout", Stream: "upstream", Attributes: map[string]any{"timeout": 0}})
			time.AfterFunc(hole, func() { c.dst.proxy.Remove("hole"); c.ended(); close(closed) })
		})
		c.faultyRun(t, nil, stop, "3 files")
		// Each file failed as interrupted; the last try of some may have
		// met the reset of the connections as the hole closed, the
		// others say how long they waited.
		failed, waited := c.s.failed(t, c.job.Name), false
		for _, f := range failed {
			if f.code != codes.TransferInterrupted {
				t.Errorf("%s failed with %s %q, want %s", f.path, f.code, f.message, codes.TransferInterrupted)
			}
			waited = waited || strings.Contains(f.message, "no progress for 5s")
		}
		if len(failed) > 0 && !waited {
			t.Errorf("no failed file says mgw waited 5s for an answer: %v", failed)
		}
		<-closed
		r, v := c.run(t, nil)
		wantExit(t, r, 0)
		v.wantSound(t, true)
		c.tally(t, "black hole "+hole.String())
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
	files := netFiles(6, 20*netScale(), 1)
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
		narrowed := false
		switch {
		case c.faulty == c.src:
			cut(4 << 20)()
		case share:
			cut(64 << 10)()
		default:
			// Narrowed, the run lasts seconds: the cut lands while it
			// still has files to send, however fast the machine.
			narrow(p, "upstream")
			narrowed = true
			stop = when(func() bool { return c.dst.count() > 0 }, cut(200))
		}
		var once sync.Once
		uncut := func() { once.Do(func() { p.Remove("cut"); c.ended() }) }
		watch := func(string) {
			if seen := c.seen.total(); !share && seen > c.seen.checks {
				uncut()
			}
		}
		c.write(t)
		r := c.faultyRun(t, watch, stop, "a file")
		if !share && c.seen.total() == c.seen.checks {
			t.Errorf("no file or part was tried again: no answer was cut\n%s", r)
		}
		uncut()
		if narrowed {
			p.Remove("narrow")
		}
		p.Remove("slicer")
		r, v := c.run(t, nil)
		wantExit(t, r, 0)
		v.wantSound(t, true)
		c.tally(t, "cut short")
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
		var once sync.Once
		watch := func(string) {
			if c.seen.checks > 0 {
				once.Do(func() { p.Remove("reset") })
			}
		}
		c.write(t)
		r, v := c.run(t, watch)
		wantExit(t, r, 0)
		v.wantSound(t, true)
		if c.seen.checks == 0 {
			t.Errorf("the check was not tried again:\n%s", r)
		}
	})
}
