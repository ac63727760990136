package pace

import (
	"context"
	"io"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
)

// fakeClock moves only when a wait asks it to: a rate measured against it
// is the limiter's, whatever the machine's speed.
// zeros is an endless source.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func within(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*want {
		t.Errorf("%s: %.0f, want %.0f ±%.0f%%", what, got, want, tol*100)
	} else {
		t.Logf("%s: %.0f (limit %.0f, %+.2f%%)", what, got, want, (got-want)/want*100)
	}
}

func monday(h, m int) time.Time { return time.Date(2026, 11, 23, h, m, 0, 0, time.Local) } // a Monday

func TestLimiterBandwidthAcrossWorkers(t *testing.T) {
	clk := NewManualClock(monday(3, 0))
	const bw = 20 << 20
	l := NewLimiter(config.Limits{MaxBandwidth: bw}, clk)
	start, end := clk.Now(), clk.Now().Add(2*time.Minute)
	var mu sync.Mutex
	var total int64
	var wg sync.WaitGroup
	for range 8 { // the workers and parts of one job share the bucket
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := l.Reader(context.Background(), zeros{})
			buf := make([]byte, 8<<20)
			for clk.Now().Before(end) {
				n, err := io.ReadFull(r, buf)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total += int64(n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := clk.Now().Sub(start).Seconds()
	within(t, "bytes/s over a simulated window", float64(total)/elapsed, bw, 0.05)
}

func TestLimiterRequestsPerSecond(t *testing.T) {
	clk := NewManualClock(monday(3, 0))
	l := NewLimiter(config.Limits{MaxQPS: 500}, clk)
	start, end := clk.Now(), clk.Now().Add(time.Minute)
	var mu sync.Mutex
	var n int
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for clk.Now().Before(end) {
				if err := l.WaitRequest(context.Background()); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	within(t, "requests/s", float64(n)/clk.Now().Sub(start).Seconds(), 500, 0.05)
}

func TestLimiterScheduleSwitchesAtTheHour(t *testing.T) {
	low := config.ByteSize(1 << 20)
	lim := config.Limits{MaxBandwidth: 8 << 20, Schedule: []config.LimitWindow{{Days: "mon-fri", Hours: "09-18", MaxBandwidth: &low}}}
	if err := lim.Schedule[0].Parse(); err != nil {
		t.Fatal(err)
	}
	clk := NewManualClock(monday(8, 58))
	l := NewLimiter(lim, clk)
	if bw, _ := l.Current(); bw != 8<<20 {
		t.Fatalf("limit before 09:00 = %d", bw)
	}
	// One transfer runs across the hour: the same reader, never reopened.
	r := l.Reader(context.Background(), zeros{})
	boundary, end := monday(9, 0), monday(9, 2)
	var before, after int64
	buf := make([]byte, 256<<10)
	for clk.Now().Before(end) {
		n, err := r.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		if clk.Now().Before(boundary) {
			before += int64(n)
		} else {
			after += int64(n)
		}
	}
	within(t, "bytes/s 08:58-09:00", float64(before)/120, 8<<20, 0.05)
	within(t, "bytes/s 09:00-09:02", float64(after)/clk.Now().Sub(boundary).Seconds(), float64(low), 0.05)
	if bw, _ := l.Current(); bw != low {
		t.Errorf("limit after 09:00 = %d, want %d", bw, low)
	}
	clk.now = monday(18, 0)
	if bw, _ := l.Current(); bw != 8<<20 {
		t.Errorf("limit at 18:00 = %d, want the job's again", bw)
	}
	clk.now = monday(10, 0).AddDate(0, 0, 5) // Saturday
	if bw, _ := l.Current(); bw != 8<<20 {
		t.Errorf("limit on Saturday 10:00 = %d, want the job's", bw)
	}
}

func TestLimiterSetAppliesToRunningReads(t *testing.T) {
	clk := NewManualClock(monday(3, 0))
	l := NewLimiter(config.Limits{}, clk)
	r := l.Reader(context.Background(), zeros{})
	buf := make([]byte, 1<<20)
	for range 100 {
		if _, err := r.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.Now().Equal(monday(3, 0)) {
		t.Fatalf("an unlimited job waited until %v", clk.Now())
	}
	l.Set(config.Limits{MaxBandwidth: 2 << 20}) // a reload, the reader still open
	start := clk.Now()
	var n int64
	for clk.Now().Sub(start) < time.Minute {
		k, err := r.Read(buf)
		if err != nil {
			t.Fatal(err)
		}
		n += int64(k)
	}
	within(t, "bytes/s after Set", float64(n)/clk.Now().Sub(start).Seconds(), 2<<20, 0.05)
	// One reader: the clock moved only while it waited.
	if w := time.Duration(l.waited.Load()); w != clk.Now().Sub(start) {
		t.Errorf("waited %v, the clock moved %v", w, clk.Now().Sub(start))
	}
	l.Set(config.Limits{})
	at := clk.Now()
	for range 100 {
		if _, err := r.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.Now().Equal(at) {
		t.Errorf("limits lifted, yet reads waited until %v", clk.Now())
	}
}

func TestLimiterWaitEndsWithContext(t *testing.T) {
	clk := NewManualClock(monday(3, 0))
	l := NewLimiter(config.Limits{MaxBandwidth: 64 << 10}, clk)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := l.Reader(ctx, zeros{})
	buf := make([]byte, 1<<20)
	var err error
	for i := 0; i < 10 && err == nil; i++ {
		_, err = r.Read(buf)
	}
	if err != context.Canceled {
		t.Errorf("err %v, want context.Canceled once a wait is needed", err)
	}
}

// BenchmarkReadUnlimited and BenchmarkReadLimitedOff compare a source read
// with and without the limiter of a job that has no limits: the cost of
// the limiter when it does nothing.
func BenchmarkReadUnlimited(b *testing.B) { benchRead(b, func(r io.Reader) io.Reader { return r }) }

func BenchmarkReadLimitedOff(b *testing.B) {
	l := NewLimiter(config.Limits{}, nil)
	benchRead(b, func(r io.Reader) io.Reader { return l.Reader(context.Background(), r) })
}

func benchRead(b *testing.B, wrap func(io.Reader) io.Reader) {
	buf := make([]byte, 32<<10)
	r := wrap(zeros{})
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		if _, err := r.Read(buf); err != nil {
			b.Fatal(err)
		}
	}
}
