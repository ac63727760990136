package main

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// watchLatency measures a mirroring tool from outside, the same way for
// every tool (mgw's continuous job, `mc mirror --watch`): it rewrites one
// of files files under dir/lat every every for window, and for each
// change polls the bucket (HEAD, every 5 ms) until the object under
// prefix holds the new content (its ETag is the MD5 of a single PUT),
// then prints p50, p99 and max of the time from the file's close, and
// how many changes never arrived within wait.
func (l *loop) watchLatency(ctx context.Context, dir, prefix string, window, every, wait time.Duration, files int) error {
	if err := os.MkdirAll(filepath.Join(dir, "lat"), 0o755); err != nil {
		return err
	}
	var (
		mu   sync.Mutex
		lat  []time.Duration
		lost int
		wg   sync.WaitGroup
	)
	buf := make([]byte, 4096)
	tick := time.NewTicker(every)
	defer tick.Stop()
	end := time.Now().Add(window)
	for i := 0; time.Now().Before(end); i++ {
		<-tick.C
		name := fmt.Sprintf("lat/f%03d", i%files)
		_, _ = rand.Read(buf)
		sum := md5.Sum(buf)
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), buf, 0o644); err != nil {
			return err
		}
		closed := time.Now()
		wg.Add(1)
		go func(key, etag string) {
			defer wg.Done()
			for time.Since(closed) < wait {
				h, err := l.cli.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &l.bucket, Key: &key})
				if err == nil && h.ETag != nil && strings.Trim(*h.ETag, `"`) == etag {
					mu.Lock()
					lat = append(lat, time.Since(closed))
					mu.Unlock()
					return
				}
				time.Sleep(5 * time.Millisecond) // the poll's period, not a synchronisation
			}
			mu.Lock()
			lost++ // overwritten by a later change of the same file, or never copied
			mu.Unlock()
		}(prefix+name, hex.EncodeToString(sum[:]))
	}
	wg.Wait()
	if len(lat) == 0 {
		return fmt.Errorf("watchlat: no change arrived (%d lost)", lost)
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return lat[min(len(lat)-1, int(p*float64(len(lat))))].Seconds() }
	fmt.Printf("latency_p50_s=%.3f\nlatency_p99_s=%.3f\nlatency_max_s=%.3f\nlatency_changes=%d\nlatency_lost=%d\n",
		q(0.5), q(0.99), lat[len(lat)-1].Seconds(), len(lat)+lost, lost)
	return nil
}
