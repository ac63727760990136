package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/test/testenv"
)

// Four shards as four processes, from a local tree and from a bucket:
// run one after another, each writes exactly the objects of its own files
// and rewrites none (the server's files say so, not mgw); then all four
// at once write nothing at all; the fleet report, read from the
// destination only, adds up to the whole source.
func TestShardsFourProcesses(t *testing.T) {
	files := shardFiles(240)
	for _, from := range []string{"local", "bucket"} {
		t.Run(from, func(t *testing.T) {
			cli, dst := newS3Bucket(t)
			s := newSetup(t)
			src := localAddr("src", s.src)
			if from == "bucket" {
				_, srcBkt := newS3Bucket(t)
				for k, b := range files {
					if _, err := cli.PutObject(t.Context(), &s3.PutObjectInput{Bucket: &srcBkt, Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
						t.Fatal(err)
					}
				}
				src = s3Addr("src", srcBkt)
			} else {
				for k, b := range files {
					writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
				}
			}
			s.write(t, []address{src, s3Addr("dst", dst)}, shardJob("src", "dst", 4))
			byEnv := from == "local"

			for i := range 4 {
				before := serverFiles(t, dst)
				r := runCmd(t, s.shardCmd(i, 4, byEnv))
				wantExit(t, r, 0)
				wantCount(t, r, "copied and verified", len(owned(files, i, 4)))
				if !strings.Contains(r.stdout, fmt.Sprintf("%d/4 (index/count", i)) {
					t.Errorf("shard %d's report does not say which shard it is:\n%s", i, r.stdout)
				}
				added := wantNoRewrite(t, before, serverFiles(t, dst))
				if want := owned(files, i, 4); !slices.Equal(added, want) {
					t.Errorf("shard %d wrote %d objects %v, want its own %d", i, len(added), added, len(want))
				}
				if i == 0 {
					// Three shards have not reported yet: the fleet report says so.
					rows, out := s.fleetReport(t, 3)
					if _, ok := rows["1"]; ok || rows["0"].done != len(added) || !strings.Contains(out, "Not reported: shards [1 2 3]") {
						t.Errorf("fleet report with one shard done:\n%s", out)
					}
				}
			}
			wantS3Bucket(t, cli, dst, files)

			rows, out := s.fleetReport(t, 0)
			for i := range 4 {
				if row := rows[strconv.Itoa(i)]; row.state != "completed" || row.done != len(owned(files, i, 4)) {
					t.Errorf("shard %d in the fleet report: %+v, want completed with %d done\n%s", i, row, len(owned(files, i, 4)), out)
				}
			}
			if tot := rows["total"]; tot.done != len(files) || tot.copied != len(files) {
				t.Errorf("fleet total %+v, want %d done and copied\n%s", tot, len(files), out)
			}

			before := serverFiles(t, dst)
			s.runShards(t, 4, byEnv, 0)
			if added := wantNoRewrite(t, before, serverFiles(t, dst)); len(added) > 0 {
				t.Errorf("a second run wrote %v", added)
			}
			rows, out = s.fleetReport(t, 0)
			if tot := rows["total"]; tot.done != len(files) || tot.copied != 0 {
				t.Errorf("fleet total after a second run %+v, want %d done, none copied\n%s", tot, len(files), out)
			}
		})
	}
}

// waitOwned waits until the bucket holds at least n objects of keys.
func waitOwned(t *testing.T, bkt string, keys []string, n int, p *proc) {
	t.Helper()
	testenv.WaitUntil(t, fmt.Sprintf("%d objects at the destination", n), func() bool {
		select {
		case <-p.exited:
			t.Fatalf("the shard ended before it could be stopped: %s", p.res)
		default:
		}
		got := serverFiles(t, bkt)
		have := 0
		for _, k := range keys {
			if _, ok := got[k]; ok {
				have++
			}
		}
		return have >= n
	})
}

// slowShards makes each shard's run last: a request rate limit, so a kill
// finds it half-way.
func slowShards(j job) job {
	j.Limits = &limitsCfg{MaxQPS: 40}
	return j
}

type limitsCfg struct {
	MaxQPS       float64 `yaml:"max_qps,omitempty"`
	MaxBandwidth string  `yaml:"max_bandwidth,omitempty"` // churn_test.go
}

// slowFleet is a source folder of 400 files and a fresh bucket, and a
// config whose job fleet copies one to the other over count shards,
// slowly (slowShards).
func slowFleet(t *testing.T, count int) (s *setup, files map[string][]byte, cli *s3.Client, dst string) {
	t.Helper()
	files = shardFiles(400)
	cli, dst = newS3Bucket(t)
	s = newSetup(t)
	for k, b := range files {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", dst)}, slowShards(shardJob("src", "dst", count)))
	return s, files, cli, dst
}

// One of four shards killed with SIGKILL mid-run and started again with
// the same index resumes from its own state: no object it wrote before
// the kill is written again; the other three run to the end undisturbed,
// and the restart touches none of their objects.
func TestShardKilledResumes(t *testing.T) {
	s, files, cli, dst := slowFleet(t, 4)

	var ps []*proc
	for i := range 4 {
		ps = append(ps, start(t, s.shardCmd(i, 4, false)))
	}
	mine := owned(files, 1, 4)
	waitOwned(t, dst, mine, len(mine)/4, ps[1])
	if err := ps[1].c.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if r := ps[1].wait(); r.code != 128+int(syscall.SIGKILL) {
		t.Fatalf("the killed shard: %s", r)
	}
	for _, i := range []int{0, 2, 3} {
		if r := ps[i].wait(); r.code != 0 {
			t.Fatalf("shard %d, beside the killed one: %s", i, r)
		}
	}
	before := serverFiles(t, dst)
	doneBefore := 0
	for _, k := range mine {
		if _, ok := before[k]; ok {
			doneBefore++
		}
	}
	if doneBefore == len(mine) {
		t.Fatal("the shard had copied everything before the kill: nothing to resume")
	}

	r := runCmd(t, s.shardCmd(1, 4, false))
	wantExit(t, r, 0)
	wantCount(t, r, "copied and verified", len(mine)-doneBefore)
	added := wantNoRewrite(t, before, serverFiles(t, dst))
	for _, k := range added {
		if engine.ShardOf(k, 4) != 1 {
			t.Errorf("the restarted shard wrote %s, shard %d's", k, engine.ShardOf(k, 4))
		}
	}
	wantS3Bucket(t, cli, dst, files)
	rows, out := s.fleetReport(t, 0)
	if tot := rows["total"]; tot.done != len(files) {
		t.Errorf("fleet total %+v, want %d done\n%s", tot, len(files), out)
	}
}

// From 2 shards to 4 after half the files: both shards of 2 are stopped
// half-way, then four shards run (0 and 1 on the state dirs they had).
// No object written before is written again; what moved to shards 2 and
// 3 is adopted from the listing; the fleet report of the 4 adds up.
func TestReshardTwoToFour(t *testing.T) {
	s, files, cli, dst := slowFleet(t, 2)
	ps := []*proc{start(t, s.shardCmd(0, 2, false)), start(t, s.shardCmd(1, 2, false))}
	all := slices.Sorted(maps.Keys(files))
	waitOwned(t, dst, all, len(all)/2, ps[0])
	for i, p := range ps {
		p.c.Process.Signal(syscall.SIGTERM)
		if r := p.wait(); r.code != 130 {
			t.Fatalf("shard %d of 2 after SIGTERM: %s", i, r)
		}
	}
	before := serverFiles(t, dst)
	if len(before) == len(files) {
		t.Fatal("the shards of 2 copied everything: nothing left for 4")
	}

	s.write(t, []address{localAddr("src", s.src), s3Addr("dst", dst)}, shardJob("src", "dst", 4))
	s.runShards(t, 4, true, 0)
	added := wantNoRewrite(t, before, serverFiles(t, dst))
	if len(added) != len(files)-len(before) {
		t.Errorf("4 shards wrote %d objects, want the %d missing", len(added), len(files)-len(before))
	}
	wantS3Bucket(t, cli, dst, files)
	rows, out := s.fleetReport(t, 0)
	if tot := rows["total"]; tot.done != len(files) || tot.copied != len(added) || tot.adopted == 0 {
		t.Errorf("fleet total %+v, want %d done, %d copied, some adopted\n%s", tot, len(files), len(added), out)
	}
}

// An agent that is one shard says so: in mgw status (found with the same
// --shard), in the job's status in the view, and on every metric. Its
// state, socket and view are below shard-1, so the commands without the
// shard find no agent; --alive tells a live agent from a dead one.
func TestShardAgentSaysWhichShard(t *testing.T) {
	s := newSetup(t)
	for k, b := range shardFiles(20) {
		writeFile(t, filepath.Join(s.src, filepath.FromSlash(k)), b)
	}
	dst := filepath.Join(s.dir, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	none, status := "", filepath.Join(s.dir, "status")
	s.writeConfig(t, config{Mount: &none, StatusDir: status,
		Addresses: []address{localAddr("src", s.src), localAddr("dst", dst)}, Jobs: []job{newJob("fleet", "src", "dst")}})
	a := start(t, s.cmd("--shard", "1/2", "agent"))
	testenv.WaitUntil(t, "shard 1's control socket", func() bool {
		_, err := os.Stat(filepath.Join(s.state, "shard-1", "mgw.sock"))
		return err == nil
	})
	testenv.WaitUntil(t, "the job to complete", func() bool {
		r := s.mgw(t, "--shard", "1/2", "job", "list")
		if strings.Contains(r.stdout, "failed") {
			t.Fatalf("the job failed:\n%s", r.stdout)
		}
		return strings.Contains(r.stdout, "completed")
	})

	r := s.mgw(t, "--shard", "1/2", "status", "--alive")
	wantExit(t, r, 0)
	if !regexp.MustCompile(`(?m)^shard\s+1/2 \(index/count\)`).MatchString(r.stdout) {
		t.Errorf("mgw status does not say which shard:\n%s", r.stdout)
	}
	wantExit(t, s.mgw(t, "--shard", "1/2", "status", "--check"), 0)
	wantExit(t, s.mgw(t, "status", "--alive"), 1) // shard-less: another state dir, no agent

	view := filepath.Join(status, "shard-1")
	testenv.WaitUntil(t, "the job's status in the view", func() bool {
		b, err := os.ReadFile(filepath.Join(view, "jobs", "fleet", "status"))
		return err == nil && regexp.MustCompile(`(?m)^shard\s+1/2 \(index/count\)`).Match(b) && strings.Contains(string(b), "completed")
	})
	metrics := string(readFile(t, filepath.Join(view, "agent", "metrics")))
	for _, want := range []string{`mgw_job_shards{job="fleet",shard="1"} 2`, `go_goroutines{shard="1"}`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	wantFolderHolds(t, dst, func() map[string][]byte {
		m := map[string][]byte{}
		for k, b := range shardFiles(20) {
			if engine.ShardOf(k, 2) == 1 {
				m[k] = b
			}
		}
		return m
	}())

	a.c.Process.Signal(syscall.SIGTERM)
	if r := a.wait(); r.code != 0 {
		t.Fatalf("agent after SIGTERM: %s", r)
	}
	wantExit(t, s.mgw(t, "--shard", "1/2", "status", "--alive"), 1)
}
