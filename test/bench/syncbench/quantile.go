package main

import (
	"slices"
	"time"
)

type summary struct{ min, p50, p99, max time.Duration }

// quantiles summarises ds (not empty) by nearest rank: p99 is the value
// 99% of the samples do not exceed.
func quantiles(ds []time.Duration) summary {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return summary{min: s[0], p50: rank(0.50), p99: rank(0.99), max: s[len(s)-1]}
}
