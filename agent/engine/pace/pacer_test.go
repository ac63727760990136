package pace

import (
	"testing"
	"time"
)

func TestPacerAttackAndDecay(t *testing.T) {
	var p Pacer
	if p.delay != 0 {
		t.Fatal("a new Pacer must not delay")
	}
	p.Throttled(0)
	first := p.delay
	p.Throttled(0)
	if p.delay != 2*first || first != pacerMin {
		t.Errorf("delay %v then %v, want %v then double", first, p.delay, pacerMin)
	}
	for range 20 {
		p.Throttled(0)
	}
	if p.delay != pacerMax {
		t.Errorf("delay %v, want capped at %v", p.delay, pacerMax)
	}
	for range 200 {
		p.OK()
	}
	if p.delay != 0 {
		t.Errorf("delay %v after many successes, want 0", p.delay)
	}
	if p.throttles != 22 {
		t.Errorf("throttles %d", p.throttles)
	}
}

func TestPacerRetryAfter(t *testing.T) {
	var p Pacer
	before := time.Now()
	p.Throttled(time.Hour)
	if p.next.Before(before.Add(59 * time.Minute)) {
		t.Errorf("next %v ignores Retry-After", p.next)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	base := 100 * time.Millisecond
	for n := 1; n <= 5; n++ {
		d := Backoff(base, n)
		lo, hi := (base<<(n-1))/2, base<<(n-1)
		if d < lo || d > hi {
			t.Errorf("attempt %d: %v outside [%v, %v]", n, d, lo, hi)
		}
	}
	if d := Backoff(time.Second, 60); d > 5*time.Minute {
		t.Errorf("uncapped backoff %v", d)
	}
}
