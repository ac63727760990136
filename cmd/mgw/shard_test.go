package main

import (
	"strings"
	"testing"
)

// --shard wins over the environment; the index comes from MGW_SHARD_INDEX,
// else JOB_COMPLETION_INDEX; the count from MGW_SHARDS.
func TestShardGiven(t *testing.T) {
	for _, tc := range []struct {
		name         string
		flag         string
		env          map[string]string
		index, count int // -1: not given
		from, err    string
	}{
		{name: "nothing", index: -1, count: -1},
		{name: "flag", flag: "2/4", env: map[string]string{"JOB_COMPLETION_INDEX": "1", "MGW_SHARDS": "8"}, index: 2, count: 4, from: "--shard"},
		{name: "indexed job", env: map[string]string{"JOB_COMPLETION_INDEX": "3", "MGW_SHARDS": "4"}, index: 3, count: 4, from: "JOB_COMPLETION_INDEX and MGW_SHARDS"},
		{name: "pod index first", env: map[string]string{"MGW_SHARD_INDEX": "1", "JOB_COMPLETION_INDEX": "3"}, index: 1, count: -1, from: "MGW_SHARD_INDEX"},
		{name: "count only", env: map[string]string{"MGW_SHARDS": "4"}, index: -1, count: 4, from: "MGW_SHARDS"},
		{name: "flag without count", flag: "2", err: `--shard "2": want INDEX/COUNT`},
		{name: "flag not numbers", flag: "a/4", err: `--shard index: "a" is not a number`},
		{name: "bad env", env: map[string]string{"JOB_COMPLETION_INDEX": "-1"}, err: `JOB_COMPLETION_INDEX: "-1" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"MGW_SHARD_INDEX", "JOB_COMPLETION_INDEX", "MGW_SHARDS"} {
				t.Setenv(k, tc.env[k])
			}
			index, count, from, err := shardGiven(tc.flag)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "BadParameters") {
					t.Fatalf("got %v, want BadParameters with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := func(p *int) int {
				if p == nil {
					return -1
				}
				return *p
			}
			if got(index) != tc.index || got(count) != tc.count || from != tc.from {
				t.Errorf("index %d, count %d, from %q; want %d, %d, %q", got(index), got(count), from, tc.index, tc.count, tc.from)
			}
		})
	}
}
