package main

import (
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- { // 100 samples, 1..100 ms, reversed
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	q := quantiles(ds)
	want := summary{min: time.Millisecond, p50: 50 * time.Millisecond, p99: 99 * time.Millisecond, max: 100 * time.Millisecond}
	if q != want {
		t.Fatalf("quantiles = %+v, want %+v", q, want)
	}
	if q := quantiles([]time.Duration{7}); q.p50 != 7 || q.p99 != 7 {
		t.Fatalf("one sample: %+v", q)
	}
}
