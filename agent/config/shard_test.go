package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

func TestShardConfigErrors(t *testing.T) {
	two := base + "jobs:\n  - {name: job1, source: src, destination: dst, shard: {index: 1, count: 4}}\n" +
		"  - {name: job2, source: src, destination: dst, shard: {index: 2, count: 4}}\n"
	for _, tc := range []struct{ name, yaml, want string }{
		{"index past count", jobWith("shard: {index: 4, count: 4}"), "jobs[0].shard.index: must be at least 0 and less than count (4)"},
		{"negative index", jobWith("shard: {index: -1, count: 4}"), "jobs[0].shard.index"},
		{"count too big", jobWith("shard: {count: 10001}"), "jobs[0].shard.count: must be between 1 and 10000"},
		{"unknown field", jobWith("shard: {index: 1, of: 4}"), "jobs[0].shard.of: unknown field"},
		{"jobs differ", two, "jobs[1].shard: differs from job job1's"},
	} {
		t.Run(tc.name, func(t *testing.T) { parseFails(t, tc.yaml, codes.BadParameters, tc.want) })
	}
}

func TestSetShard(t *testing.T) {
	ptr := func(v int) *int { return &v }
	for _, tc := range []struct {
		name         string
		job          string // the job's shard field, or ""
		index, count *int
		want         Shard
		err          string
	}{
		{name: "none", want: Shard{}},
		{name: "config only", job: "shard: {index: 1, count: 4}", want: Shard{1, 4}},
		{name: "count in config, index given", job: "shard: {count: 4}", index: ptr(3), want: Shard{3, 4}},
		{name: "given overrides config", job: "shard: {index: 1, count: 4}", index: ptr(5), count: ptr(8), want: Shard{5, 8}},
		{name: "one shard", index: ptr(0), count: ptr(1), want: Shard{0, 1}},
		{name: "index without count", index: ptr(2), err: "index 2 given (test) but no count"},
		{name: "count without index", job: "shard: {count: 4}", err: "count 4 given but no index"},
		{name: "index past count", job: "shard: {count: 4}", index: ptr(4), err: "index 4 (test) must be at least 0 and less than the count 4"},
		{name: "count zero", index: ptr(0), count: ptr(0), err: "count 0 (test) must be between 1 and 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := base + "state_dir: /var/lib/mgw\nstatus_dir: /run/mgw\njobs:\n  - {name: job1, source: src, destination: dst}\n  - {name: job2, source: src, destination: dst}\n"
			if tc.job != "" {
				y = strings.Replace(y, "name: job1,", "name: job1, "+tc.job+",", 1)
			}
			cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(y))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.SetShard(tc.index, tc.count, "test")
			if tc.err != "" {
				var ce ConfigErrors
				if !errors.As(err, &ce) || ce[0].Code != codes.BadParameters || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want BadParameters with %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Shard != tc.want {
				t.Fatalf("shard %v, want %v", cfg.Shard, tc.want)
			}
			// Every job is the agent's shard, the one without a shard field too.
			for _, j := range cfg.Jobs {
				if got := j.Settings().Shard; got != tc.want {
					t.Errorf("job %s: shard %v, want %v", j.Name, got, tc.want)
				}
			}
			wantState, wantMount, wantStatus := "/var/lib/mgw", DefaultMount, "/run/mgw"
			if tc.want.Sharded() {
				sub := fmt.Sprintf("/shard-%d", tc.want.Index)
				wantState, wantMount, wantStatus = wantState+sub, wantMount+sub, wantStatus+sub
				if !strings.Contains(cfg.Jobs[1].Text(), "shard: "+tc.want.String()) {
					t.Errorf("job text does not show the shard:\n%s", cfg.Jobs[1].Text())
				}
			}
			if cfg.StateDir != wantState || cfg.MountPoint() != wantMount || cfg.StatusDir != wantStatus {
				t.Errorf("dirs %s %s %s, want %s %s %s", cfg.StateDir, cfg.MountPoint(), cfg.StatusDir, wantState, wantMount, wantStatus)
			}
		})
	}
}

// A changed shard count restarts the job on reload; a shard field
// moved to another line does not.
func TestSameJobShard(t *testing.T) {
	load := func(y string) *Config {
		t.Helper()
		cfg, err := ParseConfig("mgw.yaml", []byte(y))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.SetShard(nil, nil, ""); err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	a := load(jobWith("shard: {index: 1, count: 4}"))
	moved := load(base + "\n\n\n\njobs:\n  - name: job1\n    shard:\n      index: 1\n      count: 4\n    source: src\n    destination: dst\n")
	grown := load(jobWith("shard: {index: 1, count: 8}"))
	if !SameJob(a, moved, &a.Jobs[0], &moved.Jobs[0]) {
		t.Error("the same shard on other lines restarts the job")
	}
	if SameJob(a, grown, &a.Jobs[0], &grown.Jobs[0]) {
		t.Error("a new shard count does not restart the job")
	}
}
