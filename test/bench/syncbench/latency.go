package main

import (
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const fileSize = 4096

func latName(i int) string { return fmt.Sprintf("lat/f%03d", i) }

// makeLatFiles writes the files the latency phase will change.
func makeLatFiles(root string, n int) error {
	if err := os.MkdirAll(filepath.Join(root, "lat"), 0o755); err != nil {
		return err
	}
	buf := make([]byte, fileSize)
	for i := range n {
		_, _ = rand.Read(buf)
		if err := os.WriteFile(filepath.Join(root, latName(i)), buf, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// latencyPhase rewrites one of n files every period for window, in turn,
// on the synced job, and reports how long each change took from the
// file's close to the destination's acknowledgement of its upload: a
// file closed after writing waits for no settle time.
func (b *bench) latencyPhase(window, every time.Duration, n int, settle time.Duration) error {
	if err := b.idle(); err != nil {
		return err
	}
	b.dst.follow(func(k string) bool { return strings.HasPrefix(k, "lat/") })
	// A Put is the change's if it started after the write began: the copy
	// of a file closed after writing may start before the writer has
	// read the clock after its close.
	type change struct {
		key            string
		opened, closed time.Time
	}
	var changes []change
	buf := make([]byte, fileSize)
	tick := time.NewTicker(every)
	end := time.Now().Add(window)
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		key := latName(i % n)
		_, _ = rand.Read(buf)
		opened := time.Now()
		if err := os.WriteFile(filepath.Join(b.root, key), buf, 0o644); err != nil {
			return err
		}
		changes = append(changes, change{key, opened, time.Now()})
	}
	tick.Stop()

	// Every change must arrive; give the slow ones time before counting
	// them missing.
	arrived := func() int {
		n := 0
		for _, c := range changes {
			if _, ok := b.dst.firstAfter(c.key, c.opened); ok {
				n++
			}
		}
		return n
	}
	waitErr := b.until(func() bool { return arrived() == len(changes) }, "not every change arrived")
	var lat []time.Duration
	for _, c := range changes {
		if p, ok := b.dst.firstAfter(c.key, c.opened); ok {
			lat = append(lat, max(p.end.Sub(c.closed), 0))
		}
	}
	_, puts, _ := b.dst.counts()
	out("latency_changes", len(changes))
	out("latency_missing", len(changes)-len(lat))
	out("latency_uploads", puts)
	out("latency_settle_s", secs(settle))
	if len(lat) > 0 {
		q := quantiles(lat)
		out("latency_p50_s", secs(q.p50))
		out("latency_p99_s", secs(q.p99))
		out("latency_max_s", secs(q.max))
		out("latency_min_s", secs(q.min))
	}
	return waitErr
}
