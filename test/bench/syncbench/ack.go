package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mgw-dev/mgw/connectors"
)

// ackBucket is the job's destination, noting when each Put of a tracked
// key started and when the destination acknowledged it. Everything else,
// Features included, is the wrapped bucket's own; the benchmark's files
// are small, so no upload goes through the multipart path unseen.
type ackBucket struct {
	connectors.Bucket

	mu    sync.Mutex
	track func(key string) bool
	puts  map[string][]put
}

type put struct{ start, end time.Time }

func (b *ackBucket) Put(ctx context.Context, key string, r io.ReadSeeker, size int64, opts connectors.PutOptions) (connectors.Object, error) {
	start := time.Now()
	o, err := b.Bucket.Put(ctx, key, r, size, opts)
	if err == nil {
		end := time.Now()
		b.mu.Lock()
		if b.track != nil && b.track(key) {
			b.puts[key] = append(b.puts[key], put{start, end})
		}
		b.mu.Unlock()
	}
	return o, err
}

// follow starts noting the Puts of the keys track accepts, forgetting
// those noted before.
func (b *ackBucket) follow(track func(key string) bool) {
	b.mu.Lock()
	b.track, b.puts = track, map[string][]put{}
	b.mu.Unlock()
}

// firstAfter returns the first acknowledged Put of key that started at
// or after t.
func (b *ackBucket) firstAfter(key string, t time.Time) (put, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.puts[key] {
		if !p.start.Before(t) {
			return p, true
		}
	}
	return put{}, false
}

// counts returns how many tracked keys were acknowledged, how many Puts
// that took, and when the last one was acknowledged.
func (b *ackBucket) counts() (keys, puts int, last time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ps := range b.puts {
		keys++
		puts += len(ps)
		for _, p := range ps {
			if p.end.After(last) {
				last = p.end
			}
		}
	}
	return keys, puts, last
}

// timeline tells, for each step from t0 on, how many tracked Puts started
// and how many were acknowledged in it: "started/acknowledged" per step.
func (b *ackBucket) timeline(t0 time.Time, step time.Duration) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var starts, ends []int
	bump := func(s *[]int, t time.Time) {
		i := max(0, int(t.Sub(t0)/step))
		for len(*s) <= i {
			*s = append(*s, 0)
		}
		(*s)[i]++
	}
	for _, ps := range b.puts {
		for _, p := range ps {
			bump(&starts, p.start)
			bump(&ends, p.end)
		}
	}
	var w strings.Builder
	for i := range max(len(starts), len(ends)) {
		if i > 0 {
			w.WriteByte(' ')
		}
		at := func(s []int) int {
			if i < len(s) {
				return s[i]
			}
			return 0
		}
		fmt.Fprintf(&w, "%d/%d", at(starts), at(ends))
	}
	return w.String()
}
