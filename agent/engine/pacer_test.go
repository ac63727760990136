package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

func TestPacerAttackAndDecay(t *testing.T) {
	var p pacer
	if p.delay != 0 {
		t.Fatal("a new pacer must not delay")
	}
	p.throttled(0)
	first := p.delay
	p.throttled(0)
	if p.delay != 2*first || first != pacerMin {
		t.Errorf("delay %v then %v, want %v then double", first, p.delay, pacerMin)
	}
	for range 20 {
		p.throttled(0)
	}
	if p.delay != pacerMax {
		t.Errorf("delay %v, want capped at %v", p.delay, pacerMax)
	}
	for range 200 {
		p.ok()
	}
	if p.delay != 0 {
		t.Errorf("delay %v after many successes, want 0", p.delay)
	}
	if p.throttles != 22 {
		t.Errorf("throttles %d", p.throttles)
	}
}

func TestPacerRetryAfter(t *testing.T) {
	var p pacer
	before := time.Now()
	p.throttled(time.Hour)
	if p.next.Before(before.Add(59 * time.Minute)) {
		t.Errorf("next %v ignores Retry-After", p.next)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	base := 100 * time.Millisecond
	for n := 1; n <= 5; n++ {
		d := backoff(base, n)
		lo, hi := (base<<(n-1))/2, base<<(n-1)
		if d < lo || d > hi {
			t.Errorf("attempt %d: %v outside [%v, %v]", n, d, lo, hi)
		}
	}
	if d := backoff(time.Second, 60); d > 5*time.Minute {
		t.Errorf("uncapped backoff %v", d)
	}
}

func TestFilter(t *testing.T) {
	after := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f := newFilter(&config.Settings{
		Include: []string{"**/*.jpg"}, Exclude: []string{"**/.snapshot/**"},
		MinSize: 10, MaxSize: 100, ModifiedAfter: after,
	})
	ok := connectors.Object{Key: "a/b/c.jpg", Size: 50, ModTime: after.Add(time.Hour)}
	for _, tc := range []struct {
		name string
		edit func(o *connectors.Object)
		want bool
	}{
		{"match", func(*connectors.Object) {}, true},
		{"top level", func(o *connectors.Object) { o.Key = "c.jpg" }, true},
		{"not included", func(o *connectors.Object) { o.Key = "a/c.png" }, false},
		{"excluded", func(o *connectors.Object) { o.Key = "a/.snapshot/x/c.jpg" }, false},
		{"too small", func(o *connectors.Object) { o.Size = 9 }, false},
		{"too big", func(o *connectors.Object) { o.Size = 101 }, false},
		{"too old", func(o *connectors.Object) { o.ModTime = after.Add(-time.Second) }, false},
	} {
		o := ok
		tc.edit(&o)
		if got := f.match(o); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
}

// TestPacedSlowsOnResets: connection resets and timeouts slow the side
// down like throttling; an error about one file (not found) does not.
func TestPacedSlowsOnResets(t *testing.T) {
	r := &Runner{Progress: &Progress{}, limits: newLimiter(config.Limits{}, nil)}
	ctx := context.Background()
	_ = r.paced(ctx, connectors.Source, func() error { return connectors.NewError(connectors.KindNotFound, "get", "k", errors.New("404")) })
	if r.srcPace.delay != 0 {
		t.Fatalf("a missing key slowed the source down to %v", r.srcPace.delay)
	}
	for _, k := range []connectors.Kind{connectors.KindTransient, connectors.KindTimeout} {
		r.srcPace = pacer{}
		_ = r.paced(ctx, connectors.Source, func() error { return connectors.NewError(k, "get", "k", errors.New("connection reset by peer")) })
		if r.srcPace.delay == 0 {
			t.Errorf("%v did not slow the source down", k)
		}
		if r.dstPace.delay != 0 {
			t.Errorf("%v on the source slowed the destination down", k)
		}
	}
}
